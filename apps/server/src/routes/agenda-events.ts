import { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { AGENDA_EVENT_KINDS, AgendaSubscriptionInput, AppError, type Services } from '@clinic/api';
import { replyError } from '../errors.ts';
import { streamContext } from '../request-context.ts';

export const AGENDA_EVENTS_PATH = '/agenda/events';

/** A comment line this often keeps proxies from closing a quiet stream. */
const PING_MS = 15_000;

/**
 * The live agenda for REST clients as server-sent events: the same use case and policy as the `agenda.onChange`
 * subscription (trpc-to-openapi maps no subscriptions), authenticated by the Bearer token. `Last-Event-ID` (sent by
 * EventSource on reconnect) or `?lastEventId=` resumes after that event. A request that does not accept
 * `text/event-stream` gets `{ lastEventId }`, the position to follow from after reading the agenda.
 */
export async function agendaEventRoutes(app: FastifyInstance, opts: { services: Services; prefix: string }) {
  const { services } = opts;
  app.get(`${opts.prefix}${AGENDA_EVENTS_PATH}`, async (req, reply) => {
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
    const parsed = AgendaSubscriptionInput.safeParse({ ...query, ...(typeof header === 'string' && header !== '' ? { lastEventId: header } : {}) });
    if (!parsed.success) return replyError(reply, req, new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }));

    const accept = req.headers.accept ?? '';
    if (!/\btext\/event-stream\b/i.test(accept)) {
      try {
        return await services.agenda.position(ctx.actor, parsed.data);
      } catch (err) {
        return replyError(reply, req, err);
      }
    }

    const stop = new AbortController();
    let events: AsyncIterable<{ id: string; event: { kind: string } }>;
    try {
      events = await services.agenda.follow(ctx.actor, parsed.data, stop.signal);
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
      req.log.error({ err }, 'agenda event stream failed');
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
    ['404', 'NotFound'],
    ['500', 'InternalServerError'],
  ].map(([status, name]) => [status, { $ref: `#/components/responses/${name}` }]),
);

/** The route's entry in the OpenAPI document, written by hand as trpc-to-openapi maps no subscriptions. */
export const agendaEventsPathItem = {
  get: {
    // Named after the procedure that gives the JSON answer (agenda.events), as every operation of the document is.
    operationId: 'agenda-events',
    summary: "Follow the agenda live (server-sent events): staff and admins their clinic's or one physician's, doctors their own",
    description:
      'With `Accept: text/event-stream`, one event per change (`event:` the kind, `id:` its position, `data:` JSON with `kind`, `appointment`, ' +
      '`previousStart` and `at`); a comment line every 15 s. Reconnecting with `Last-Event-ID` (or `lastEventId`) delivers every later ' +
      'change first, none twice; `resync` says changes since then are no longer kept: read the agenda again. Without that Accept ' +
      'header: `{ lastEventId }`, the position to follow from after reading the agenda (`GET /appointments/agenda`).',
    tags: ['appointments'],
    security: [{ bearerAuth: [] }],
    parameters: [
      { in: 'query', name: 'physicianId', schema: { type: 'string', pattern: '^[0-9a-f]{24}$' } },
      { in: 'query', name: 'date', description: 'only appointments on this local date (or moved away from it)', schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', format: 'date' } },
      { in: 'query', name: 'lastEventId', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
      { in: 'header', name: 'Last-Event-ID', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
    ],
    responses: {
      '200': {
        description: 'The event stream, or the position to follow from',
        content: {
          'text/event-stream': { schema: { type: 'string', description: `events: ${[...AGENDA_EVENT_KINDS, 'resync'].join(', ')}` } },
          'application/json': {
            schema: { type: 'object', properties: { lastEventId: { type: 'string', pattern: '^\\d{1,15}$' } }, required: ['lastEventId'], additionalProperties: false },
          },
        },
      },
      ...errors,
    },
  },
};
