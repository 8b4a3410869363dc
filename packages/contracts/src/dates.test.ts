import { describe, expect, it } from 'vitest';
import { DateTimeSchema, LocalDateSchema } from './common.ts';

const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) => r.error?.issues.map((i) => i.message) ?? [];

describe('LocalDateSchema', () => {
  it('accepts real calendar dates, leap days included', () => {
    for (const d of ['2026-01-31', '2028-02-29', '2000-02-29', '1900-01-01', '2200-12-31']) expect(LocalDateSchema.safeParse(d).success).toBe(true);
  });

  it('rejects dates that do not exist, saying why', () => {
    expect(messages(LocalDateSchema.safeParse('2026-02-30'))).toEqual(['is not a real date: February 2026 has days 01 to 28, not 30']);
    expect(messages(LocalDateSchema.safeParse('2100-02-29'))).toEqual(['is not a real date: February 2100 has days 01 to 28, not 29']);
    expect(messages(LocalDateSchema.safeParse('2026-13-45'))).toEqual(['is not a real date: the month must be 01 to 12, not 13']);
    expect(messages(LocalDateSchema.safeParse('0000-00-00'))).toEqual(['is not a real date: the month must be 01 to 12, not 00']);
    expect(messages(LocalDateSchema.safeParse('2026-04-00'))).toEqual(['is not a real date: April 2026 has days 01 to 30, not 00']);
  });

  it('rejects dates outside 1900–2200 and text that is not YYYY-MM-DD, with one message each', () => {
    expect(messages(LocalDateSchema.safeParse('0001-01-01'))).toEqual(['must be a date between 1900-01-01 and 2200-12-31']);
    expect(messages(LocalDateSchema.safeParse('9999-12-31'))).toEqual(['must be a date between 1900-01-01 and 2200-12-31']);
    expect(messages(LocalDateSchema.safeParse('2026-2-3'))).toEqual(['must be a date as YYYY-MM-DD']);
  });
});

describe('DateTimeSchema', () => {
  it('turns ISO 8601 text (REST) and Dates (tRPC) into Dates', () => {
    expect(DateTimeSchema.parse('2026-12-01T09:30:00+04:00')).toEqual(new Date('2026-12-01T05:30:00Z'));
    expect(DateTimeSchema.parse(new Date('2026-12-01T05:30:00Z'))).toEqual(new Date('2026-12-01T05:30:00Z'));
  });

  it('rejects text that is no date, and instants outside 1900–2200 (where date arithmetic breaks)', () => {
    expect(messages(DateTimeSchema.safeParse('tomorrow'))).toEqual(['must be a date-time in ISO 8601, e.g. 2026-12-01T09:30:00+04:00']);
    expect(messages(DateTimeSchema.safeParse('+275760-09-13T00:00:00.000Z'))).toEqual(['must be before 2201-01-01']);
    expect(messages(DateTimeSchema.safeParse('-271821-04-20T00:00:00.000Z'))).toEqual(['must be on or after 1900-01-01']);
    expect(DateTimeSchema.safeParse('2200-12-31T23:59:59.999Z').success).toBe(true);
    expect(DateTimeSchema.safeParse('2201-01-01T00:00:00.000Z').success).toBe(false);
  });
});
