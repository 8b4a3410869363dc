import type { FastifyInstance } from 'fastify';
import { createCaller, type Services } from '@clinic/api';
import { replyError } from '../errors.ts';
import { requestContext } from '../request-context.ts';

/**
 * Routes that are not JSON procedures: Stripe's webhook needs the exact raw bytes for its signature,
 * and the receipt PDF is binary. Both go through the same services and guards as the procedures.
 */
export async function paymentRoutes(app: FastifyInstance, opts: { services: Services; prefix: string }) {
  await app.register(async (scope) => {
    // Raw body for this route only: re-serialised JSON would not match Stripe's signature.
    scope.removeContentTypeParser('application/json'); // the app's own JSON parser (depth cap) is replaced here
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post(`${opts.prefix}/webhooks/stripe`, async (req, reply) => {
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const signature = req.headers['stripe-signature'];
        return await opts.services.payments.handleStripeWebhook(body, typeof signature === 'string' ? signature : undefined);
      } catch (err) {
        return replyError(reply, req, err);
      }
    });
  });

  app.get<{ Params: { id: string } }>(`${opts.prefix}/payments/:id/receipt.pdf`, async (req, reply) => {
    try {
      const ctx = await requestContext(opts.services, req);
      const { filename, base64 } = await createCaller(ctx).payments.receiptPdf({ id: req.params.id });
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${filename}"`).send(Buffer.from(base64, 'base64'));
    } catch (err) {
      return replyError(reply, req, err);
    }
  });
}
