import { describe, expect, it } from 'vitest';
import { addLocalDays, localDayRange } from './index.ts';

describe('localDayRange', () => {
  it('is 24 h in Dubai and 23 / 25 h on London DST days', () => {
    const hours = (d: string, tz: string) => {
      const { from, to } = localDayRange(d, tz);
      return (to.getTime() - from.getTime()) / 3_600_000;
    };
    expect(localDayRange('2026-12-01', 'Asia/Dubai').from.toISOString()).toBe('2026-11-30T20:00:00.000Z');
    expect(hours('2026-12-01', 'Asia/Dubai')).toBe(24);
    expect(hours('2026-03-29', 'Europe/London')).toBe(23);
    expect(hours('2026-10-25', 'Europe/London')).toBe(25);
  });

  it('adds calendar days across month and year ends', () => {
    expect(addLocalDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addLocalDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});
