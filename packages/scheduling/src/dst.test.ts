import { describe, expect, it } from 'vitest';
import { checkSlot, freeSlots, nextFreeSlot } from './slots.ts';
import { localDateOf, toZonedIso, zonedToUtc } from './time-zone.ts';
import { at, everyDay, localStarts, slotsOn, utcStarts } from './test-support.ts';
import type { Busy, ScheduleRules } from './types.ts';

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';
const NEW_YEAR = new Date('2026-01-01T00:00:00Z');

function rulesIn(timeZone: string, ...pairs: [string, string][]): ScheduleRules {
  return { ...everyDay(timeZone, ...pairs), horizonDays: 400 };
}

describe('Europe/London', () => {
  it('spring forward (2026-03-29): the missing 01:00–01:59 offers nothing, the rest stays on the local grid', () => {
    const slots = slotsOn(rulesIn(LONDON, ['00:00', '04:00']), '2026-03-29', { now: NEW_YEAR });
    expect(localStarts(slots, LONDON)).toEqual(['00:00', '00:30', '02:00', '02:30', '03:00', '03:30']);
    expect(utcStarts(slots)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T02:30:00.000Z',
    ]);
  });

  it('a normal clinic day on the 23-hour day keeps its 16 slots at local :00 and :30', () => {
    const rules = rulesIn(LONDON, ['09:00', '17:00']);
    const sunday = slotsOn(rules, '2026-03-29', { now: NEW_YEAR });
    expect(sunday).toHaveLength(16);
    expect(utcStarts(sunday)[0]).toBe('2026-03-29T08:00:00.000Z');
    expect(sunday.map((s) => toZonedIso(s.start, LONDON).slice(13))).toEqual(
      Array.from({ length: 16 }, (_, i) => `:${i % 2 ? '30' : '00'}:00+01:00`),
    );
    expect(utcStarts(slotsOn(rules, '2026-03-28', { now: NEW_YEAR }))[0]).toBe('2026-03-28T09:00:00.000Z');
  });

  it('fall back (2026-10-25): the repeated hour is offered once, at its first occurrence', () => {
    const slots = slotsOn(rulesIn(LONDON, ['00:00', '04:00']), '2026-10-25', { now: NEW_YEAR });
    expect(slots.map((s) => toZonedIso(s.start, LONDON))).toEqual([
      '2026-10-25T00:00:00+01:00',
      '2026-10-25T00:30:00+01:00',
      '2026-10-25T01:00:00+01:00',
      '2026-10-25T01:30:00+01:00',
      '2026-10-25T02:00:00+00:00',
      '2026-10-25T02:30:00+00:00',
      '2026-10-25T03:00:00+00:00',
      '2026-10-25T03:30:00+00:00',
    ]);
    expect(utcStarts(slots)).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-24T23:30:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T02:30:00.000Z',
      '2026-10-25T03:00:00.000Z',
      '2026-10-25T03:30:00.000Z',
    ]);
  });

  it('checkSlot refuses the second 01:30 of the fall-back night and accepts the first', () => {
    const rules = rulesIn(LONDON, ['00:00', '04:00']);
    const second = checkSlot(rules, new Date('2026-10-25T01:30:00Z'), { now: NEW_YEAR, busy: [] });
    expect(second).toEqual({
      ok: false,
      reason: 'NOT_ON_GRID',
      message: '01:30 happens twice on 2026-10-25 because the clocks go back; only the first 01:30 can be booked.',
    });
    expect(checkSlot(rules, new Date('2026-10-25T00:30:00Z'), { now: NEW_YEAR, busy: [] }).ok).toBe(true);
  });

  it('nextFreeSlot jumps over the spring-forward gap', () => {
    const slot = nextFreeSlot(rulesIn(LONDON, ['00:00', '04:00']), { now: new Date('2026-03-29T00:45:00Z'), busy: [] });
    expect(slot?.start.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(toZonedIso(slot!.start, LONDON)).toBe('2026-03-29T02:00:00+01:00');
  });
});

