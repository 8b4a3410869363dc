import * as z from 'zod';

export const INSURANCE_STATUSES = ['eligible', 'not_eligible', 'not_found', 'unknown'] as const;
export const InsuranceStatusSchema = z.enum(INSURANCE_STATUSES);
export type InsuranceStatus = z.infer<typeof InsuranceStatusSchema>;

/**
 * The number as typed: dashes, spaces and Arabic-Indic digits are fine. The server normalises and
 * validates it (`parseEmiratesId`) and answers 422 INVALID_EMIRATES_ID naming the problem.
 */
export const InsuranceCheckInput = z.strictObject({
  emiratesId: z.string().min(1, 'is required').max(64, 'must be at most 64 characters').describe('e.g. 784-1990-1234567-6'),
});

export const InsuranceProfileSchema = z.object({
  emiratesId: z.string().describe('masked, e.g. 784-****-*****67-6'),
  status: InsuranceStatusSchema,
  insurer: z.string().nullable(),
  network: z.string().nullable(),
  plan: z.string().nullable(),
  copayPercent: z.number().int().min(0).max(100).nullable().describe('share of the fee the patient pays, when eligible'),
  message: z.string().describe('a sentence to show the patient'),
  checkedAt: z.string().describe('ISO 8601 with the clinic offset'),
  /** Until then a repeat check of the same number answers from this result; null when it is not kept (unknown). */
  validUntil: z.string().nullable(),
});
export type InsuranceProfile = z.infer<typeof InsuranceProfileSchema>;

export const InsuranceCheckOutput = InsuranceProfileSchema.extend({
  fromCache: z.boolean().describe('true when answered from a check made within the last 24 h'),
});
export type InsuranceCheckResult = z.infer<typeof InsuranceCheckOutput>;
