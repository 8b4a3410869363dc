import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, createRequestContext, type Services } from '@clinic/api';

/** The procedures' context for a Fastify request: both HTTP faces and the plain routes build it here. */
export function requestContext(services: Services, req: FastifyRequest) {
  return createRequestContext(services, {
    authorization: req.headers.authorization,
    requestId: req.id,
    ip: req.ip,
    userAgent: req.headers['user-agent'],
  });
}

/** Whether a request asks for a server-sent event stream (what EventSource sends). */
export const wantsEventStream = (req: FastifyRequest) => /\btext\/event-stream\b/i.test(req.headers.accept ?? '');

/** `WS_MAX_PER_USER`'s default. */
export const DEFAULT_MAX_STREAMS_PER_USER = 10;

/**
 * Live streams open per user in this process, WebSockets and server-sent event streams alike (tRPC's on /trpc and
 * the REST event-stream routes), counted in memory against one cap (`WS_MAX_PER_USER`).
 */
export interface UserStreams {
  readonly maxPerUser: number;
  /** Counts one more stream of `userId`: its release (call it once, when the stream closes), or null when at the cap. */
  open(userId: string): (() => void) | null;
  /** Streams `userId` holds open now. */
  count(userId: string): number;
}

const streamsOf = new WeakMap<Services, UserStreams & { maxPerUser: number }>();

/** The one counter of an app (keyed by its services); `maxPerUser` sets the cap (the realtime registration does). */
export function userStreams(services: Services, maxPerUser?: number): UserStreams {
  let streams = streamsOf.get(services);
  if (!streams) {
    const open = new Map<string, number>();
    const counter = {
      maxPerUser: maxPerUser ?? DEFAULT_MAX_STREAMS_PER_USER,
      count: (userId: string) => open.get(userId) ?? 0,
      open(userId: string) {
        const n = open.get(userId) ?? 0;
        if (n >= counter.maxPerUser) return null;
        open.set(userId, n + 1);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          const left = (open.get(userId) ?? 1) - 1;
          if (left > 0) open.set(userId, left);
          else open.delete(userId);
        };
      },
    };
    streams = counter;
    streamsOf.set(services, streams);
  } else if (maxPerUser !== undefined) streams.maxPerUser = maxPerUser;
  return streams;
}

/** The refusal of one live stream more than a user may hold (`RATE_LIMITED`, 429), on every face. */
export const tooManyStreams = (maxPerUser: number) =>
  new AppError('RATE_LIMITED', `At most ${maxPerUser} live connections per user: close one before opening another.`);

/**
 * A server-sent event stream is one long response authenticated once, at its start: it is cut when the token
 * expires or its session or clinic standing is revoked (the client's EventSource reconnects, and its token is then
 * refused or refreshed). Other requests are short and checked each time. A signed-in user's stream counts against
 * the per-user cap shared with WebSockets (`userStreams`) until the response closes; one over the cap throws
 * RATE_LIMITED before anything is streamed.
 */
export async function streamContext(services: Services, req: FastifyRequest, reply: FastifyReply) {
  const ctx = await requestContext(services, req);
  if (ctx.actor && wantsEventStream(req)) {
    const streams = userStreams(services);
    const release = streams.open(ctx.actor.userId);
    if (!release) throw tooManyStreams(streams.maxPerUser);
    // The client may have gone while the token was checked: then 'close' has fired already.
    if (reply.raw.closed) {
      release();
      return ctx;
    }
    const stop = services.sessionWatch.watch(ctx.actor, () => reply.raw.destroy());
    reply.raw.once('close', () => {
      stop();
      release();
    });
  }
  return ctx;
}
