import { describe, expect, it } from 'vitest';
import { ScheduleRulesError, validateRules } from './rules.ts';
import { checkSlot, freeSlots, nextFreeSlot } from './slots.ts';
import { dubaiRules, hours } from './test-support.ts';
import type { ScheduleRules } from './types.ts';

describe('validateRules', () => {
  it('accepts a normal clinic week, touching intervals and a 24:00 close', () => {
    expect(validateRules(dubaiRules())).toEqual([]);
    expect(
      validateRules(
        dubaiRules({
          weekly: [{ weekday: 4, intervals: hours(['09:00', '13:00'], ['13:00', '17:00'], ['20:00', '24:00']) }],
          overrides: [{ date: '2026-12-02', intervals: [] }],
        }),
      ),
    ).toEqual([]);
  });

  it('names each malformed time and each backwards interval', () => {
    const rules = dubaiRules({
      weekly: [{ weekday: 1, intervals: hours(['9:00', '12:00'], ['13:00', '25:00'], ['24:00', '24:00'], ['15:00', '14:00']) }],
    });
    expect(validateRules(rules)).toEqual([
      'weekly[0].intervals[0].start: "9:00" is not a time of day in HH:mm form.',
      'weekly[0].intervals[1].end: "25:00" is not a time of day in HH:mm form.',
      'weekly[0].intervals[2].start: "24:00" is not a time of day in HH:mm form.',
      'weekly[0].intervals[3]: starts at 15:00 but ends at 14:00; the start must come first.',
    ]);
  });

  it('finds overlapping hours on one weekday, also across two entries for that weekday', () => {
    expect(validateRules(dubaiRules({ weekly: [{ weekday: 2, intervals: hours(['09:00', '12:00'], ['11:30', '14:00']) }] }))).toEqual([
      'weekly (Tuesday): 09:00–12:00 overlaps 11:30–14:00.',
    ]);
    const split = dubaiRules({
      weekly: [
        { weekday: 3, intervals: hours(['14:00', '18:00']) },
        { weekday: 3, intervals: hours(['09:00', '15:00']) },
      ],
    });
    expect(validateRules(split)).toEqual(['weekly (Wednesday): 09:00–15:00 overlaps 14:00–18:00.']);
  });

  it('rejects weekdays out of range', () => {
    const rules = dubaiRules({ weekly: [{ weekday: 7, intervals: [] }, { weekday: -1, intervals: [] }, { weekday: 1.5, intervals: [] }] });
    expect(validateRules(rules)).toEqual([
      'weekly[0].weekday: 7 is out of range (0 = Sunday … 6 = Saturday).',
      'weekly[1].weekday: -1 is out of range (0 = Sunday … 6 = Saturday).',
      'weekly[2].weekday: 1.5 is out of range (0 = Sunday … 6 = Saturday).',
    ]);
  });

  it('rejects bad override dates, duplicate dates and overlapping override hours', () => {
    const rules = dubaiRules({
      overrides: [
        { date: '2026-02-30', intervals: [] },
        { date: '02/12/2026', intervals: [] },
        { date: '2026-12-02', intervals: [] },
        { date: '2026-12-02', intervals: hours(['10:00', '12:00']) },
        { date: '2026-12-03', intervals: hours(['10:00', '12:00'], ['11:00', '13:00']) },
      ],
    });
    expect(validateRules(rules)).toEqual([
      'overrides[0].date: "2026-02-30" is not a calendar date in YYYY-MM-DD form.',
      'overrides[1].date: "02/12/2026" is not a calendar date in YYYY-MM-DD form.',
      'overrides[3].date: 2026-12-02 has more than one override.',
      'overrides[4] (2026-12-03): 10:00–12:00 overlaps 11:00–13:00.',
    ]);
  });

  it('rejects an unknown time zone and unusable numbers', () => {
    const rules = dubaiRules({ timeZone: 'Asia/Dubay', slotMinutes: 0, bufferMinutes: -5, minNoticeMinutes: 1.5, horizonDays: 0 });
    expect(validateRules(rules)).toEqual([
      'timeZone: "Asia/Dubay" is not a known IANA time zone.',
      'slotMinutes: must be a whole number from 1 to 1440 (got 0).',
      'bufferMinutes: must be a whole number 0 or more (got -5).',
      'minNoticeMinutes: must be a whole number 0 or more (got 1.5).',
      'horizonDays: must be a whole number 1 or more (got 0).',
    ]);
  });

  it('copes with rules that are not shaped as typed (e.g. straight from storage)', () => {
    const broken = { ...dubaiRules(), weekly: null, overrides: [{ date: '2026-12-02' }] } as unknown as ScheduleRules;
    expect(validateRules(broken)).toEqual([
      'weekly: must be a list of weekdays with their hours.',
      'overrides[0].intervals: must be a list of {start, end} times.',
    ]);
  });
});

describe('invalid rules given to the slot functions', () => {
  it('throw ScheduleRulesError listing the problems rather than looping or guessing', () => {
    const rules = dubaiRules({ slotMinutes: 0 });
    const now = new Date('2026-12-01T00:00:00Z');
    expect(() => freeSlots(rules, { from: now, to: new Date('2026-12-08T00:00:00Z'), now, busy: [] })).toThrow(ScheduleRulesError);
    expect(() => nextFreeSlot(rules, { now, busy: [] })).toThrow(/slotMinutes/);
    try {
      checkSlot(rules, now, { now, busy: [] });
      expect.unreachable();
    } catch (error) {
      expect((error as ScheduleRulesError).problems).toEqual(['slotMinutes: must be a whole number from 1 to 1440 (got 0).']);
    }
  });
});
