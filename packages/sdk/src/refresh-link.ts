import { TRPCClientError, type Operation, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';

type MaybePromise<T> = T | Promise<T>;

export interface RefreshLinkOptions<TTokens> {
  /** The stored refresh token; null or undefined means there is nothing to refresh with. */
  getRefreshToken: () => MaybePromise<string | null | undefined>;
  /** Exchanges the refresh token for new tokens. Must not go through this link. */
  refresh: (refreshToken: string) => Promise<TTokens>;
  /** Store the tokens; the access-token getter must return the new token once this settles. */
  onTokensRefreshed?: ((tokens: TTokens) => MaybePromise<void>) | undefined;
  /** The server refused the refresh token: the user has to sign in again. */
  onSessionExpired?: (() => void) | undefined;
  /** Operations that are never refreshed and retried. Defaults to everything under `auth.`. */
  skip?: ((op: Operation) => boolean) | undefined;
}

/** JSON-RPC code of UNAUTHORIZED; still present when an errorFormatter replaces `data`. */
const UNAUTHORIZED_RPC_CODE = -32001;

interface ErrorFacts {
  data?: { code?: unknown; httpStatus?: unknown } | null;
  shape?: { code?: unknown } | null;
}

function facts(err: unknown): ErrorFacts | null {
  return err instanceof TRPCClientError ? (err as ErrorFacts) : null;
}

export function isUnauthorizedError(err: unknown): boolean {
  const e = facts(err);
  return !!e && (e.data?.code === 'UNAUTHORIZED' || e.data?.httpStatus === 401 || e.shape?.code === UNAUTHORIZED_RPC_CODE);
}

/**
 * Only a server that answered "no" to the refresh token ends the session. Being offline,
 * a 5xx or a rate limit must not sign the user out: the refresh token may still be good.
 */
function isRefreshRejected(err: unknown): boolean {
  const status = facts(err)?.data?.httpStatus;
  return isUnauthorizedError(err) || status === 400;
}

export type Outcome = 'refreshed' | 'unavailable';

const defaultSkip = (op: Operation) => op.path.startsWith('auth.');

/** One refresh at a time, shared by every call and by the WebSocket's reconnects. @internal */
export interface TokenRefresher {
  /** Starts a refresh, or joins the one under way. */
  refreshOnce(): Promise<Outcome>;
  /** Completed refreshes so far. */
  readonly generation: number;
}

/**
 * The server rotates refresh tokens and treats a reused one as theft, so a second concurrent refresh with the
 * same token would end the session: everything that needs a refresh while one is under way waits for that one.
 * @internal
 */
export function createTokenRefresher<TTokens>(opts: Omit<RefreshLinkOptions<TTokens>, 'skip'>): TokenRefresher {
  // Counts completed refreshes, so a call sent with a token that has since been replaced
  // retries with the new one instead of refreshing a second time.
  let generation = 0;
  let pending: Promise<Outcome> | null = null;

  async function runRefresh(): Promise<Outcome> {
    const refreshToken = await opts.getRefreshToken();
    if (!refreshToken) return 'unavailable';
    let tokens: TTokens;
    try {
      tokens = await opts.refresh(refreshToken);
    } catch (err) {
      if (isRefreshRejected(err)) opts.onSessionExpired?.();
      return 'unavailable';
    }
    await opts.onTokensRefreshed?.(tokens);
    generation++;
    return 'refreshed';
  }

  return {
    refreshOnce(): Promise<Outcome> {
      if (!pending) {
        const p = runRefresh()
          .catch((): Outcome => 'unavailable')
          .finally(() => {
            if (pending === p) pending = null;
          });
        pending = p;
      }
      return pending;
    },
    get generation() {
      return generation;
    },
  };
}

/**
 * Refreshes an expired access token and retries the call once.
 *
 * All calls that fail while one refresh is under way wait for that refresh (see createTokenRefresher).
 * A subscription refused for its token (a WebSocket connects with the token once, at connect) is sent again after
 * the refresh, resuming after the last event it delivered; it may be refused again later on, after new events.
 */
export function createRefreshLink<TRouter extends AnyRouter, TTokens>(opts: RefreshLinkOptions<TTokens>, shared?: TokenRefresher): TRPCLink<TRouter> {
  const skip = opts.skip ?? defaultSkip;
  const refresher = shared ?? createTokenRefresher(opts);

  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let sentAt = refresher.generation;
        let current: Unsubscribable | null = null;
        let closed = false;
        /** The id of the last tracked event a subscription delivered, to resume after it. */
        let lastEventId: string | undefined;

        const send = (retried: boolean) => {
          sentAt = refresher.generation;
          const input = op.input;
          const resumed =
            op.type === 'subscription' && lastEventId !== undefined && typeof input === 'object' && input !== null ? { ...op, input: { ...input, lastEventId } } : op;
          current = next(resumed).subscribe({
            next: (value) => {
              const id = (value as { result?: { id?: unknown } }).result?.id;
              if (typeof id === 'string') lastEventId = id;
              // Something came through with the new token: a later refusal may be refreshed again.
              retried = false;
              observer.next(value);
            },
            complete: () => observer.complete(),
            error: (err) => {
              if (retried || skip(op) || !isUnauthorizedError(err)) {
                observer.error(err);
                return;
              }
              const ready: Promise<Outcome> = refresher.generation !== sentAt ? Promise.resolve('refreshed') : refresher.refreshOnce();
              void ready.then((outcome) => {
                if (closed) return;
                if (outcome === 'refreshed') send(true);
                else observer.error(err);
              });
            },
          });
        };

        send(false);
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      });
}
