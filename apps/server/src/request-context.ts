import type { FastifyRequest } from 'fastify';
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
