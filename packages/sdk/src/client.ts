import { createTRPCClient, httpBatchLink, type HTTPBatchLinkOptions, type TRPCClient, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { Tokens } from '@clinic/contracts';
import superjson from 'superjson';
import { createRefreshLink } from './refresh-link.ts';

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
}

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
  return createTRPCClient<TRouter>({
    links: [
      ...(getRefreshToken
        ? [
            createRefreshLink<TRouter, Tokens>({
              getRefreshToken,
              refresh: (refreshToken) => refresh(plain, refreshToken),
              onTokensRefreshed: opts.onTokensRefreshed,
              onSessionExpired: opts.onSessionExpired,
            }),
          ]
        : []),
      superjsonBatchLink<TRouter>({
        url,
        ...fetchOption,
        headers: async () => {
          const token = await opts.getAccessToken();
          return { ...(await extraHeaders()), ...(token ? { authorization: `Bearer ${token}` } : {}) };
        },
      }),
    ],
  });
}
