import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import { TRPCError } from '@trpc/server';
import { getWSConnectionHandler } from '@trpc/server/adapters/ws';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, appRouter, broadcastEncoder, createRequestContext, type Services } from '@clinic/api';
import { jsonNestingExceeds } from './json-depth.ts';
import { tooManyStreams, userStreams } from './request-context.ts';

export interface RealtimeOptions {
  /** Where WebSocket clients connect; the same path as tRPC over HTTP (`/trpc`), upgraded. */
  path: string;
  /** Largest frame accepted (bytes); larger ones close the socket (1009). */
  maxFrameBytes: number;
  jsonMaxDepth: number;
  /** How long a socket may stay quiet before it is pinged; no answer within `pongWaitMs` closes it. */
  pingMs?: number;
  pongWaitMs?: number;
  /** A socket that has not authenticated this long after opening is closed (1008). */
  authTimeoutMs?: number;
  /**
   * Live streams per signed-in user in this process (`WS_MAX_PER_USER`), WebSockets and server-sent event streams
   * counted together (`userStreams`); one more socket is refused with 4429, one more SSE stream with 429. Default 10.
   */
  maxPerUser?: number;
  /** Open sockets per client address in this process (`WS_MAX_PER_IP`), counted from the upgrade on; one more: 4429. Default 200. */
  maxPerIp?: number;
}

/** Close codes (RFC 6455) for frames this server will not read. */
const UNSUPPORTED_DATA = 1003;
const INVALID_PAYLOAD = 1007;
const POLICY_VIOLATION = 1008;
/**
 * The token was missing, expired or refused: refresh it before connecting again. tRPC would close with no code
 * (after its UNAUTHORIZED message), which a client without tRPC's own cannot tell from a network drop.
 */
export const UNAUTHORIZED_CLOSE = 4401;
/** One socket more than a user or an address may hold open (`maxPerUser`, `maxPerIp`): refused, the others untouched. */
export const TOO_MANY_CLOSE = 4429;

/**
 * tRPC over WebSocket, on the HTTP server's own port: `GET <path>` upgraded. The client authenticates with
 * `connectionParams: { accessToken }` (React Native's WebSocket cannot set headers); a socket without a valid
 * token gets one UNAUTHORIZED message and is closed before any procedure runs. A token is checked once, at connect;
 * the session watch then closes the socket (4401) when the token expires or its session or clinic standing is
 * revoked, and the client reconnects with a refreshed token (or is signed out). Server-sent events need nothing here: they are the
 * HTTP face's (`GET /trpc/<subscription>`), authenticated by the Authorization header like any call.
 */
