import { DAY_MS, MINUTE_MS, civilToMs, formatCivilDate, pad2, parseCivilDate, parseWallTime } from './civil.ts';

// Intl is the only source of zone data (no date library), and building a DateTimeFormat is far
// more expensive than using one, so there is one per zone for the life of the process. Only
// names Intl accepted are cached, so the map is bounded by the zone database.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23: "hour12: false" renders midnight as "24" on some ICU versions.
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isKnownTimeZone(timeZone: unknown): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at an instant, as epoch ms read as if it were UTC. */
export function wallClockMs(timeZone: string, instantMs: number): number {
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value) % 24; break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
    }
  }
  // Intl drops milliseconds; carry them over so wall - instant is exactly the offset.
  const subSecond = instantMs - Math.floor(instantMs / 1000) * 1000;
  return civilToMs(year, month, day, hour, minute, second) + subSecond;
}

/** UTC offset (local minus UTC) in ms at an instant. */
export function offsetAt(timeZone: string, instantMs: number): number {
  return wallClockMs(timeZone, instantMs) - instantMs;
}

/** From instant `from` on (until the next piece), the zone's offset is `offset`. */
export interface OffsetPiece {
  from: number;
  offset: number;
}

/**
 * For converting many wall times of consecutive local days with few Intl calls. Returns, for a
 * day number, the offsets in force over every instant at which one of that day's wall times can
 * occur: within 16 h of it, so between the UTC midnights a day before and two days after. The
 * offset is sampled once per UTC midnight; where two neighbouring samples differ, the change is
 * located once by bisection to the second. That relies on no zone changing its offset twice
 * within 24 h, which holds for every zone Intl knows (checked 1990–2040 at 3-hour steps).
 */
export function createDayOffsets(timeZone: string): (day: number) => OffsetPiece[] {
  const samples = new Map<number, number>();
  const changes = new Map<number, number>();
  const sample = (day: number): number => {
    let offset = samples.get(day);
    if (offset === undefined) {
      offset = offsetAt(timeZone, day * DAY_MS);
      samples.set(day, offset);
    }
    return offset;
  };
  const changeAfter = (day: number): number => {
    let change = changes.get(day);
    if (change === undefined) {
      const before = sample(day);
      let lo = day * DAY_MS;
      let hi = lo + DAY_MS;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetAt(timeZone, mid) === before) lo = mid;
        else hi = mid;
      }
      change = hi;
      changes.set(day, change);
    }
    return change;
  };
  return (day) => {
    const pieces: OffsetPiece[] = [{ from: Number.NEGATIVE_INFINITY, offset: sample(day - 1) }];
    for (let k = day - 1; k <= day + 1; k++) {
      const next = sample(k + 1);
      if (next !== sample(k)) pieces.push({ from: changeAfter(k), offset: next });
    }
    return pieces;
  };
}

/** Wall-clock ms → earliest instant showing it, given the pieces covering it; null in a gap. */
export function resolveWall(pieces: readonly OffsetPiece[], wallMs: number): number | null {
  let earliest: number | null = null;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const instant = wallMs - piece.offset;
    const until = pieces[i + 1]?.from ?? Number.POSITIVE_INFINITY;
    if (instant >= piece.from && instant < until && (earliest === null || instant < earliest)) earliest = instant;
  }
  return earliest;
}

export function instantMs(instant: Date, name: string): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid Date.`);
  return ms;
}

/** The local calendar date ("YYYY-MM-DD") of an instant in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): string {
  return formatCivilDate(Math.floor(wallClockMs(timeZone, instantMs(instant, 'instant')) / DAY_MS));
}

/**
 * Local date + "HH:mm" in `timeZone` → instant. Returns null when the wall time does not exist
 * (spring-forward gap); for an ambiguous fall-back time returns the earlier instant. Malformed
 * input throws, so a typo is never mistaken for a gap.
 */
export function zonedToUtc(date: string, time: string, timeZone: string): Date | null {
  const day = parseCivilDate(date);
  if (day === null) throw new RangeError(`"${date}" is not a calendar date in YYYY-MM-DD form.`);
  const minutes = parseWallTime(time, true);
  if (minutes === null) throw new RangeError(`"${time}" is not a time of day in HH:mm form.`);
  const wall = day * DAY_MS + minutes * MINUTE_MS;
  const instant = resolveWall(createDayOffsets(timeZone)(Math.floor(wall / DAY_MS)), wall);
  return instant === null ? null : new Date(instant);
}

/** ISO 8601 with the zone's offset at that instant, e.g. "2026-12-01T09:30:00+04:00". */
export function toZonedIso(instant: Date, timeZone: string): string {
  const ms = instantMs(instant, 'instant');
  // ISO offsets have no seconds; historic local-mean-time offsets do. Rounding the offset and
  // deriving the wall time from it keeps the string denoting exactly the same instant.
  const offsetMinutes = Math.round(offsetAt(timeZone, ms) / MINUTE_MS);
  const wall = new Date(ms + offsetMinutes * MINUTE_MS);
  const millis = wall.getUTCMilliseconds();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${formatCivilDate(Math.floor(wall.getTime() / DAY_MS))}` +
    `T${pad2(wall.getUTCHours())}:${pad2(wall.getUTCMinutes())}:${pad2(wall.getUTCSeconds())}` +
    (millis ? `.${String(millis).padStart(3, '0')}` : '') +
    `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
  );
}

/** The local date `days` after `date` ("YYYY-MM-DD"); plain calendar arithmetic, no zone involved. */
export function addLocalDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** [from, to) of a local calendar day in the zone; a DST day is 23 or 25 hours long. */
export function localDayRange(date: string, timeZone: string): { from: Date; to: Date } {
  // Where midnight itself is skipped by a DST jump, the day starts at the first hour that exists.
  const start = (d: string) => zonedToUtc(d, '00:00', timeZone) ?? zonedToUtc(d, '01:00', timeZone)!;
  return { from: start(date), to: start(addLocalDays(date, 1)) };
}
