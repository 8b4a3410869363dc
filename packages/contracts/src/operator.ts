import * as z from 'zod';
import { IdSchema } from './common.ts';

export const CLINIC_STATUSES = ['pending', 'active', 'suspended'] as const;
export const ClinicStatusSchema = z.enum(CLINIC_STATUSES);

/** A clinic as the platform operator sees it: any status, with its people counted. */
export const OperatorClinicSchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
  status: ClinicStatusSchema,
  suspendedReason: z.string().nullable().describe('Why the clinic is suspended; null unless it is'),
  suspendedAt: z.date().nullable(),
  createdAt: z.date(),
  staffCount: z.number().int().describe('Admin, staff and doctor accounts of the clinic'),
  physicianCount: z.number().int().describe('Active physicians of the clinic'),
});
export type OperatorClinic = z.infer<typeof OperatorClinicSchema>;

export const OperatorClinicListSchema = z.object({ items: z.array(OperatorClinicSchema) });

export const OperatorClinicIdInput = z.strictObject({ id: IdSchema });
export const SuspendClinicInput = z.strictObject({
  id: IdSchema,
  reason: z.string().trim().min(3, 'must be at least 3 characters').max(500, 'must be at most 500 characters'),
});
