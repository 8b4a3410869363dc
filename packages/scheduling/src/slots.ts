import { DAY_MS, MINUTE_MS, formatCivilDate, formatWallTime, pad2 } from './civil.ts';
import { describeIntervals, intervalsOn, prepareRules, type PreparedRules } from './rules.ts';
import { createDayOffsets, instantMs, resolveWall, wallClockMs } from './time-zone.ts';
import type { Busy, ScheduleRules, Slot, SlotCheck, SlotRejection } from './types.ts';

const DEFAULT_SEARCH_DAYS = 14;

/**
 * Free slots with from <= start < to, sorted. Slots are laid out per local day on each working
 * interval's own wall-clock grid, then dropped if in the past, inside the notice period, beyond
 * the horizon, or if [start - buffer, end + buffer) touches a busy interval.
 */
export function freeSlots(
  rules: ScheduleRules,
  q: { from: Date; to: Date; now: Date; busy: Busy[] },
): Slot[] {
  const prepared = prepareRules(rules);
  const now = instantMs(q.now, 'now');
  const from = instantMs(q.from, 'from');
  const to = instantMs(q.to, 'to');
  const isTaken = busyScanner(prepared, q.busy);
  const slots: Slot[] = [];
  forEachCandidate(prepared, Math.max(from, now + prepared.noticeMs), Math.min(to, now + prepared.horizonMs), (start) => {
    if (!isTaken(start)) slots.push(slotAt(prepared, start));
    return true;
  });
  return slots;
}

/** The first free slot from now, looking min(horizon, searchDays) ahead. */
export function nextFreeSlot(
  rules: ScheduleRules,
  q: { now: Date; busy: Busy[]; searchDays?: number },
): Slot | null {
  const prepared = prepareRules(rules);
  const now = instantMs(q.now, 'now');
  const searchDays = q.searchDays ?? DEFAULT_SEARCH_DAYS;
  if (!(searchDays >= 0)) throw new RangeError(`searchDays must be zero or more (got ${searchDays}).`);
  const isTaken = busyScanner(prepared, q.busy);
  const until = now + Math.min(prepared.horizonMs, searchDays * DAY_MS);
  const found = forEachCandidate(prepared, now + prepared.noticeMs, until, (start) => isTaken(start));
  return found === null ? null : slotAt(prepared, found);
}

/**
 * The booking-time re-check of one start: ok exactly when freeSlots over any window containing
 * it would list it. Rejections come in a fixed precedence so the user hears the most basic
 * reason first.
 */
export function checkSlot(rules: ScheduleRules, start: Date, q: { now: Date; busy: Busy[] }): SlotCheck {
  const prepared = prepareRules(rules);
  const { timeZone, slotMinutes } = prepared;
  const startMs = instantMs(start, 'start');
  const now = instantMs(q.now, 'now');

  const wall = wallClockMs(timeZone, startMs);
  const day = Math.floor(wall / DAY_MS);
  const date = formatCivilDate(day);
  const minute = (wall - day * DAY_MS) / MINUTE_MS;
  const clock = formatClock(wall);
  const when = `${date} ${clock} (${timeZone})`;

  if (startMs < now) return reject('IN_PAST', `${when} is in the past.`);
  if (startMs < now + prepared.noticeMs) {
    return reject(
      'INSIDE_NOTICE',
      `Appointments must be booked at least ${describeMinutes(prepared.noticeMs / MINUTE_MS)} in advance; ${when} is too soon.`,
    );
  }
  if (startMs >= now + prepared.horizonMs) {
    return reject(
      'BEYOND_HORIZON',
      `Appointments can be booked at most ${describeMinutes(prepared.horizonMs / MINUTE_MS)} ahead; ${when} is too far away.`,
    );
  }

  const intervals = intervalsOn(prepared, day);
  if (intervals.length === 0) return reject('DAY_OFF', `The physician does not work on ${date} (day off).`);

  const interval = intervals.find((iv) => iv.start <= minute && minute + slotMinutes <= iv.end);
  if (!interval) {
    return reject(
      'OUTSIDE_HOURS',
      `A ${slotMinutes}-minute appointment at ${clock} on ${date} does not fit within working hours (${describeIntervals(intervals)}).`,
    );
  }
  if (!Number.isInteger(minute) || (minute - interval.start) % slotMinutes !== 0) {
    return reject(
      'NOT_ON_GRID',
      `Appointments on ${date} start every ${slotMinutes} minutes from ${formatWallTime(interval.start)}; ${clock} is not one of those times.`,
    );
  }
  // freeSlots books an ambiguous wall time at its first occurrence only.
  if (resolveWall(createDayOffsets(timeZone)(day), wall) !== startMs) {
    return reject(
      'NOT_ON_GRID',
      `${clock} happens twice on ${date} because the clocks go back; only the first ${clock} can be booked.`,
    );
  }

  if (busyScanner(prepared, q.busy)(startMs)) {
    const gap = prepared.bufferMs > 0 ? ` (${describeMinutes(prepared.bufferMs / MINUTE_MS)} are kept free between appointments)` : '';
    return reject('TAKEN', `${when} is no longer available: it overlaps another appointment${gap}.`);
  }
  return { ok: true, slot: slotAt(prepared, startMs) };
}

