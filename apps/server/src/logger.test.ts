import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger('info', { write: (line: string) => void lines.push(line) }) };
}

describe('the server log', () => {
  it('masks Emirates IDs wherever they appear: messages, other fields, error messages', () => {
    const { lines, log } = capture();
    log.info({ text: 'my id is 784.1990.1234567.6' }, 'patient wrote 784–1990–1234567–6');
    log.error({ err: new Error('insurer refused ٧٨٤١٩٩٠١٢٣٤٥٦٧') }, 'check failed');
    const out = lines.join('');
    expect(out).toContain('784-****-*****67-6');
    expect(out).toContain('784-********-567');
    for (const secret of ['1990', '1234567', '١٩٩٠']) expect(out).not.toContain(secret);
  });

  it('leaves phone numbers, times and ids alone', () => {
    const { lines, log } = capture();
    log.info({ phone: '+971501234567', at: '2026-12-01T09:30:00+04:00', appointmentId: '6650f1a2b3c4d5e6f7a8b9c0' }, 'booked');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ phone: '+971501234567', at: '2026-12-01T09:30:00+04:00', appointmentId: '6650f1a2b3c4d5e6f7a8b9c0', msg: 'booked' });
  });
});
