import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import { TRPCError } from '@trpc/server';
import { getWSConnectionHandler } from '@trpc/server/adapters/ws';
import type { FastifyInstance } from 'fastify';
import { AppError, appRouter, createRequestContext, type Services } from '@clinic/api';
import { jsonNestingExceeds } from './json-depth.ts';

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
  /** Sockets whose context was made (a valid token): the others may not linger without one. */
  const authenticated = new WeakSet<object>();

  const onConnection = getWSConnectionHandler({
    wss: app.websocketServer,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: opts.pingMs ?? 30_000, pongWaitMs: opts.pongWaitMs ?? 10_000 },
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
      authenticated.add(res);
      // Checked once above; from now on the watch closes the socket when the token expires or the session ends.
      const stop = services.sessionWatch.watch(ctx.actor, () => res.close(UNAUTHORIZED_CLOSE, 'session ended'));
      res.once('close', stop);
      return ctx;
    },
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'subscription failed');
    },
  });

  app.get(opts.path, { websocket: true }, (socket, req) => {
    // Registered before tRPC's listener: a frame that is not a JSON text closes this socket only (tRPC would answer
    // and keep reading whatever the client sends next).
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.close(UNSUPPORTED_DATA, 'text frames only');
      const text = data.toString();
      if (text === 'PING' || text === 'PONG') return;
      let parsed: unknown;
      try {
        if (jsonNestingExceeds(text, opts.jsonMaxDepth)) throw new Error('nested too deeply');
        parsed = JSON.parse(text);
      } catch {
        return socket.close(INVALID_PAYLOAD, 'malformed frame');
      }
      if (typeof parsed !== 'object' || parsed === null) socket.close(INVALID_PAYLOAD, 'malformed frame');
    });
    const silent = setTimeout(() => {
      if (!authenticated.has(socket)) socket.close(POLICY_VIOLATION, 'no access token');
    }, opts.authTimeoutMs ?? 10_000);
    socket.once('close', () => clearTimeout(silent));
    onConnection(socket, req.raw);
  });
}
