import { describe, expect, it } from 'vitest';
import { checkSlot, freeSlots, nextFreeSlot } from './slots.ts';
import { toZonedIso } from './time-zone.ts';
import { DUBAI, at, busy, dubaiRules, hours, localStarts, slotsOn, utcStarts } from './test-support.ts';
import type { SlotRejection } from './types.ts';

// Calendar used below: Mon 2026-11-30, Tue 12-01, Wed 12-02, Thu 12-03, Fri 12-04, Sat 12-05, Sun 12-06.
const MONDAY_MORNING = at('2026-11-30', '08:00');

/** Local "HH:mm" starts from start (inclusive) to end (exclusive) every step minutes. */
function grid(start: string, end: string, step = 30): string[] {
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  const out: string[] = [];
  for (let m = toMin(start); m < toMin(end); m += step) {
    out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  }
  return out;
}

describe('freeSlots: working hours', () => {
  it('offers slots on both sides of the lunch break and none during it', () => {
    const starts = localStarts(slotsOn(dubaiRules(), '2026-12-01', { now: MONDAY_MORNING }));
    expect(starts).toEqual([...grid('09:00', '13:00'), ...grid('14:00', '18:00')]);
    expect(starts).not.toContain('13:00');
  });

  it('follows each weekday: a short Friday and a closed Saturday', () => {
    expect(localStarts(slotsOn(dubaiRules(), '2026-12-04', { now: MONDAY_MORNING }))).toEqual(grid('09:00', '12:00'));
    expect(slotsOn(dubaiRules(), '2026-12-05', { now: MONDAY_MORNING })).toEqual([]);
  });

  it("lays the grid from each interval's own start and never lets a consultation run past its end", () => {
    const rules = dubaiRules({
      overrides: [{ date: '2026-12-01', intervals: hours(['09:00', '10:45'], ['14:15', '15:30']) }],
    });
    expect(localStarts(slotsOn(rules, '2026-12-01', { now: MONDAY_MORNING }))).toEqual(['09:00', '09:30', '10:00', '14:15', '14:45']);
  });

  it('gives slots of slotMinutes length on a slotMinutes grid', () => {
    const slots = slotsOn(dubaiRules({ slotMinutes: 45 }), '2026-12-04', { now: MONDAY_MORNING });
    expect(localStarts(slots)).toEqual(['09:00', '09:45', '10:30', '11:15']);
    expect(slots[0]!.end.getTime() - slots[0]!.start.getTime()).toBe(45 * 60_000);
  });

  it('offers nothing when the physician has no weekly hours at all', () => {
    const rules = dubaiRules({ weekly: [] });
    expect(freeSlots(rules, { from: MONDAY_MORNING, to: at('2026-12-14', '00:00'), now: MONDAY_MORNING, busy: [] })).toEqual([]);
    expect(nextFreeSlot(rules, { now: MONDAY_MORNING, busy: [] })).toBeNull();
  });
});

describe('freeSlots: date overrides', () => {
  it('closes the clinic on a day off (UAE National Day)', () => {
    const rules = dubaiRules({ overrides: [{ date: '2026-12-02', intervals: [] }] });
    expect(slotsOn(rules, '2026-12-02', { now: MONDAY_MORNING })).toEqual([]);
    expect(slotsOn(rules, '2026-12-03', { now: MONDAY_MORNING })).toHaveLength(16);
  });

  it('replaces the weekly hours on that date only', () => {
    const rules = dubaiRules({ overrides: [{ date: '2026-12-03', intervals: hours(['16:00', '20:00']) }] });
    expect(localStarts(slotsOn(rules, '2026-12-03', { now: MONDAY_MORNING }))).toEqual(grid('16:00', '20:00'));
    expect(slotsOn(rules, '2026-12-10', { now: MONDAY_MORNING })).toHaveLength(16);
  });

  it('opens an extra working day on a normally closed weekday', () => {
    const rules = dubaiRules({ overrides: [{ date: '2026-12-06', intervals: hours(['10:00', '12:00']) }] });
    expect(localStarts(slotsOn(rules, '2026-12-06', { now: MONDAY_MORNING }))).toEqual(grid('10:00', '12:00'));
    expect(slotsOn(rules, '2026-12-13', { now: MONDAY_MORNING })).toEqual([]);
  });
});