/**
 * Calls visit with every grid start in [lower, upper), in order, until visit returns false;
 * returns the start at which it stopped, or null.
 */
function forEachCandidate(
  rules: PreparedRules,
  lower: number,
  upper: number,
  visit: (startMs: number) => boolean,
): number | null {
  if (!(lower < upper)) return null;
  const { timeZone, slotMinutes } = rules;

  const offsetsOn = createDayOffsets(timeZone);
  const firstDay = Math.floor(wallClockMs(timeZone, lower) / DAY_MS);
  const lastDay = Math.floor(wallClockMs(timeZone, upper - 1) / DAY_MS);
  for (let day = firstDay; day <= lastDay; day++) {
    const intervals = intervalsOn(rules, day);
    if (intervals.length === 0) continue;
    // Each slot is converted on its own, so on a DST-change day the grid stays on local wall
    // time and a start in the spring-forward gap is skipped.
    const pieces = offsetsOn(day);
    const midnightWall = day * DAY_MS;
    for (const iv of intervals) {
      for (let m = iv.start; m + slotMinutes <= iv.end; m += slotMinutes) {
        const start = resolveWall(pieces, midnightWall + m * MINUTE_MS);
        if (start === null || start < lower || start >= upper) continue;
        if (!visit(start)) return start;
      }
    }
  }
  return null;
}

/**
 * Returns "is this start blocked by a busy interval (with buffers)?". Busy is sorted once;
 * because starts arrive in ascending order, each query only extends a running maximum of
 * busy ends over the intervals that begin before the candidate window ends: the window is
 * blocked exactly when that maximum reaches past the window's start.
 */
function busyScanner(rules: PreparedRules, busy: readonly Busy[]): (startMs: number) => boolean {
  const spans = busy
    .map((b, i) => ({ start: instantMs(b.start, `busy[${i}].start`), end: instantMs(b.end, `busy[${i}].end`) }))
    .sort((a, b) => a.start - b.start);
  let next = 0;
  let maxEnd = Number.NEGATIVE_INFINITY;
  let previousFrom = Number.NEGATIVE_INFINITY;
  return (startMs) => {
    const from = startMs - rules.bufferMs;
    const to = startMs + rules.slotMs + rules.bufferMs;
    if (from < previousFrom) {
      // Out-of-order query: restart rather than give a wrong answer.
      next = 0;
      maxEnd = Number.NEGATIVE_INFINITY;
    }
    previousFrom = from;
    while (next < spans.length && spans[next]!.start < to) {
      maxEnd = Math.max(maxEnd, spans[next]!.end);
      next++;
    }
    return maxEnd > from;
  };
}

function slotAt(rules: PreparedRules, startMs: number): Slot {
  return { start: new Date(startMs), end: new Date(startMs + rules.slotMs) };
}

function reject(reason: SlotRejection, message: string): SlotCheck {
  return { ok: false, reason, message };
}

/** "HH:mm", or "HH:mm:ss" when the time is not on a whole minute. */
function formatClock(wallMs: number): string {
  const d = new Date(wallMs);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return d.getUTCSeconds() || d.getUTCMilliseconds() ? `${hm}:${pad2(d.getUTCSeconds())}` : hm;
}

function describeMinutes(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes > 0 && minutes % (24 * 60) === 0) return plural(minutes / (24 * 60), 'day');
  if (minutes > 0 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}
