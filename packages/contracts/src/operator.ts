import * as z from 'zod';
import { IdSchema, PhoneSchema } from './common.ts';

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
  whatsappNumber: z.string().nullable().describe("The clinic's own WhatsApp sender; null: the platform's shared number"),
  stripeAccountId: z.string().nullable().describe("The clinic's Stripe Connect account; null: payments are made on the platform's account"),
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

/** The operator connects a clinic's own WhatsApp sender and Stripe account; null disconnects, absent leaves as is. */
export const UpdateClinicIntegrationsInput = z.strictObject({
  id: IdSchema,
  whatsappNumber: PhoneSchema.nullable().optional().describe('E.164 WhatsApp sender provisioned for this clinic in Twilio'),
  stripeAccountId: z
    .string()
    .regex(/^acct_[A-Za-z0-9]{1,64}$/, 'must be a Stripe account id such as acct_1Nv0FGQ9RKHgCVdK')
    .nullable()
    .optional()
    .describe('Stripe Connect account id of the clinic'),
});
export type UpdateClinicIntegrations = z.infer<typeof UpdateClinicIntegrationsInput>;
