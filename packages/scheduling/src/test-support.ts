// Shared fixtures for the unit tests (not exported from the package).
import { toZonedIso, zonedToUtc } from './time-zone.ts';
import { freeSlots } from './slots.ts';
import type { Busy, ScheduleRules, Slot, TimeInterval } from './types.ts';

export const DUBAI = 'Asia/Dubai';

const hours = (...pairs: [string, string][]): TimeInterval[] => pairs.map(([start, end]) => ({ start, end }));

/** A Dubai clinic: Mon–Thu with a lunch break, Friday morning, Saturday/Sunday closed. */
export function dubaiRules(overrides: Partial<ScheduleRules> = {}): ScheduleRules {
  const weekday = hours(['09:00', '13:00'], ['14:00', '18:00']);
  return {
    timeZone: DUBAI,
    weekly: [
      { weekday: 1, intervals: weekday },
      { weekday: 2, intervals: weekday },
      { weekday: 3, intervals: weekday },
      { weekday: 4, intervals: weekday },
      { weekday: 5, intervals: hours(['09:00', '12:00']) },
    ],
    overrides: [],
    slotMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    horizonDays: 60,
    ...overrides,
  };
}

/** The same hours every day of the week. */
export function everyDay(timeZone: string, ...pairs: [string, string][]): ScheduleRules {
  return {
    ...dubaiRules(),
    timeZone,
    weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, intervals: hours(...pairs) })),
  };
}

export { hours };

/** An instant given as local wall time in the zone (throws if the time does not exist). */
export function at(date: string, time: string, timeZone = DUBAI): Date {
  const instant = zonedToUtc(date, time, timeZone);
  if (!instant) throw new Error(`${date} ${time} does not exist in ${timeZone}`);
  return instant;
}

export function busy(date: string, start: string, end: string, timeZone = DUBAI): Busy {
  return { start: at(date, start, timeZone), end: at(date, end, timeZone) };
}

/** Free slots of one local day (local midnight to the next local midnight). */
export function slotsOn(rules: ScheduleRules, date: string, q: { now: Date; busy?: Busy[] }): Slot[] {
  const from = at(date, '00:00', rules.timeZone);
  const to = at(date, '24:00', rules.timeZone);
  return freeSlots(rules, { from, to, now: q.now, busy: q.busy ?? [] });
}

/** Local "HH:mm" of each slot start in the rules' zone. */
export function localStarts(slots: Slot[], timeZone = DUBAI): string[] {
  return slots.map((s) => toZonedIso(s.start, timeZone).slice(11, 16));
}

export function utcStarts(slots: Slot[]): string[] {
  return slots.map((s) => s.start.toISOString());
}
