import { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import type * as z from 'zod';
import { AppError, type Actor, type Services } from '@clinic/api';
import { replyError } from '../errors.ts';
import { streamContext } from '../request-context.ts';

/** A comment line this often keeps proxies from closing a quiet stream. */
const PING_MS = 15_000;

/** One live stream of a use case, for REST clients (trpc-to-openapi maps no subscriptions). */
export interface EventStream<I> {
  path: string;
  /** The subscription's own input schema: query parameters, with `Last-Event-ID` as `lastEventId`. */
  input: z.ZodType<I>;
  /** `{ lastEventId }`: the position to follow from after reading the view (the JSON answer). */
  position(actor: Actor, input: I): Promise<unknown>;
  follow(actor: Actor, input: I, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: { kind: string } }>>;
  /** For the log, which never gets an event itself (they may carry message text). */
  name: string;
}

/**
 * Serves `stream` as server-sent events: the same use case and policy as its subscription, authenticated by the
 * Bearer token. `Last-Event-ID` (sent by EventSource on reconnect) or `?lastEventId=` resumes after that event. A
 * request that does not accept `text/event-stream` gets the JSON position instead.
 */
export function eventStreamRoute<I>(app: FastifyInstance, services: Services, prefix: string, stream: EventStream<I>) {
  app.get(`${prefix}${stream.path}`, async (req, reply) => {
    let ctx: Awaited<ReturnType<typeof streamContext>>;
    try {
      ctx = await streamContext(services, req, reply);
    } catch (err) {
      // One stream over the user's cap (shared with WebSockets): 429 RATE_LIMITED, before the stream opens.
      return replyError(reply, req, err);
    }
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
    const parsed = stream.input.safeParse({ ...query, ...(typeof header === 'string' && header !== '' ? { lastEventId: header } : {}) });
    if (!parsed.success) return replyError(reply, req, new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }));

    if (!/\btext\/event-stream\b/i.test(req.headers.accept ?? '')) {
      try {
        return await stream.position(ctx.actor, parsed.data);
      } catch (err) {
        return replyError(reply, req, err);
      }
    }

    const stop = new AbortController();
    let events: AsyncIterable<{ id: string; event: { kind: string } }>;
    try {
      events = await stream.follow(ctx.actor, parsed.data, stop.signal);
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
      req.log.error({ err }, `${stream.name} event stream failed`);
    } finally {
      clearInterval(ping);
      res.end();
    }
  });
}

const ERROR_RESPONSES = { '400': 'BadRequest', '401': 'Unauthorized', '403': 'Forbidden', '404': 'NotFound', '429': 'TooManyRequests', '500': 'InternalServerError' } as const;
const LAST_EVENT_ID = { type: 'string', pattern: '^\\d{1,15}$' };

/** A stream route's entry in the OpenAPI document, written by hand as trpc-to-openapi maps no subscriptions. */
export function eventStreamPathItem(doc: {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  /** Query parameters besides `lastEventId`. */
  parameters?: object[];
  kinds: readonly string[];
  errors: (keyof typeof ERROR_RESPONSES)[];
}) {
  return {
    get: {
      operationId: doc.operationId,
      summary: doc.summary,
      description: doc.description,
      tags: doc.tags,
      security: [{ bearerAuth: [] }],
      parameters: [...(doc.parameters ?? []), { in: 'query', name: 'lastEventId', schema: LAST_EVENT_ID }, { in: 'header', name: 'Last-Event-ID', schema: LAST_EVENT_ID }],
      responses: {
        '200': {
          description: 'The event stream, or the position to follow from',
          content: {
            'text/event-stream': { schema: { type: 'string', description: `events: ${doc.kinds.join(', ')}` } },
            'application/json': { schema: { type: 'object', properties: { lastEventId: LAST_EVENT_ID }, required: ['lastEventId'], additionalProperties: false } },
          },
        },
        // 429: one stream over the user's cap of live streams (WebSockets included).
        ...Object.fromEntries([...new Set([...doc.errors, '429' as const])].map((status) => [status, { $ref: `#/components/responses/${ERROR_RESPONSES[status]}` }])),
      },
    },
  };
}
