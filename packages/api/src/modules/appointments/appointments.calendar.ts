import { APPOINTMENT_STATUSES, type AppointmentStatus, type CalendarAppointment, type StatusCounts } from '@clinic/contracts';
import type { AppointmentDoc, ClinicDoc } from '@clinic/db';
import { DAY_MS, addLocalDays, localDateOf } from '@clinic/scheduling';
import { AppError } from '../../errors.ts';
import { toAppointmentDto } from './appointments.repository.ts';

// Pure helpers of the calendar and statistics views: no I/O, the zone is a parameter.

const dayNumber = (date: string): number | null => {
  const ms = Date.parse(`${date}T00:00:00Z`);
  // The round trip refuses dates that do not exist (2026-02-30) rather than rolling them over.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? null : ms / DAY_MS;
};

/** Every local date from `from` to `to`, both included; a bad range is a 400 naming the field. */
export function localDatesOf(range: { from: string; to: string }, maxDays: number): string[] {
  const from = dayNumber(range.from);
  const to = dayNumber(range.to);
  const invalid = (field: 'from' | 'to', msg: string) =>
    new AppError('VALIDATION_FAILED', `Invalid input: ${field} ${msg}`, { fieldErrors: { [field]: [msg] } });
  if (from === null) throw invalid('from', 'is not a calendar date');
  if (to === null) throw invalid('to', 'is not a calendar date');
  if (to < from) throw invalid('to', 'must not be before from');
  if (to - from + 1 > maxDays) throw invalid('to', `must be at most ${maxDays} days from "from" (both included)`);
  return Array.from({ length: to - from + 1 }, (_, i) => addLocalDays(range.from, i));
}

/**
 * Buckets items by the local date of their start, in `timeZone` or each item's own zone; every date is present, in
 * order. Items starting on another local date are left out.
 */
export function groupByLocalDay<T extends { startsAt: Date }>(dates: readonly string[], items: readonly T[], timeZone: string | ((item: T) => string)): Map<string, T[]> {
  const days = new Map<string, T[]>(dates.map((d) => [d, []]));
  for (const item of items) days.get(localDateOf(item.startsAt, typeof timeZone === 'string' ? timeZone : timeZone(item)))?.push(item);
  return days;
}

/** Local time is at most 14 hours ahead of UTC (Pacific/Kiritimati) and 12 behind. */
const EARLIEST_OFFSET_MS = 14 * 3_600_000;
const LATEST_OFFSET_MS = 12 * 3_600_000;

/**
 * The instants the local dates `first`…`last` may cover in any time zone: what to read when the items' zones are
 * known only after reading them (a patient's bookings at clinics in several zones); `groupByLocalDay` then keeps
 * each one's own days.
 */
export function anyZoneRange(first: string, last: string): { from: Date; to: Date } {
  return { from: new Date(Date.parse(`${first}T00:00:00Z`) - EARLIEST_OFFSET_MS), to: new Date(Date.parse(`${addLocalDays(last, 1)}T00:00:00Z`) + LATEST_OFFSET_MS) };
}

/** A calendar's appointment: in its own clinic's zone, naming the clinic. */
export const toCalendarAppointment = (a: AppointmentDoc, c: ClinicDoc): CalendarAppointment => ({
  ...toAppointmentDto(a, c.timeZone),
  clinic: { id: c._id.toHexString(), slug: c.slug, name: c.name, nameAr: c.nameAr, timeZone: c.timeZone },
});

/** Statuses that do not count as bookings of a day: the visit will not happen and the slot was given back. */
const NOT_BOOKED: ReadonlySet<AppointmentStatus> = new Set(['cancelled', 'expired']);

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** The figures of PhysicianStatsSchema (see its descriptions) from the appointments of the period. */
export function statsOf(dates: readonly string[], items: readonly { status: AppointmentStatus; startsAt: Date }[], timeZone: string) {
  const byStatus = Object.fromEntries(APPOINTMENT_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const item of items) byStatus[item.status]++;
  const known = byStatus.completed + byStatus.checked_in + byStatus.no_show;
  const bookingsPerDay = [...groupByLocalDay(dates, items, timeZone)].map(([date, list]) => ({
    date,
    count: list.filter((a) => !NOT_BOOKED.has(a.status)).length,
  }));
  const booked = bookingsPerDay.reduce((sum, d) => sum + d.count, 0);
  return {
    total: items.length,
    byStatus,
    noShowRate: known === 0 ? null : round(byStatus.no_show / known, 4),
    bookingsPerDay,
    averagePerDay: dates.length === 0 ? 0 : round(booked / dates.length, 2),
  };
}