describe('freeSlots: bookings, notice, horizon and the past', () => {
  it('hides a booked slot', () => {
    const starts = localStarts(slotsOn(dubaiRules(), '2026-12-04', { now: MONDAY_MORNING, busy: [busy('2026-12-04', '10:00', '10:30')] }));
    expect(starts).toEqual(['09:00', '09:30', '10:30', '11:00', '11:30']);
  });

  it('keeps the buffer free on both sides of a booking', () => {
    const rules = dubaiRules({ bufferMinutes: 15 });
    const starts = localStarts(slotsOn(rules, '2026-12-04', { now: MONDAY_MORNING, busy: [busy('2026-12-04', '10:00', '10:30')] }));
    // 09:30 would end at 10:00 and 10:30 would start right after: both lack the 15-minute gap.
    expect(starts).toEqual(['09:00', '11:00', '11:30']);
  });

  it('hides every slot an off-grid or long booking touches, whatever order the bookings come in', () => {
    const starts = localStarts(
      slotsOn(dubaiRules(), '2026-12-01', {
        now: MONDAY_MORNING,
        busy: [busy('2026-12-01', '15:10', '15:40'), busy('2026-12-01', '09:00', '12:00'), busy('2026-11-30', '09:00', '18:00')],
      }),
    );
    expect(starts).toEqual(['12:00', '12:30', '14:00', '14:30', '16:00', '16:30', '17:00', '17:30']);
  });

  it('drops starts inside the minimum notice; a start exactly at now + notice is bookable', () => {
    const rules = dubaiRules({ minNoticeMinutes: 120 });
    expect(localStarts(slotsOn(rules, '2026-12-01', { now: at('2026-12-01', '09:10') }))[0]).toBe('11:30');
    expect(localStarts(slotsOn(rules, '2026-12-01', { now: at('2026-12-01', '09:00') }))[0]).toBe('11:00');
  });

  it('drops past starts; a slot starting right now is still offered', () => {
    expect(localStarts(slotsOn(dubaiRules(), '2026-12-01', { now: at('2026-12-01', '12:00') }))).toEqual([
      '12:00',
      '12:30',
      ...grid('14:00', '18:00'),
    ]);
    expect(slotsOn(dubaiRules(), '2026-11-30', { now: at('2026-12-01', '08:00') })).toEqual([]);
  });

  it('clips at the booking horizon (latest start < now + horizonDays)', () => {
    const now = at('2026-12-01', '10:15');
    const slots = freeSlots(dubaiRules({ horizonDays: 2 }), { from: now, to: at('2026-12-08', '00:00'), now, busy: [] });
    expect(slots).toHaveLength(13 + 16 + 3);
    expect(toZonedIso(slots.at(-1)!.start, DUBAI)).toBe('2026-12-03T10:00:00+04:00');
  });

  it('lists from <= start < to, sorted across days', () => {
    const slots = freeSlots(dubaiRules(), {
      from: at('2026-12-01', '12:30'),
      to: at('2026-12-02', '09:30'),
      now: MONDAY_MORNING,
      busy: [],
    });
    expect(slots.map((s) => toZonedIso(s.start, DUBAI))).toEqual([
      '2026-12-01T12:30:00+04:00',
      ...grid('14:00', '18:00').map((t) => `2026-12-01T${t}:00+04:00`),
      '2026-12-02T09:00:00+04:00',
    ]);
  });
});

