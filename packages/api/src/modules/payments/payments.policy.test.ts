import { describe, expect, it } from 'vitest';
import { patientShare, refundOnCancel } from './payments.policy.ts';

describe('refund on cancel', () => {
  const start = new Date('2026-12-01T10:00:00Z');
  const hoursBefore = (h: number) => new Date(start.getTime() - h * 3_600_000);
  it('the clinic cancelling refunds everything, even at the last minute', () => {
    expect(refundOnCancel(30000, 'clinic', start, hoursBefore(0.5), 24)).toBe(30000);
  });
  it('a patient cancelling before the cutoff gets everything back', () => {
    expect(refundOnCancel(30000, 'patient', start, hoursBefore(48), 24)).toBe(30000);
    expect(refundOnCancel(30000, 'patient', start, hoursBefore(24), 24)).toBe(30000);
  });
  it('a patient cancelling after the cutoff gets nothing back', () => {
    expect(refundOnCancel(30000, 'patient', start, hoursBefore(23.9), 24)).toBe(0);
  });
});

describe('patient share', () => {
  it('is the full price without insurance and the co-pay share with it', () => {
    expect(patientShare(30000, null)).toBe(30000);
    expect(patientShare(30000, 20)).toBe(6000);
    expect(patientShare(33333, 10)).toBe(3333);
    expect(patientShare(30000, 0)).toBe(0);
  });
});
