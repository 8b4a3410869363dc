import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { flaggedConversations, releaseConversation } from '@clinic/agent';
import type { Actor, Services } from '@clinic/api';
import { PhoneSchema } from '@clinic/contracts';
import type { Database } from '@clinic/db';
import { sendError } from '../errors.ts';
import { requestContext } from '../request-context.ts';

const STAFF_ROLES = new Set<Actor['role']>(['staff', 'admin']);

/**
 * The staff side of the WhatsApp hand-over. The conversation store belongs to @clinic/agent, which the
 * procedures (packages/api) must not import, so these are plain routes here, authenticated like the
 * procedures: a bearer token (401 without one), staff or admin only (403 otherwise).
 */
export async function conversationRoutes(app: FastifyInstance, opts: { services: Services; database: Database; prefix: string; clock: () => Date }) {
  /** The caller when staff or admin; otherwise null after answering 401 or 403. */
  async function staffOnly(req: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
    const ctx = await requestContext(opts.services, req);
    if (!ctx.actor) {
      void (ctx.tokenRejected
        ? sendError(reply, req, 401, 'SESSION_EXPIRED', 'UNAUTHORIZED', 'Your access token is invalid or expired. Refresh it or sign in again.')
        : sendError(reply, req, 401, 'UNAUTHENTICATED', 'UNAUTHORIZED', 'Sign in to use this.'));
      return null;
    }
    if (!STAFF_ROLES.has(ctx.actor.role)) {
      void sendError(reply, req, 403, 'FORBIDDEN', 'FORBIDDEN', 'Only clinic staff can do this.');
      return null;
    }
    return ctx.actor;
  }

  app.get(`${opts.prefix}/staff/conversations/flagged`, async (req, reply) => {
    if (!(await staffOnly(req, reply))) return reply;
    const items = await flaggedConversations(opts.database);
    return { items: items.map((c) => ({ ...c, flaggedAt: c.flaggedAt.toISOString() })) };
  });

  app.post<{ Params: { phone: string } }>(`${opts.prefix}/staff/conversations/:phone/release`, async (req, reply) => {
    const actor = await staffOnly(req, reply);
    if (!actor) return reply;
    const phone = PhoneSchema.safeParse(req.params.phone);
    if (!phone.success) return sendError(reply, req, 400, 'VALIDATION_FAILED', 'BAD_REQUEST', 'The phone number must be E.164, such as +971501234567 (URL-encoded: %2B971501234567).');
    if (!(await releaseConversation(opts.database, phone.data, opts.clock()))) {
      return sendError(reply, req, 404, 'NOT_FOUND', 'NOT_FOUND', 'No conversation with this number is waiting for staff.');
    }
    req.log.info({ releasedBy: actor.userId }, 'WhatsApp conversation handed back to the assistant');
    return { released: true };
  });
}
