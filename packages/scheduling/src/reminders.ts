/**
 * When an appointment's reminder is due: `leadMinutes` before the start, or never when that moment has
 * already passed (someone booking two hours ahead has just been told the time; a reminder now is noise).
 */
export function reminderDueAt(start: Date, now: Date, leadMinutes: number): Date | null {
  const due = new Date(start.getTime() - leadMinutes * 60_000);
  return due > now ? due : null;
}
