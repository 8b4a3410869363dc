import * as z from 'zod';
import { IdSchema, MoneySchema } from './common.ts';

export const PAYMENT_STATUSES = ['requires_payment', 'succeeded', 'failed', 'covered', 'refund_pending', 'refunded'] as const;
export const PaymentStatusSchema = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof PaymentStatusSchema>;

export const CreatePaymentIntentInput = z.strictObject({ appointmentId: IdSchema });
export const PaymentIdInput = z.strictObject({ id: IdSchema });

const CoverageSchema = z
  .object({ insurer: z.string(), plan: z.string(), copayPercent: z.number().int() })
  .nullable()
  .describe('the insurance that pays part of the fee, when the patient is eligible');

export const PaymentIntentSchema = z.object({
  paymentId: IdSchema,
  paymentIntentId: z.string().nullable().describe('null when insurance covers the whole fee (nothing to pay)'),
  clientSecret: z.string().nullable().describe('for Stripe.js / the mobile SDK to confirm the payment'),
  checkoutToken: z.string().nullable().describe("opens the clinic's hosted payment page at /pay/{checkoutToken} (a secret, like the client secret)"),
  stripeAccountId: z
    .string()
    .nullable()
    .describe("the clinic's connected Stripe account the intent was made on: give it to Stripe.js / the mobile SDK (stripeAccountId) with the client secret; null: the platform's account"),
  amount: z.number().int().describe('to charge, in minor units (fils)'),
  currency: z.literal('AED'),
  fullPrice: MoneySchema,
  coverage: CoverageSchema,
  status: PaymentStatusSchema,
});
export type PaymentIntentResult = z.infer<typeof PaymentIntentSchema>;

export const PaymentSchema = z.object({
  id: IdSchema,
  appointmentId: IdSchema,
  patientId: IdSchema,
  paymentIntentId: z.string().nullable(),
  amount: MoneySchema.describe('charged to the patient'),
  fullPrice: MoneySchema,
  coverage: CoverageSchema,
  status: PaymentStatusSchema,
  refund: z.object({ amount: MoneySchema, reason: z.string(), status: z.enum(['pending', 'succeeded', 'failed']), requestedAt: z.string() }).nullable(),
  history: z.array(z.object({ status: PaymentStatusSchema, at: z.string(), note: z.string().nullable() })),
  createdAt: z.string(),
});
export type Payment = z.infer<typeof PaymentSchema>;
export const PaymentListSchema = z.object({ items: z.array(PaymentSchema) });

export const ReceiptSchema = z.object({
  receiptNumber: z.string(),
  issuedAt: z.string().describe('ISO 8601 with the clinic offset'),
  clinic: z.object({ name: z.string(), legalName: z.string(), vatTrn: z.string().nullable().describe('UAE VAT tax registration number'), address: z.string(), phone: z.string(), email: z.string() }),
  patient: z.object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }),
  physician: z.string(),
  appointment: z.object({ id: IdSchema, start: z.string().describe('ISO 8601 with the clinic offset'), local: z.string().describe('date and time as the clinic reads it'), timeZone: z.string() }),
  fullPrice: MoneySchema,
  insurance: z.object({ insurer: z.string(), plan: z.string(), copayPercent: z.number().int(), covered: MoneySchema }).nullable(),
  paid: MoneySchema.describe('what the patient paid, VAT included'),
  vat: z.object({ percent: z.number(), amount: MoneySchema, net: MoneySchema }).describe('VAT included in the amount paid'),
  refunded: MoneySchema.nullable(),
  paymentReference: z.string().describe('the Stripe PaymentIntent id, or the receipt number when nothing was charged'),
  status: PaymentStatusSchema,
});
export type Receipt = z.infer<typeof ReceiptSchema>;

export const ReceiptPdfSchema = z.object({ filename: z.string(), contentType: z.literal('application/pdf'), base64: z.string() });
