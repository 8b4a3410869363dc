import * as z from 'zod';
import { IdSchema, MoneySchema } from './common.ts';
import { LocalDateSchema } from './catalogue.ts';

export const APPOINTMENT_STATUSES = ['pending_payment', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show', 'expired'] as const;
export const AppointmentStatusSchema = z.enum(APPOINTMENT_STATUSES);
export type AppointmentStatus = z.infer<typeof AppointmentStatusSchema>;

export const AppointmentSchema = z.object({
  id: IdSchema,
  physicianId: IdSchema,
  physicianName: z.string(),
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
  start: z.coerce.date().describe('slot start, ISO 8601'),
  reason: z.string().trim().min(1, 'is required').max(500),
  packageId: IdSchema.optional(),
});
export const AppointmentIdInput = z.strictObject({ id: IdSchema });
export const RescheduleInput = z.strictObject({ id: IdSchema, start: z.coerce.date() });
export const CancelInput = z.strictObject({ id: IdSchema, reason: z.string().trim().min(1, 'is required').max(500) });
export const MyAppointmentsInput = z.strictObject({ scope: z.enum(['upcoming', 'past', 'cancelled']).default('upcoming') });
export const AppointmentListSchema = z.object({ items: z.array(AppointmentSchema) });
export const AgendaInput = z.strictObject({ physicianId: IdSchema.optional(), date: LocalDateSchema });