describe('nextFreeSlot', () => {
  it('finds the first free slot after a weekend, skipping bookings', () => {
    const now = at('2026-12-04', '11:40');
    expect(toZonedIso(nextFreeSlot(dubaiRules(), { now, busy: [] })!.start, DUBAI)).toBe('2026-12-07T09:00:00+04:00');
    const slot = nextFreeSlot(dubaiRules(), { now, busy: [busy('2026-12-07', '09:00', '10:00')] })!;
    expect(utcStarts([slot])).toEqual(['2026-12-07T06:00:00.000Z']);
    expect(slot.end.toISOString()).toBe('2026-12-07T06:30:00.000Z');
  });

  it('respects the minimum notice', () => {
    const slot = nextFreeSlot(dubaiRules({ minNoticeMinutes: 30 }), { now: at('2026-12-04', '10:50'), busy: [] });
    expect(toZonedIso(slot!.start, DUBAI)).toBe('2026-12-04T11:30:00+04:00');
  });

  it('looks no further than searchDays or the horizon, whichever is shorter', () => {
    const now = at('2026-12-04', '11:40');
    expect(nextFreeSlot(dubaiRules(), { now, busy: [], searchDays: 2 })).toBeNull();
    expect(nextFreeSlot(dubaiRules({ horizonDays: 2 }), { now, busy: [], searchDays: 30 })).toBeNull();
    expect(nextFreeSlot(dubaiRules(), { now, busy: [], searchDays: 3 })).not.toBeNull();
  });
});

describe('checkSlot', () => {
  const rules = dubaiRules({
    bufferMinutes: 10,
    minNoticeMinutes: 60,
    horizonDays: 30,
    overrides: [{ date: '2026-12-02', intervals: [] }],
  });
  const now = at('2026-12-01', '09:00');
  const booked = [busy('2026-12-01', '14:00', '14:30')];
  const check = (date: string, time: string) => checkSlot(rules, at(date, time), { now, busy: booked });

  it.each<[string, string, SlotRejection, string]>([
    ['2026-12-01', '08:30', 'IN_PAST', '2026-12-01 08:30 (Asia/Dubai) is in the past.'],
    ['2026-12-01', '09:30', 'INSIDE_NOTICE', 'Appointments must be booked at least 1 hour in advance; 2026-12-01 09:30 (Asia/Dubai) is too soon.'],
    ['2026-12-31', '09:00', 'BEYOND_HORIZON', 'Appointments can be booked at most 30 days ahead; 2026-12-31 09:00 (Asia/Dubai) is too far away.'],
    ['2026-12-02', '10:00', 'DAY_OFF', 'The physician does not work on 2026-12-02 (day off).'],
    ['2026-12-05', '10:00', 'DAY_OFF', 'The physician does not work on 2026-12-05 (day off).'],
    ['2026-12-01', '13:00', 'OUTSIDE_HOURS', 'A 30-minute appointment at 13:00 on 2026-12-01 does not fit within working hours (09:00–13:00, 14:00–18:00).'],
    ['2026-12-01', '12:45', 'OUTSIDE_HOURS', 'A 30-minute appointment at 12:45 on 2026-12-01 does not fit within working hours (09:00–13:00, 14:00–18:00).'],
    ['2026-12-01', '10:10', 'NOT_ON_GRID', 'Appointments on 2026-12-01 start every 30 minutes from 09:00; 10:10 is not one of those times.'],
    [
      '2026-12-01',
      '14:30',
      'TAKEN',
      '2026-12-01 14:30 (Asia/Dubai) is no longer available: it overlaps another appointment (10 minutes are kept free between appointments).',
    ],
  ])('%s %s → %s', (date, time, reason, message) => {
    expect(check(date, time)).toEqual({ ok: false, reason, message });
  });

  it('rejects a start between whole minutes as off the grid', () => {
    const result = checkSlot(rules, new Date(at('2026-12-01', '11:00').getTime() + 30_000), { now, busy: booked });
    expect(result).toMatchObject({ ok: false, reason: 'NOT_ON_GRID' });
    expect(!result.ok && result.message).toContain('11:00:30 is not one of those times');
  });

  it('accepts a free grid start and returns the whole slot', () => {
    expect(check('2026-12-01', '15:00')).toEqual({
      ok: true,
      slot: { start: new Date('2026-12-01T11:00:00Z'), end: new Date('2026-12-01T11:30:00Z') },
    });
  });

  it('says TAKEN without a buffer clause when no buffer is configured', () => {
    const result = checkSlot(dubaiRules(), at('2026-12-01', '14:00'), { now, busy: booked });
    expect(result).toEqual({
      ok: false,
      reason: 'TAKEN',
      message: '2026-12-01 14:00 (Asia/Dubai) is no longer available: it overlaps another appointment.',
    });
  });

  it('reports the most basic reason first', () => {
    const reason = (date: string, time: string, clock = now) => {
      const r = checkSlot(rules, at(date, time), { now: clock, busy: booked });
      return r.ok ? 'OK' : r.reason;
    };
    expect(reason('2026-11-28', '10:00')).toBe('IN_PAST'); // also a Saturday
    expect(reason('2026-12-02', '00:00', at('2026-12-01', '23:30'))).toBe('INSIDE_NOTICE'); // also a day off
    expect(reason('2027-01-02', '10:00')).toBe('BEYOND_HORIZON'); // also a Saturday
    expect(reason('2026-12-01', '12:50')).toBe('OUTSIDE_HOURS'); // also off the grid
    expect(reason('2026-12-01', '14:10')).toBe('NOT_ON_GRID'); // also taken
  });
});

