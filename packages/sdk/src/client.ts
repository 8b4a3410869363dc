import {
  TRPCClientError,
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  wsLink,
  type HTTPBatchLinkOptions,
  type OperationLink,
  type TRPCClient,
  type TRPCLink,
  type TRPCWebSocketClient,
  type WebSocketClientOptions,
} from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AnyRouter } from '@trpc/server';
import type { EventSourceLike } from '@trpc/server/unstable-core-do-not-import';
import type { Tokens } from '@clinic/contracts';
import superjson from 'superjson';
import { createRefreshLink, createTokenRefresher, type TokenRefresher } from './refresh-link.ts';

type MaybePromise<T> = T | Promise<T>;

export type FetchLike = NonNullable<HTTPBatchLinkOptions<{ transformer: true; errorShape: unknown }>['fetch']>;

export interface ClinicClientOptions {
  /** Server origin without the `/trpc` suffix, e.g. `https://api.example.ae`. */
  baseUrl: string;
  /** The current access token, read before every request; null sends no Authorization header. */
  getAccessToken: () => MaybePromise<string | null | undefined>;
  /** Without it, an expired access token is reported as an error and never refreshed. */
  getRefreshToken?: () => MaybePromise<string | null | undefined>;
  /** Persist the rotated tokens; `getAccessToken`/`getRefreshToken` must return them afterwards. */
  onTokensRefreshed?: (tokens: Tokens) => MaybePromise<void>;
  /** The server refused the refresh token (signed out elsewhere, expired, reused): show sign-in. */
  onSessionExpired?: () => void;
  /** A fetch implementation, for runtimes or tests without a suitable global one. */
  fetch?: FetchLike;
  /** Extra headers on every request, e.g. an app version or `Accept-Language`. */
  headers?: Record<string, string> | (() => MaybePromise<Record<string, string>>);
  /**
   * Subscriptions over WebSocket (React Native and browsers have one): `true` connects to `baseUrl` with
   * ws:// or wss:// at `/trpc`; or name the `url`, and the `WebSocket` class where the runtime has none. The socket
   * opens with the first subscription and closes after the last; a reconnect resumes each subscription after its
   * last event. Without this, subscriptions use server-sent events.
   */
  webSocket?:
    | boolean
    | {
        url?: string;
        WebSocket?: WebSocketClientOptions['WebSocket'];
        retryDelayMs?: (attempt: number) => number;
        /**
         * How long to wait before connecting again after the server refused a connection for holding too many
         * (close code 4429), by refusals in a row. Default: 2 s, doubling to 60 s.
         */
        rateLimitedDelayMs?: (attempt: number) => number;
      };
  /**
   * Subscriptions over server-sent events (when `webSocket` is not set): an `EventSource` class that takes a
   * `fetch` option, such as the `eventsource` package's, which the SDK uses to send the access token as a header.
   * A browser's own EventSource cannot send headers: use `webSocket` there.
   */
  EventSource?: EventSourceClass;
}

/** An EventSource class whose options take a `fetch` (the `eventsource` package and its kin). */
export type EventSourceClass = new (url: string, init?: { fetch?: EventSourceFetch }) => EventSourceLike.Instance;

/** The fetch an EventSource makes its request with. */
export type EventSourceFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Seconds of an access token's life left at which the WebSocket refreshes it before connecting. */
const EXPIRY_MARGIN_SECONDS = 30;

