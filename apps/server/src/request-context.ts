import type { FastifyReply, FastifyRequest } from 'fastify';
import { createRequestContext, type Services } from '@clinic/api';

/** The procedures' context for a Fastify request: both HTTP faces and the plain routes build it here. */
export function requestContext(services: Services, req: FastifyRequest) {
  return createRequestContext(services, {
    authorization: req.headers.authorization,
    requestId: req.id,
    ip: req.ip,
    userAgent: req.headers['user-agent'],
  });
}

/**
 * A server-sent event stream is one long response authenticated once, at its start: it is cut when the token
 * expires or its session or clinic standing is revoked (the client's EventSource reconnects, and its token is then
 * refused or refreshed). Other requests are short and checked each time.
 */
export async function streamContext(services: Services, req: FastifyRequest, reply: FastifyReply) {
  const ctx = await requestContext(services, req);
  if (ctx.actor && /\btext\/event-stream\b/i.test(req.headers.accept ?? '')) {
    const stop = services.sessionWatch.watch(ctx.actor, () => reply.raw.destroy());
    reply.raw.once('close', stop);
  }
  return ctx;
}
