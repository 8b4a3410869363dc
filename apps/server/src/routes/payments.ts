import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, createCaller, type Services } from '@clinic/api';
import { sendError } from '../errors.ts';
import { requestContext } from '../request-context.ts';

/** Errors of a plain route that calls into the procedures, in the shape the procedures answer with. */
function sendFailure(reply: FastifyReply, req: FastifyRequest, err: unknown) {
  const app = err instanceof AppError ? err : err instanceof TRPCError && err.cause instanceof AppError ? err.cause : null;
  if (app) return sendError(reply, req, app.status, app.code, err instanceof TRPCError ? err.code : app.code, app.message);
  if (err instanceof TRPCError && err.code !== 'INTERNAL_SERVER_ERROR') {
    return sendError(reply, req, getHTTPStatusCodeFromError(err), err.code === 'UNAUTHORIZED' ? 'UNAUTHENTICATED' : 'VALIDATION_FAILED', err.code, err.message);
  }
  req.log.error({ err }, 'payments route failed');
  return sendError(reply, req, 500, 'INTERNAL', 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side.');
}

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
        return sendFailure(reply, req, err);
      }
    });
  });

  app.get<{ Params: { id: string } }>(`${opts.prefix}/payments/:id/receipt.pdf`, async (req, reply) => {
    try {
      const ctx = await requestContext(opts.services, req);
      const { filename, base64 } = await createCaller(ctx).payments.receiptPdf({ id: req.params.id });
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${filename}"`).send(Buffer.from(base64, 'base64'));
    } catch (err) {
      return sendFailure(reply, req, err);
    }
  });
}
