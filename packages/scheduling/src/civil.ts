// Calendar arithmetic on zone-less ("civil") dates and times. A civil date is a day number
// (days since 1970-01-01) and a wall-clock moment is expressed as if it were a UTC epoch
// millisecond value; that lets plain integer arithmetic do the calendar work and keeps the
// process's own time zone out of every calculation.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const MINUTES_PER_DAY = 24 * 60;

const WALL_TIME = /^(\d{2}):(\d{2})$/;
const CIVIL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Wall-clock fields → epoch ms as if they were UTC. */
export function civilToMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** "HH:mm" → minutes since midnight; "24:00" only when it may close a day. */
export function parseWallTime(text: unknown, allowEndOfDay: boolean): number | null {
  if (typeof text !== 'string') return null;
  const m = WALL_TIME.exec(text);
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour === 24 && minute === 0) return allowEndOfDay ? MINUTES_PER_DAY : null;
  if (hour > 23 || minute > 59) return null;
  return hour * 60 + minute;
}

export function formatWallTime(minutes: number): string {
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/** "YYYY-MM-DD" → day number, or null when it is not a real calendar date. */
export function parseCivilDate(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = CIVIL_DATE.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return null;
  const ms = civilToMs(year, month, day);
  // setUTCFullYear rolls 2026-02-30 over into March; a round trip catches it.
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return ms / DAY_MS;
}

export function formatCivilDate(dayNumber: number): string {
  const d = new Date(dayNumber * DAY_MS);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(dayNumber: number): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber + 4) % 7) + 7) % 7;
}

export function weekdayName(weekday: number): string {
  return WEEKDAY_NAMES[weekday] ?? `weekday ${weekday}`;
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
