import { CreatePaymentIntentInput, PaymentIdInput, PaymentIntentSchema, PaymentListSchema, PaymentSchema, ReceiptPdfSchema, ReceiptSchema } from '@clinic/contracts';
import { authedProcedure, roleProcedure, router } from '../../trpc.ts';

const tags = ['payments'];

export const paymentsRouter = router({
  createIntent: roleProcedure('patient')
    .meta({
      openapi: {
        method: 'POST',
        path: '/payments/intents',
        tags,
        protect: true,
        summary: 'Start paying for your booking (Stripe PaymentIntent); asking again returns the same one',
        errorResponses: [400, 401, 403, 404, 409, 502, 503],
      },
    })
    .input(CreatePaymentIntentInput)
    .output(PaymentIntentSchema)
    .mutation(({ ctx, input }) => ctx.services.payments.createIntent(ctx.actor, input.appointmentId)),

  mine: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/payments', tags, protect: true, summary: 'Your payments', errorResponses: [401] } })
    .output(PaymentListSchema)
    .query(({ ctx }) => ctx.services.payments.mine(ctx.actor)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/payments/{id}', tags, protect: true, summary: 'One payment with its status history', errorResponses: [400, 401, 404] } })
    .input(PaymentIdInput)
    .output(PaymentSchema)
    .query(({ ctx, input }) => ctx.services.payments.get(ctx.actor, input.id)),

  receipt: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/payments/{id}/receipt', tags, protect: true, summary: 'Receipt (JSON); the PDF is at /payments/{id}/receipt.pdf', errorResponses: [400, 401, 404, 409] } })
    .input(PaymentIdInput)
    .output(ReceiptSchema)
    .query(({ ctx, input }) => ctx.services.payments.receipt(ctx.actor, input.id)),

  /** The PDF for the SDK (base64); browsers and REST clients use GET /api/v1/payments/{id}/receipt.pdf. */
  receiptPdf: authedProcedure
    .input(PaymentIdInput)
    .output(ReceiptPdfSchema)
    .query(async ({ ctx, input }) => {
      const { filename, pdf } = await ctx.services.payments.receiptPdf(ctx.actor, input.id);
      return { filename, contentType: 'application/pdf' as const, base64: pdf.toString('base64') };
    }),
});
