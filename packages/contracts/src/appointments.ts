import * as z from 'zod';
import { DateTimeSchema, IdSchema, LocalDateSchema, MoneySchema } from './common.ts';

export const APPOINTMENT_STATUSES = ['pending_payment', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show', 'expired'] as const;
export const AppointmentStatusSchema = z.enum(APPOINTMENT_STATUSES);
export type AppointmentStatus = z.infer<typeof AppointmentStatusSchema>;

export const AppointmentSchema = z.object({
  id: IdSchema,
  physicianId: IdSchema,
  physicianName: z.string(),
  physicianNameAr: z.string().describe("the physician's name in Arabic script (the Latin name for bookings made before physicians had one)"),
  patientId: IdSchema,
  patient: z.object({ name: z.string(), phone: z.string().nullable(), email: z.string().nullable() }),
  start: z.string().describe('ISO 8601 with the clinic offset'),
  end: z.string(),
  status: AppointmentStatusSchema,
  reason: z.string(),
  packageId: IdSchema.nullable(),
  price: MoneySchema,
  holdExpiresAt: z.string().nullable(),
  cancellation: z.object({ by: z.enum(['patient', 'clinic']), reason: z.string(), at: z.string() }).nullable(),
  createdAt: z.string(),
});
export type Appointment = z.infer<typeof AppointmentSchema>;

export const BookAppointmentInput = z.strictObject({
  physicianId: IdSchema,
  start: DateTimeSchema.describe('slot start, ISO 8601'),
  reason: z.string().trim().min(1, 'is required').max(500),
  packageId: IdSchema.optional(),
});
export const AppointmentIdInput = z.strictObject({ id: IdSchema });
export const RescheduleInput = z.strictObject({ id: IdSchema, start: DateTimeSchema });
export const CancelInput = z.strictObject({ id: IdSchema, reason: z.string().trim().min(1, 'is required').max(500) });
export const MyAppointmentsInput = z.strictObject({ scope: z.enum(['upcoming', 'past', 'cancelled']).default('upcoming') });
export const AppointmentListSchema = z.object({ items: z.array(AppointmentSchema) });
export const AgendaInput = z.strictObject({ physicianId: IdSchema.optional(), date: LocalDateSchema });

/** Longest calendar range, in local days (both ends included). */
export const CALENDAR_MAX_DAYS = 31;
/** Longest statistics period, in local days (both ends included). */
export const STATS_MAX_DAYS = 92;

export const CalendarInput = z.strictObject({
  from: LocalDateSchema.describe('first local date (clinic time zone), included'),
  to: LocalDateSchema.describe(`last local date, included; at most ${CALENDAR_MAX_DAYS} days in all`),
  physicianId: IdSchema.optional().describe('staff and admins: one physician (default: all); doctors: only their own; patients: their own bookings with this physician'),
});
export const CalendarAppointmentSchema = AppointmentSchema.extend({
  clinic: z
    .object({ id: IdSchema, slug: z.string(), name: z.string(), nameAr: z.string(), timeZone: z.string() })
    .describe("the appointment's clinic: its start and end carry this zone's offset, and its day is this zone's"),
});
export type CalendarAppointment = z.infer<typeof CalendarAppointmentSchema>;
export const CalendarDaySchema = z.object({
  date: LocalDateSchema.describe("local date in each appointment's clinic's time zone"),
  appointments: z.array(CalendarAppointmentSchema).describe('appointments starting that local day, every status, by start time'),
});
export const CalendarSchema = z.object({
  timeZone: z.string().describe("IANA zone of the staff member's clinic; a patient's bookings are each in their own clinic's zone (`clinic.timeZone`)"),
  from: LocalDateSchema,
  to: LocalDateSchema,
  days: z.array(CalendarDaySchema).describe('every local day of the range in order, empty days included'),
});
export type Calendar = z.infer<typeof CalendarSchema>;

export const PhysicianStatsInput = z.strictObject({
  physicianId: IdSchema.optional().describe('required for staff and admins; doctors get their own (and only their own)'),
  from: LocalDateSchema.describe('first local date of the period, included'),
  to: LocalDateSchema.describe(`last local date of the period, included; at most ${STATS_MAX_DAYS} days in all`),
});
const Count = z.number().int().nonnegative();
export const StatusCountsSchema = z.object({
  pending_payment: Count,
  confirmed: Count,
  checked_in: Count,
  completed: Count,
  cancelled: Count,
  no_show: Count,
  expired: Count,
} satisfies Record<AppointmentStatus, typeof Count>);
export type StatusCounts = z.infer<typeof StatusCountsSchema>;
export const PhysicianStatsSchema = z.object({
  physicianId: IdSchema,
  physicianName: z.string(),
  timeZone: z.string().describe('IANA zone the local days are counted in (the clinic\'s)'),
  from: LocalDateSchema,
  to: LocalDateSchema,
  days: Count.describe('local days in the period'),
  total: Count.describe('appointments starting in the period, every status'),
  byStatus: StatusCountsSchema.describe('appointments starting in the period by status; every status is present, zeros included'),
  noShowRate: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe(
      'no_show / (completed + checked_in + no_show): the share of missed visits among the appointments whose outcome is known — ' +
        'the patient came (checked in or completed) or was marked a no-show. Bookings not yet settled (pending_payment, confirmed), ' +
        'cancelled and expired ones do not count. A fraction between 0 and 1, rounded to 4 decimals; null when no outcome is known yet.',
    ),
  bookingsPerDay: z
    .array(z.object({ date: LocalDateSchema, count: Count }))
    .describe('every local day of the period in order: appointments starting that day, excluding cancelled and expired ones'),
  averagePerDay: z.number().nonnegative().describe('mean of bookingsPerDay over every day of the period (empty days included), rounded to 2 decimals'),
});
export type PhysicianStats = z.infer<typeof PhysicianStatsSchema>;