describe('freeSlots and checkSlot agree', () => {
  const rules = dubaiRules({
    bufferMinutes: 10,
    minNoticeMinutes: 90,
    horizonDays: 5,
    overrides: [
      { date: '2026-12-02', intervals: [] },
      { date: '2026-12-03', intervals: hours(['08:00', '10:45'], ['10:45', '12:00'], ['14:15', '17:00']) },
      { date: '2026-12-06', intervals: hours(['10:15', '12:00']) },
    ],
  });
  const now = at('2026-11-30', '10:07');
  const booked = [
    busy('2026-11-30', '11:00', '11:30'),
    busy('2026-12-01', '15:00', '17:00'),
    busy('2026-12-01', '09:40', '10:20'),
    busy('2026-12-03', '10:45', '11:15'),
    busy('2026-12-04', '09:00', '09:30'),
  ];
  const weekStart = at('2026-11-30', '00:00');
  const weekEnd = at('2026-12-07', '00:00');
  const listed = freeSlots(rules, { from: weekStart, to: weekEnd, now, busy: booked });

  it('on every 5-minute start of a week', () => {
    const offered = new Set(utcStarts(listed));
    const reasons = new Set<string>();
    let accepted = 0;
    for (let t = weekStart.getTime(); t < weekEnd.getTime(); t += 5 * 60_000) {
      const result = checkSlot(rules, new Date(t), { now, busy: booked });
      const iso = new Date(t).toISOString();
      expect(result.ok, iso).toBe(offered.has(iso));
      if (result.ok) {
        accepted++;
        expect(result.slot.end.getTime() - t).toBe(30 * 60_000);
      } else {
        reasons.add(result.reason);
      }
    }
    expect(accepted).toBe(offered.size);
    // Mon 10 (after notice, around the 11:00 booking) + Tue 8 + Wed off + Thu 10 + Fri 4.
    expect(accepted).toBe(32);
    expect([...reasons].sort()).toEqual(
      ['BEYOND_HORIZON', 'DAY_OFF', 'INSIDE_NOTICE', 'IN_PAST', 'NOT_ON_GRID', 'OUTSIDE_HOURS', 'TAKEN'].sort(),
    );
  });

  it('whatever window freeSlots is asked for', () => {
    const from = at('2026-12-01', '11:12');
    const to = at('2026-12-03', '15:47');
    const windowed = freeSlots(rules, { from, to, now, busy: booked });
    expect(utcStarts(windowed)).toEqual(utcStarts(listed.filter((s) => s.start >= from && s.start < to)));
  });
});