/** The `exp` of a JWT, read without checking it (the server checks); null when it cannot be read. */
function expiryOf(token: string): number | null {
  try {
    const part = token.split('.')[1];
    if (!part) return null;
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/**
 * A WebSocket client that exists while a subscription does: made for the first, closed after the last. tRPC's own
 * lazy mode does not reconnect when the first connection is refused before the subscription went out on it (a stale
 * token), so the client here is a plain one, which always reconnects.
 *
 * A subscription queued on a connection the server is just closing fails with a transport error (no error body from
 * the server: "Active connection is not open"); it is sent again on a new connection, a few times at most, resuming
 * after its last event. The server's own refusals (UNAUTHORIZED and the like) pass through to the refresh link.
 * A connection refused for too many (4429) fails its subscriptions with RATE_LIMITED (see `tooMany`).
 */
function whileSubscribed<TRouter extends AnyRouter>(
  make: (onClose: (cause?: { code?: number }) => void) => TRPCWebSocketClient,
  rateLimitedDelayMs: (attempt: number) => number = defaultRateLimitedDelayMs,
): TRPCLink<TRouter> {
  interface Held {
    client: TRPCWebSocketClient;
    link: OperationLink<AnyRouter>;
    users: number;
    /** How to fail each subscription on this connection, should the server refuse it for too many (4429). */
    refused: Set<(err: TRPCClientError<AnyRouter>) => void>;
  }
  let current: Held | null = null;
  /** Refusals for too many connections in a row, and the time before which no new connection is made. */
  let strikes = 0;
  let notBefore = 0;
  /**
   * The server refused the connection: the user holds as many live streams as it allows (WebSockets and SSE). Its
   * subscriptions fail with RATE_LIMITED (the app decides whether to try again), and the next connection waits,
   * longer after each refusal in a row, instead of tRPC's reconnecting at the quick retry delay forever.
   */
  const tooMany = (held: Held) => {
    if (current === held) current = null;
    const waitMs = rateLimitedDelayMs(strikes++);
    notBefore = Date.now() + waitMs;
    const err = rateLimitedError(waitMs);
    for (const fail of [...held.refused]) fail(err);
  };
  const acquire = (runtime: Parameters<TRPCLink<AnyRouter>>[0]) => {
    if (!current) {
      const held = { users: 0, refused: new Set() } as unknown as Held;
      held.client = make((cause) => {
        if (cause?.code === TOO_MANY_CLOSE) tooMany(held);
      });
      held.link = wsLink<AnyRouter>({ client: held.client, transformer: superjson })(runtime);
      current = held;
    }
    current.users++;
    return current;
  };
  const release = (held: NonNullable<typeof current>) => {
    if (--held.users > 0) return;
    if (current === held) current = null;
    void held.client.close();
  };
  return (runtime) =>
    ({ op, next }) =>
      observable((observer) => {
        let held: NonNullable<typeof current> | null = null;
        let sub: Unsubscribable | null = null;
        let lastEventId: string | undefined;
        let transportRetries = 0;
        let waiting: ReturnType<typeof setTimeout> | null = null;
        const drop = () => {
          const was = held;
          held = null;
          if (was) {
            was.refused.delete(fail);
            release(was);
          }
        };
        const fail = (err: TRPCClientError<AnyRouter>) => {
          sub?.unsubscribe();
          sub = null;
          drop();
          observer.error(err);
        };
        const start = () => {
          waiting = null;
          const wait = notBefore - Date.now();
          if (wait > 0) {
            waiting = setTimeout(start, wait);
            return;
          }
          held = acquire(runtime);
          held.refused.add(fail);
          const input = op.input;
          const resumed = lastEventId !== undefined && typeof input === 'object' && input !== null ? { ...op, input: { ...input, lastEventId } } : op;
          sub = held.link({ op: resumed, next }).subscribe({
            next: (value) => {
              const id = (value as { result?: { id?: unknown } }).result?.id;
              if (typeof id === 'string') lastEventId = id;
              if ((value as { result?: { type?: unknown } }).result?.type === 'started') {
                transportRetries = 0;
                strikes = 0;
              }
              observer.next(value);
            },
            complete: () => observer.complete(),
            error: (err) => {
              const fromServer = !!(err as { shape?: unknown }).shape;
              if (fromServer || transportRetries >= MAX_TRANSPORT_RETRIES) return observer.error(err);
              transportRetries++;
              drop();
              start();
            },
          });
        };
        start();
        return () => {
          if (waiting) clearTimeout(waiting);
          sub?.unsubscribe();
          drop();
        };
      });
}

/** Subscriptions sent again after transport errors before the server confirms them (see whileSubscribed). */
const MAX_TRANSPORT_RETRIES = 3;

/** The server's close code for one connection more than a user (or an address) may hold open. */
const TOO_MANY_CLOSE = 4429;

/** 2 s, 4 s, 8 s … 60 s after refusals for too many connections in a row. */
const defaultRateLimitedDelayMs = (attempt: number) => Math.min(2_000 * 2 ** attempt, 60_000);

/** What a subscription refused for too many connections fails with: RATE_LIMITED, as the server words it. */
function rateLimitedError(waitMs: number): TRPCClientError<AnyRouter> {
  const message = 'Too many live connections for this user: close a subscription (or another device\'s) before opening another.';
  const data = { appCode: 'RATE_LIMITED', httpStatus: 429, code: 'TOO_MANY_REQUESTS', retryAfter: Math.ceil(waitMs / 1000) };
  return TRPCClientError.from({ error: { code: TOO_MANY_REQUESTS_RPC_CODE, message, data } });
}

/** JSON-RPC code of TOO_MANY_REQUESTS. */
const TOO_MANY_REQUESTS_RPC_CODE = -32029;

/** `https://host` → `wss://host/trpc`. */
const webSocketUrlOf = (baseUrl: string) => `${baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/trpc`;

type BatchLinkOptions = Omit<HTTPBatchLinkOptions<{ transformer: true; errorShape: unknown }>, 'transformer'>;

/**
 * Typed against AnyRouter because a generic router type cannot prove it was built with a
 * transformer; the servers this SDK talks to all use superjson.
 */
function superjsonBatchLink<TRouter extends AnyRouter>(options: BatchLinkOptions): TRPCLink<TRouter> {
  return httpBatchLink<AnyRouter>({ ...options, transformer: superjson });
}

/**
 * The wiring shared by the real client and the tests, which use their own router.
 * `refresh` receives a client without the refresh link, so a failing refresh cannot recurse.
 * @internal
 */
export function createTokenClient<TRouter extends AnyRouter>(
  opts: ClinicClientOptions,
  refresh: (plain: TRPCClient<TRouter>, refreshToken: string) => Promise<Tokens>,
): TRPCClient<TRouter> {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/trpc`;
  const extraHeaders = async () => (typeof opts.headers === 'function' ? await opts.headers() : (opts.headers ?? {}));
  const fetchOption = opts.fetch ? { fetch: opts.fetch } : {};

  const plain = createTRPCClient<TRouter>({
    links: [superjsonBatchLink<TRouter>({ url, ...fetchOption, headers: extraHeaders })],
  });

  const { getRefreshToken } = opts;
  const refreshOptions = getRefreshToken
    ? {
        getRefreshToken,
        refresh: (refreshToken: string) => refresh(plain, refreshToken),
        onTokensRefreshed: opts.onTokensRefreshed,
        onSessionExpired: opts.onSessionExpired,
      }
    : null;
  // One refresher for calls and the WebSocket: two refreshes with one rotating token would end the session.
  const refresher = refreshOptions ? createTokenRefresher<Tokens>(refreshOptions) : null;
  const authHeaders = async () => {
    const token = await opts.getAccessToken();
    return { ...(await extraHeaders()), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  };
  const calls = superjsonBatchLink<TRouter>({ url, ...fetchOption, headers: authHeaders });

  return createTRPCClient<TRouter>({
    links: [
      ...(refreshOptions && refresher ? [createRefreshLink<TRouter, Tokens>(refreshOptions, refresher)] : []),
      splitLink<TRouter>({ condition: (op) => op.type === 'subscription', true: subscriptionLink<TRouter>(opts, url, authHeaders, refresher), false: calls }),
    ],
  });
}

/**
 * Subscriptions over WebSocket when asked for, else over server-sent events. The WebSocket sends the access token
 * in `connectionParams`, read again at every (re)connect; the server checks it once per connection, so a token
 * about to expire is refreshed first.
 */
function subscriptionLink<TRouter extends AnyRouter>(
  opts: ClinicClientOptions,
  url: string,
  authHeaders: () => Promise<Record<string, string>>,
  refresher: TokenRefresher | null,
): TRPCLink<TRouter> {
  if (opts.webSocket) {
    const ws = opts.webSocket === true ? {} : opts.webSocket;
    return whileSubscribed((onClose) => createWSClient({
      url: ws.url ?? webSocketUrlOf(opts.baseUrl),
      onClose,
      ...(ws.WebSocket ? { WebSocket: ws.WebSocket } : {}),
      ...(ws.retryDelayMs ? { retryDelayMs: ws.retryDelayMs } : {}),
      connectionParams: async () => {
        let token = await opts.getAccessToken();
        const exp = token ? expiryOf(token) : null;
        // Saves a refused connection; when the device's clock disagrees with the server's, the refresh link handles
        // the refusal (the subscription fails UNAUTHORIZED, is refreshed and sent again on a new connection).
        if (refresher && exp !== null && exp - Date.now() / 1000 < EXPIRY_MARGIN_SECONDS && (await refresher.refreshOnce()) === 'refreshed') {
          token = await opts.getAccessToken();
        }
        return token ? { accessToken: token } : {};
      },
    }), ws.rateLimitedDelayMs);
  }
  // The SDK's `fetch` option serves calls; a custom one is trusted to answer as the global fetch does.
  const fetchImpl = (opts.fetch as EventSourceFetch | undefined) ?? ((input, init) => fetch(input, init));
  return httpSubscriptionLink<AnyRouter, EventSourceClass>({
    url,
    transformer: superjson,
    ...(opts.EventSource ? { EventSource: opts.EventSource } : {}),
    // Read at every (re)connect, so a refreshed token is the one sent.
    eventSourceOptions: async () => {
      const headers = await authHeaders();
      const withToken: EventSourceFetch = (input, init) => fetchImpl(input, { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), ...headers } });
      return { fetch: withToken };
    },
  });
}