export async function registerRealtime(app: FastifyInstance, services: Services, opts: RealtimeOptions) {
  // Open streams end with the server, not after it: SSE responses would otherwise hold close() open.
  app.addHook('preClose', async () => services.events.close());
  await app.register(websocket, { options: { maxPayload: opts.maxFrameBytes } });
  const pingMs = opts.pingMs ?? 30_000;
  const pongWaitMs = opts.pongWaitMs ?? 10_000;
  const authTimeoutMs = opts.authTimeoutMs ?? 10_000;
  // The per-user count is shared with the SSE streams (request-context.ts), which read this cap.
  const streams = userStreams(services, opts.maxPerUser);
  const maxPerIp = opts.maxPerIp ?? 200;
  /** Open sockets per address (from the upgrade); entries go at zero. Per user: `streams`, from authentication on. */
  const perIp = new Map<string, number>();
  const releaseIp = (ip: string) => {
    const n = (perIp.get(ip) ?? 1) - 1;
    if (n > 0) perIp.set(ip, n);
    else perIp.delete(ip);
  };
  /**
   * What this server tracks per open socket, read by one sweep for all of them (no timers or closures per socket):
   * when the client was last heard from, when it was pinged, whether it authenticated, and its session watch.
   */
  const sockets = new Map<WebSocket, SocketState>();
  const sweepMs = Math.max(50, Math.min(pingMs, pongWaitMs, authTimeoutMs) / 4);
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [socket, state] of sockets) {
      if (socket.readyState !== OPEN) continue;
      // No access token in time: 1008 (a socket that sent a bad one is closed by createContext, 4401).
      if (!state.authenticated && now - state.openedAt >= authTimeoutMs) socket.close(POLICY_VIOLATION, 'no access token');
      // tRPC's keep-alive (a text PING after `pingMs` of quiet; any frame answers it), kept here for every socket at once.
      else if (state.pingedAt === 0) {
        if (now - state.heardAt >= pingMs) {
          state.pingedAt = now;
          socket.send('PING');
        }
      } else if (now - state.pingedAt >= pongWaitMs) socket.terminate();
    }
  }, sweepMs);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  /** One listener for every socket (`this` is the socket), registered before tRPC's. */
  function onFrame(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    const state = sockets.get(this);
    if (state) {
      state.heardAt = Date.now();
      state.pingedAt = 0;
    }
    // A frame that is not a JSON text closes this socket only (tRPC would answer and keep reading whatever the
    // client sends next).
    if (isBinary) return this.close(UNSUPPORTED_DATA, 'text frames only');
    const text = data.toString();
    if (text === 'PING' || text === 'PONG') return;
    let parsed: unknown;
    try {
      if (jsonNestingExceeds(text, opts.jsonMaxDepth)) throw new Error('nested too deeply');
      parsed = JSON.parse(text);
    } catch {
      return this.close(INVALID_PAYLOAD, 'malformed frame');
    }
    if (typeof parsed !== 'object' || parsed === null) this.close(INVALID_PAYLOAD, 'malformed frame');
  }
  function onClose(this: WebSocket) {
    const state = sockets.get(this);
    sockets.delete(this);
    state?.unwatch?.();
    if (state) {
      releaseIp(state.ip);
      state.releaseUser?.();
    }
  }

  const onConnection = getWSConnectionHandler({
    wss: app.websocketServer,
    router: appRouter,
    // Keep-alive is the sweep's (above): tRPC's own holds two timers and four closures per socket.
    keepAlive: { enabled: false },
    // JSON text frames, as tRPC's own encoder, with an event shared by many subscribers stringified once.
    experimental_encoder: broadcastEncoder,
    async createContext({ req, res, info }) {
      // Runs after tRPC has sent its error message for the throw below, and before its own code-less close.
      const refuse = () => setImmediate(() => res.close(UNAUTHORIZED_CLOSE, 'unauthorized'));
      const token = info.connectionParams?.accessToken;
      if (!token) {
        refuse();
        throw new TRPCError({ code: 'UNAUTHORIZED', cause: new AppError('UNAUTHENTICATED', 'Connect with connectionParams: { accessToken }.') });
      }
      const ctx = await createRequestContext(services, {
        authorization: `Bearer ${token}`,
        requestId: randomUUID(),
        ip: req.socket.remoteAddress ?? 'unknown',
        userAgent: req.headers['user-agent'],
      });
      if (!ctx.actor) {
        const cause =
          ctx.tokenRejectedReason === 'clinic_suspended'
            ? new AppError('CLINIC_SUSPENDED', 'Your clinic is suspended by the platform.')
            : new AppError('SESSION_EXPIRED', 'Your access token is invalid or expired. Refresh it and connect again.');
        refuse();
        throw new TRPCError({ code: cause.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: cause.message, cause });
      }
      const state = sockets.get(res);
      // One stream more than the user may hold: refused like a bad token (one message, then the socket closed, 4429).
      if (state && state.releaseUser === null) {
        const release = streams.open(ctx.actor.userId);
        if (!release) {
          setImmediate(() => res.close(TOO_MANY_CLOSE, 'too many connections'));
          const cause = tooManyStreams(streams.maxPerUser);
          throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause });
        }
        state.releaseUser = release;
      }
      // Checked once above; from now on the watch closes the socket when the token expires or the session ends.
      if (state) {
        state.authenticated = true;
        state.unwatch = services.sessionWatch.watch(ctx.actor, () => res.close(UNAUTHORIZED_CLOSE, 'session ended'));
      }
      return ctx;
    },
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'subscription failed');
    },
  });

  app.get(opts.path, { websocket: true }, (socket, req) => {
    // `req.ip`: the peer's address (or, behind a proxy Fastify is told to trust, the client's).
    const ip = req.ip;
    const open = perIp.get(ip) ?? 0;
    if (open >= maxPerIp) {
      // Refused before tRPC sees it: nothing is read from it, nothing else is touched.
      socket.close(TOO_MANY_CLOSE, 'too many connections');
      return;
    }
    perIp.set(ip, open + 1);
    const now = Date.now();
    sockets.set(socket, { openedAt: now, heardAt: now, pingedAt: 0, authenticated: false, unwatch: null, ip, releaseUser: null });
    socket.on('message', onFrame);
    socket.once('close', onClose);
    onConnection(socket, req.raw);
  });
}

const OPEN = 1;

interface SocketState {
  openedAt: number;
  heardAt: number;
  /** When the sweep sent PING and no frame came since; 0: not waiting. */
  pingedAt: number;
  authenticated: boolean;
  unwatch: (() => void) | null;
  /** Counted against this address (`maxPerIp`) and, once authenticated, this user (`maxPerUser`): its release. */
  ip: string;
  releaseUser: (() => void) | null;
}
