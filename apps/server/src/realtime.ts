import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import websocket from '@fastify/websocket';
import { TRPCError } from '@trpc/server';
import { parseConnectionParamsFromUnknown } from '@trpc/server/http';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, createRequestContext, type Services } from '@clinic/api';
import { jsonNestingExceeds } from './json-depth.ts';
import { tooManyStreams, userStreams } from './request-context.ts';
import { closeConnection, errorFrame, handleMessage, type ErrorReporter, type WsConnection } from './trpc-ws.ts';

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
const INTERNAL_ERROR = 1011;
/**
 * The token was missing, expired or refused: refresh it before connecting again. tRPC's own handler closes with no
 * code (after its UNAUTHORIZED message), which a client without tRPC's own cannot tell from a network drop.
 */
export const UNAUTHORIZED_CLOSE = 4401;
/** One socket more than a user or an address may hold open (`maxPerUser`, `maxPerIp`): refused, the others untouched. */
export const TOO_MANY_CLOSE = 4429;

/**
 * tRPC over WebSocket, on the HTTP server's own port: `GET <path>` upgraded, served by this server's own handler of
 * tRPC's WebSocket protocol (trpc-ws.ts; one object per socket, one per live subscription, the keep-alive and auth
 * deadline swept for all sockets at once). The client authenticates with `connectionParams: { accessToken }`
 * (React Native's WebSocket cannot set headers); a socket without a valid token gets one UNAUTHORIZED message and
 * is closed (4401) before any procedure runs. A token is checked once, at connect; the session watch then closes
 * the socket (4401) when the token expires or its session or clinic standing is revoked, and the client reconnects
 * with a refreshed token (or is signed out). Server-sent events need nothing here: they are the HTTP face's
 * (`GET /trpc/<subscription>`), authenticated by the Authorization header like any call.
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
      // No access token in time: 1008 (a socket that sent a bad one is closed by `authenticate`, 4401).
      if (!state.authenticated && now - state.openedAt >= authTimeoutMs) socket.close(POLICY_VIOLATION, 'no access token');
      // tRPC's keep-alive protocol (a text PING after `pingMs` of quiet; any frame answers it), for every socket at once.
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

  /** Procedure failures the client is told of; only the server's own faults are logged. */
  const reportError: ErrorReporter = (error, path) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'subscription failed');
  };

  /**
   * Tells the client why (one `{ id: null, error }` message, in the router's error shape), answers each request it
   * sent meanwhile with the same error (the SDK's refresh link reacts to a subscription's UNAUTHORIZED; tRPC's own
   * handler answers them so too), and closes with `code` on the next turn, so that requests already on their way
   * are answered likewise.
   */
  function refuse(state: SocketState, code: number, error: TRPCError, reason: string) {
    if (state.closed || state.socket.readyState !== OPEN) return;
    state.refused = error;
    state.socket.send(errorFrame(null, error, null, false, 'unknown'));
    const queued = state.queue;
    state.queue = null;
    if (queued) for (const frame of queued) answerRefused(state, frame);
    const socket = state.socket;
    setImmediate(() => socket.close(code, reason));
  }

  /** Each request of a frame sent to a refused connection gets the refusal as its answer. */
  function answerRefused(state: SocketState, frame: unknown) {
    for (const raw of Array.isArray(frame) ? frame : [frame]) {
      if (typeof raw !== 'object' || raw === null) continue;
      const { id, method, jsonrpc, params } = raw as { id?: unknown; method?: unknown; jsonrpc?: unknown; params?: { path?: unknown } };
      if ((typeof id !== 'number' && typeof id !== 'string') || method === 'subscription.stop') continue;
      const type = method === 'query' || method === 'mutation' || method === 'subscription' ? method : 'unknown';
      const path = typeof params?.path === 'string' ? params.path : undefined;
      if (state.socket.readyState === OPEN) state.socket.send(errorFrame(null, state.refused!, id, jsonrpc === '2.0', type, path));
    }
  }

  /** Checks the connection's token once; then the messages that came meanwhile are handled, in order. */
  async function authenticate(state: SocketState, params: Partial<Record<string, string>> | null) {
    const token = params?.accessToken;
    if (!token) {
      const cause = new AppError('UNAUTHENTICATED', 'Connect with connectionParams: { accessToken }.');
      return refuse(state, UNAUTHORIZED_CLOSE, new TRPCError({ code: 'UNAUTHORIZED', cause }), 'unauthorized');
    }
    let ctx;
    try {
      ctx = await createRequestContext(services, {
        authorization: `Bearer ${token}`,
        // Flat: `randomUUID()` gives a string built of pieces, which V8 keeps as a tree for as long as the context lives.
        requestId: Buffer.from(randomUUID(), 'latin1').toString('latin1'),
        ip: state.ip,
        userAgent: state.userAgent,
      });
    } catch (err) {
      app.log.error({ err }, 'websocket authentication failed');
      return refuse(state, INTERNAL_ERROR, new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: err }), 'internal error');
    }
    // Closed while the token was being checked: nothing to count or watch.
    if (state.closed) return;
    if (!ctx.actor) {
      const cause =
        ctx.tokenRejectedReason === 'clinic_suspended'
          ? new AppError('CLINIC_SUSPENDED', 'Your clinic is suspended by the platform.')
          : new AppError('SESSION_EXPIRED', 'Your access token is invalid or expired. Refresh it and connect again.');
      return refuse(state, UNAUTHORIZED_CLOSE, new TRPCError({ code: cause.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: cause.message, cause }), 'unauthorized');
    }
    // One stream more than the user may hold: refused like a bad token (one message, then the socket closed, 4429).
    const release = streams.open(ctx.actor.userId);
    if (!release) {
      const cause = tooManyStreams(streams.maxPerUser);
      return refuse(state, TOO_MANY_CLOSE, new TRPCError({ code: 'TOO_MANY_REQUESTS', message: cause.message, cause }), 'too many connections');
    }
    state.releaseUser = release;
    state.authenticated = true;
    state.ctx = ctx;
    // Checked once above; from now on the watch closes the socket when the token expires or the session ends.
    const socket = state.socket;
    state.unwatch = services.sessionWatch.watch(ctx.actor, () => socket.close(UNAUTHORIZED_CLOSE, 'session ended'));
    const queued = state.queue;
    state.queue = null;
    if (queued) for (const frame of queued) if (!state.closed) handleMessage(state, frame, reportError);
  }

  /** One listener for every socket (`this` is the socket). */
  function onFrame(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    const state = sockets.get(this);
    if (!state) return;
    state.heardAt = Date.now();
    state.pingedAt = 0;
    // A frame that is not a JSON text closes this socket only (tRPC's own handler would answer and keep reading
    // whatever the client sends next).
    if (isBinary) return this.close(UNSUPPORTED_DATA, 'text frames only');
    const text = data.toString();
    // The client's keep-alive (wsLink's `keepAlive`): any frame answers ours.
    if (text === 'PING') return this.send('PONG');
    if (text === 'PONG') return;
    let parsed: unknown;
    try {
      if (jsonNestingExceeds(text, opts.jsonMaxDepth)) throw new Error('nested too deeply');
      parsed = JSON.parse(text);
    } catch {
      return this.close(INVALID_PAYLOAD, 'malformed frame');
    }
    if (typeof parsed !== 'object' || parsed === null) return this.close(INVALID_PAYLOAD, 'malformed frame');
    if (state.awaitingParams) {
      // The first frame of a `?connectionParams=1` socket: `{ method: 'connectionParams', data: { …strings } }`.
      state.awaitingParams = false;
      let params: Partial<Record<string, string>> | null;
      try {
        params = parseConnectionParamsFromUnknown((parsed as { data?: unknown }).data);
      } catch (err) {
        this.send(errorFrame(null, getTRPCError(err), null, false, 'unknown'));
        return this.close(INVALID_PAYLOAD, 'malformed connection params');
      }
      void authenticate(state, params);
      return;
    }
    if (state.refused) return answerRefused(state, parsed);
    // Sent before the token was checked (wsLink sends its subscriptions right after the params): handled after.
    if (state.ctx === null) return void (state.queue ??= []).push(parsed);
    handleMessage(state, parsed, reportError);
  }
  function onClose(this: WebSocket) {
    const state = sockets.get(this);
    sockets.delete(this);
    if (!state) return;
    closeConnection(state);
    state.queue = null;
    state.unwatch?.();
    releaseIp(state.ip);
    state.releaseUser?.();
  }
  /** `ws` emits protocol errors (a bad frame header, a frame too large) on the socket, then closes it. */
  function onSocketError(err: Error) {
    app.log.debug({ err: { message: err.message } }, 'websocket error');
  }

  app.get(opts.path, { websocket: true }, (socket, req) => {
    // `req.ip`: the peer's address (or, behind a proxy Fastify is told to trust, the client's).
    const ip = req.ip;
    const open = perIp.get(ip) ?? 0;
    if (open >= maxPerIp) {
      // Refused before anything is read from it; nothing else is touched.
      socket.close(TOO_MANY_CLOSE, 'too many connections');
      return;
    }
    perIp.set(ip, open + 1);
    const now = Date.now();
    // wsLink with `connectionParams` connects with `?connectionParams=1` and sends them first; without, the
    // connection has none (and is refused: it has no token).
    const awaitingParams = (req.query as { connectionParams?: unknown } | undefined)?.connectionParams === '1';
    const state: SocketState = {
      socket,
      ctx: null,
      subs: null,
      closed: false,
      openedAt: now,
      heardAt: now,
      pingedAt: 0,
      authenticated: false,
      awaitingParams,
      queue: null,
      refused: null,
      unwatch: null,
      ip,
      userAgent: req.headers['user-agent'],
      releaseUser: null,
    };
    sockets.set(socket, state);
    socket.on('message', onFrame);
    // Nothing of the upgrade's HTTP request is read after this point, but it would live as long as the socket:
    // @fastify/websocket's error listener holds the request and reply, and the TCP socket still names the upgrade's
    // response (which holds fastify's reply, its logger and hooks' closures). Let go of both: about 3 KB a connection.
    socket.removeAllListeners('error');
    socket.on('error', onSocketError);
    const tcp = req.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
    tcp._httpMessage?.detachSocket(tcp);
    socket.once('close', onClose);
    if (!awaitingParams) void authenticate(state, null);
  });
}

function getTRPCError(err: unknown): TRPCError {
  return err instanceof TRPCError ? err : new TRPCError({ code: 'PARSE_ERROR', cause: err });
}

const OPEN = 1;

/** The one object per socket: the protocol's part (`WsConnection`) and this server's. */
interface SocketState extends WsConnection {
  openedAt: number;
  heardAt: number;
  /** When the sweep sent PING and no frame came since; 0: not waiting. */
  pingedAt: number;
  authenticated: boolean;
  /** Opened with `?connectionParams=1`: the first frame carries them. */
  awaitingParams: boolean;
  /** Frames that came while the token was being checked. */
  queue: unknown[] | null;
  /** Why the connection was refused (it closes on the next turn); requests still coming get this as their answer. */
  refused: TRPCError | null;
  unwatch: (() => void) | null;
  /** Counted against this address (`maxPerIp`) and, once authenticated, this user (`maxPerUser`): its release. */
  ip: string;
  userAgent: string | undefined;
  releaseUser: (() => void) | null;
}
