import { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { AppError, type Services } from '@clinic/api';
import { ChatEventKindSchema, ChatSubscriptionInput } from '@clinic/contracts';
import { replyError } from '../errors.ts';
import { streamContext } from '../request-context.ts';

export const CHAT_EVENTS_PATH = '/chat/events';

/** A comment line this often keeps proxies from closing a quiet stream. */
const PING_MS = 15_000;

/**
 * The caller's chat events for REST clients as server-sent events: the same use case as the `chat.onEvent`
 * subscription (trpc-to-openapi maps no subscriptions), authenticated by the Bearer token; `Last-Event-ID` or
 * `?lastEventId=` resumes. Without `Accept: text/event-stream`: `{ lastEventId }`, the position to follow from.
 */
export async function chatEventRoutes(app: FastifyInstance, opts: { services: Services; prefix: string }) {
  const { services } = opts;
  app.get(`${opts.prefix}${CHAT_EVENTS_PATH}`, async (req, reply) => {
    const ctx = await streamContext(services, req, reply);
    if (!ctx.actor) {
      const err =
        ctx.tokenRejectedReason === 'clinic_suspended'
          ? new AppError('CLINIC_SUSPENDED', 'Your clinic is suspended by the platform.')
          : ctx.tokenRejected
            ? new AppError('SESSION_EXPIRED', 'Your access token is invalid or expired. Refresh it or sign in again.')
            : new AppError('UNAUTHENTICATED', 'Sign in to use this.');
      return replyError(reply, req, err);
    }
    const header = req.headers['last-event-id'];
    const query = req.query as Record<string, unknown>;
    const parsed = ChatSubscriptionInput.safeParse({ ...query, ...(typeof header === 'string' && header !== '' ? { lastEventId: header } : {}) });
    if (!parsed.success) return replyError(reply, req, new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }));

    if (!/\btext\/event-stream\b/i.test(req.headers.accept ?? '')) {
      try {
        return await services.chat.position(ctx.actor);
      } catch (err) {
        return replyError(reply, req, err);
      }
    }

    const stop = new AbortController();
    let events: AsyncIterable<{ id: string; event: { kind: string } }>;
    try {
      events = await services.chat.follow(ctx.actor, parsed.data, stop.signal);
    } catch (err) {
      return replyError(reply, req, err);
    }
    reply.hijack();
    const res = reply.raw;
    res.on('close', () => stop.abort());
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write(': following\n\n');
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    try {
      for await (const { id, event } of events) res.write(`id: ${id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
    } catch (err) {
      // The error only: an event carries message text, which never goes to the log.
      req.log.error({ err }, 'chat event stream failed');
    } finally {
      clearInterval(ping);
      res.end();
    }
  });
}

const errors = Object.fromEntries(
  [
    ['400', 'BadRequest'],
    ['401', 'Unauthorized'],
    ['403', 'Forbidden'],
    ['500', 'InternalServerError'],
  ].map(([status, name]) => [status, { $ref: `#/components/responses/${name}` }]),
);

/** The route's entry in the OpenAPI document, written by hand as trpc-to-openapi maps no subscriptions. */
export const chatEventsPathItem = {
  get: {
    operationId: 'chat-events',
    summary: "Follow the caller's chats live (server-sent events): messages, delivered and read marks of every thread of a patient or doctor",
    description:
      'With `Accept: text/event-stream`, one event per change (`event:` the kind, `id:` its position, `data:` JSON with `kind`, `threadId`, ' +
      '`message`, `upTo`, `by` and `at`); a comment line every 15 s. Reconnecting with `Last-Event-ID` (or `lastEventId`) delivers every ' +
      'later event first, none twice; `resync` says events since then are no longer kept: read the threads again. Without that Accept ' +
      'header: `{ lastEventId }`, the position to follow from after reading the threads (`GET /chat/threads`).',
    tags: ['chat'],
    security: [{ bearerAuth: [] }],
    parameters: [
      { in: 'query', name: 'lastEventId', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
      { in: 'header', name: 'Last-Event-ID', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
    ],
    responses: {
      '200': {
        description: 'The event stream, or the position to follow from',
        content: {
          'text/event-stream': { schema: { type: 'string', description: `events: ${ChatEventKindSchema.options.join(', ')}` } },
          'application/json': {
            schema: { type: 'object', properties: { lastEventId: { type: 'string', pattern: '^\\d{1,15}$' } }, required: ['lastEventId'], additionalProperties: false },
          },
        },
      },
      ...errors,
    },
  },
};