describe('America/New_York', () => {
  it('spring forward (2026-03-08): 02:00–02:59 does not exist', () => {
    const slots = slotsOn(rulesIn(NEW_YORK, ['01:00', '04:00']), '2026-03-08', { now: NEW_YEAR });
    expect(localStarts(slots, NEW_YORK)).toEqual(['01:00', '01:30', '03:00', '03:30']);
    expect(utcStarts(slots)).toEqual([
      '2026-03-08T06:00:00.000Z',
      '2026-03-08T06:30:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:30:00.000Z',
    ]);
  });

  it('fall back (2026-11-01): 01:00–01:59 happens twice and is offered once', () => {
    const slots = slotsOn(rulesIn(NEW_YORK, ['00:00', '03:00']), '2026-11-01', { now: NEW_YEAR });
    expect(utcStarts(slots)).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T04:30:00.000Z',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
    expect(toZonedIso(slots[3]!.start, NEW_YORK)).toBe('2026-11-01T01:30:00-04:00');
    expect(toZonedIso(slots[4]!.start, NEW_YORK)).toBe('2026-11-01T02:00:00-05:00');
  });

  it('localDateOf turns the date at local midnight on both change days', () => {
    expect(localDateOf(new Date('2026-03-08T04:59:00Z'), NEW_YORK)).toBe('2026-03-07');
    expect(localDateOf(new Date('2026-03-08T05:00:00Z'), NEW_YORK)).toBe('2026-03-08');
    expect(localDateOf(new Date('2026-11-02T04:59:00Z'), NEW_YORK)).toBe('2026-11-01');
    expect(localDateOf(new Date('2026-11-02T05:00:00Z'), NEW_YORK)).toBe('2026-11-02');
  });
});

describe('zonedToUtc across DST changes', () => {
  it('returns null for wall times in the spring-forward gap', () => {
    expect(zonedToUtc('2026-03-29', '01:00', LONDON)).toBeNull();
    expect(zonedToUtc('2026-03-29', '01:59', LONDON)).toBeNull();
    expect(zonedToUtc('2026-03-08', '02:30', NEW_YORK)).toBeNull();
    expect(zonedToUtc('2026-03-29', '02:00', LONDON)?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('returns the earlier instant for ambiguous fall-back wall times', () => {
    expect(zonedToUtc('2026-10-25', '01:30', LONDON)?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(zonedToUtc('2026-11-01', '01:30', NEW_YORK)?.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(zonedToUtc('2026-11-01', '02:00', NEW_YORK)?.toISOString()).toBe('2026-11-01T07:00:00.000Z');
  });

  it('toZonedIso shows the offset in force at each instant', () => {
    expect(toZonedIso(new Date('2026-03-29T00:59:00Z'), LONDON)).toBe('2026-03-29T00:59:00+00:00');
    expect(toZonedIso(new Date('2026-03-29T01:00:00Z'), LONDON)).toBe('2026-03-29T02:00:00+01:00');
    expect(toZonedIso(new Date('2026-11-01T05:30:00Z'), NEW_YORK)).toBe('2026-11-01T01:30:00-04:00');
    expect(toZonedIso(new Date('2026-11-01T06:30:00Z'), NEW_YORK)).toBe('2026-11-01T01:30:00-05:00');
  });
});

describe('freeSlots and checkSlot agree through DST changes', () => {
  // 7 days × (3 + 5 + 4) slots, minus the two the booking blocks, minus the two that fall in the
  // missing spring hour; the repeated autumn hour costs nothing (each wall time is offered once).
  const cases: [string, string, string, number][] = [
    [LONDON, '2026-03-26', '2026-04-01', 7 * 12 - 2 - 2],
    [LONDON, '2026-10-22', '2026-10-28', 7 * 12 - 2],
    [NEW_YORK, '2026-03-05', '2026-03-11', 7 * 12 - 2 - 2],
    [NEW_YORK, '2026-10-29', '2026-11-04', 7 * 12 - 2],
  ];
  it.each(cases)('%s from %s to %s', (timeZone, first, last, expected) => {
    // Night shifts straddle the change, and an evening shift ends at 24:00.
    const rules = { ...rulesIn(timeZone, ['00:00', '01:30'], ['01:30', '04:00'], ['22:00', '24:00']), bufferMinutes: 5 };
    const booked: Busy[] = [{ start: at(first, '23:00', timeZone), end: at(first, '23:20', timeZone) }];
    const from = at(first, '00:00', timeZone);
    const to = at(last, '24:00', timeZone);
    const offered = new Set(utcStarts(freeSlots(rules, { from, to, now: NEW_YEAR, busy: booked })));
    let accepted = 0;
    for (let t = from.getTime(); t < to.getTime(); t += 5 * 60_000) {
      const result = checkSlot(rules, new Date(t), { now: NEW_YEAR, busy: booked });
      expect(result.ok, new Date(t).toISOString()).toBe(offered.has(new Date(t).toISOString()));
      if (result.ok) accepted++;
    }
    expect(accepted).toBe(offered.size);
    expect(accepted).toBe(expected);
  });
});
