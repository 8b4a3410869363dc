import { zonedToUtc } from '@clinic/scheduling';

const DAY = 86_400_000;

export function nextLocalDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

/** [start, end) of a local calendar day in the zone; a DST day is 23 or 25 hours long. */
export function localDayRange(date: string, timeZone: string): { from: Date; to: Date } {
  // Where midnight itself is skipped by a DST jump, the day starts at the first minute that exists.
  const at = (d: string) => zonedToUtc(d, '00:00', timeZone) ?? zonedToUtc(d, '01:00', timeZone)!;
  return { from: at(date), to: at(nextLocalDate(date)) };
}
