import type { AddressInfo } from 'node:net';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Tokens } from '@clinic/contracts';
import { createTokenClient, type ClinicClientOptions } from './client.ts';
import { isClinicError } from './errors.ts';

/**
 * A stand-in for the real API with the same wire behaviour that matters here: superjson,
 * bearer tokens, refresh-token rotation with reuse detection, and an errorFormatter that
 * replaces `data` (so the link cannot rely on `data.code`).
 */
const server = {
  accessToken: 'access-0',
  refreshToken: 'refresh-0',
  rotations: 0,
  refreshCalls: 0,
  reusedRefreshToken: false,
  refreshMode: 'ok' as 'ok' | 'reject' | 'crash',
  meCalls: [] as (string | null)[],
  /** Lets a test hold `users.slow` until it has let other calls finish. */
  slowGate: Promise.resolve(),
};

const t = initTRPC.context<{ token: string | null }>().create({
  transformer: superjson,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: { appCode: error.code === 'UNAUTHORIZED' ? 'SESSION_EXPIRED' : 'INTERNAL', httpStatus: shape.data.httpStatus },
  }),
});

const authed = t.procedure.use(({ ctx, next }) => {
  if (ctx.token !== server.accessToken) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'token expired' });
  return next();
});

const testRouter = t.router({
  users: t.router({
    me: t.procedure.query(({ ctx }) => {
      server.meCalls.push(ctx.token);
      if (ctx.token !== server.accessToken) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'token expired' });
      return { name: 'Amal', since: new Date('2025-01-02T03:04:05Z') };
    }),
    slow: t.procedure.query(async ({ ctx }) => {
      await server.slowGate;
      if (ctx.token !== server.accessToken) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'token expired' });
      return 'slow ok';
    }),
  }),
  auth: t.router({
    changePassword: authed.mutation(() => ({ ok: true as const })),
    refresh: t.procedure.input((v) => v as { refreshToken: string }).mutation(async ({ input }): Promise<Tokens> => {
      server.refreshCalls++;
      // Give concurrent failures time to pile up behind this refresh.
      await new Promise((r) => setTimeout(r, 20));
      if (server.refreshMode === 'crash') throw new Error('database down');
      if (server.refreshMode === 'reject') throw new TRPCError({ code: 'UNAUTHORIZED', message: 'session ended' });
      if (input.refreshToken !== server.refreshToken) {
        server.reusedRefreshToken = true;
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'refresh token reused' });
      }
      server.rotations++;
      server.accessToken = `access-${server.rotations}`;
      server.refreshToken = `refresh-${server.rotations}`;
      return { accessToken: server.accessToken, refreshToken: server.refreshToken, expiresIn: 900, tokenType: 'Bearer' };
    }),
  }),
});
type TestRouter = typeof testRouter;

const http = createHTTPServer({
  router: testRouter,
  basePath: '/trpc/',
  createContext: ({ req }) => ({ token: /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null }),
});
let baseUrl = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
});

/** The app's token storage, as the mobile app would keep it. */
let stored: { access: string | null; refresh: string | null };

beforeEach(() => {
  Object.assign(server, {
    accessToken: 'access-0',
    refreshToken: 'refresh-0',
    rotations: 0,
    refreshCalls: 0,
    reusedRefreshToken: false,
    refreshMode: 'ok',
    meCalls: [],
    slowGate: Promise.resolve(),
  });
  stored = { access: 'access-expired', refresh: 'refresh-0' };
});

function makeClient(overrides: Partial<ClinicClientOptions> = {}) {
  const onTokensRefreshed = vi.fn((tokens: Tokens) => {
    stored = { access: tokens.accessToken, refresh: tokens.refreshToken };
  });
  const onSessionExpired = vi.fn();
  const client = createTokenClient<TestRouter>(
    {
      baseUrl,
      getAccessToken: async () => stored.access,
      getRefreshToken: () => stored.refresh,
      onTokensRefreshed,
      onSessionExpired,
      ...overrides,
    },
    (plain, refreshToken) => plain.auth.refresh.mutate({ refreshToken }),
  );
  return { client, onTokensRefreshed, onSessionExpired };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
}

describe('refresh link', () => {
  it('refreshes an expired access token once and retries the call with the new one', async () => {
    const { client, onTokensRefreshed, onSessionExpired } = makeClient();

    const me = await client.users.me.query();

    expect(me).toEqual({ name: 'Amal', since: new Date('2025-01-02T03:04:05Z') });
    expect(server.refreshCalls).toBe(1);
    expect(server.meCalls).toEqual(['access-expired', 'access-1']);
    expect(onTokensRefreshed).toHaveBeenCalledExactlyOnceWith({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      expiresIn: 900,
      tokenType: 'Bearer',
    });
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('sends a valid token straight through without refreshing', async () => {
    stored.access = 'access-0';
    const { client, onTokensRefreshed } = makeClient();

    await expect(client.users.me.query()).resolves.toMatchObject({ name: 'Amal' });
    expect(server.refreshCalls).toBe(0);
    expect(onTokensRefreshed).not.toHaveBeenCalled();
  });

  it('shares one refresh between calls that fail together', async () => {
    const { client, onTokensRefreshed } = makeClient();

    const results = await Promise.all([client.users.me.query(), client.users.me.query(), client.users.me.query()]);

    expect(results.map((r) => r.name)).toEqual(['Amal', 'Amal', 'Amal']);
    expect(server.refreshCalls).toBe(1);
    expect(server.reusedRefreshToken).toBe(false);
    expect(onTokensRefreshed).toHaveBeenCalledOnce();
  });

  it('retries a call that was sent with the old token and fails after the refresh, without refreshing again', async () => {
    let openGate!: () => void;
    server.slowGate = new Promise<void>((resolve) => (openGate = resolve));
    const { client } = makeClient();

    const slow = client.users.slow.query();
    await new Promise((r) => setTimeout(r, 10)); // a separate HTTP batch, still holding the old token
    await expect(client.users.me.query()).resolves.toMatchObject({ name: 'Amal' });
    openGate();

    await expect(slow).resolves.toBe('slow ok');
    // A second refresh would have presented the rotated-away token and ended the session.
    expect(server.refreshCalls).toBe(1);
    expect(server.reusedRefreshToken).toBe(false);
  });

  it('retries only once: a call still refused after the refresh fails', async () => {
    const { client } = makeClient({
      // The app forgets to store the new token, so the retry is refused too.
      onTokensRefreshed: () => {},
    });

    const err = await rejectionOf(client.users.me.query());

    expect(isClinicError(err) && err.data.appCode).toBe('SESSION_EXPIRED');
    expect(server.refreshCalls).toBe(1);
    expect(server.meCalls).toHaveLength(2);
  });

  it('ends the session once when the server refuses the refresh token, and surfaces the original error', async () => {
    server.refreshMode = 'reject';
    const { client, onSessionExpired, onTokensRefreshed } = makeClient();

    const errors = await Promise.all([rejectionOf(client.users.me.query()), rejectionOf(client.users.me.query())]);

    for (const err of errors) {
      expect(isClinicError(err)).toBe(true);
      expect(err).toMatchObject({ message: 'token expired', data: { appCode: 'SESSION_EXPIRED', httpStatus: 401 } });
    }
    expect(server.refreshCalls).toBe(1);
    expect(onSessionExpired).toHaveBeenCalledOnce();
    expect(onTokensRefreshed).not.toHaveBeenCalled();
  });

  it('keeps the session when the refresh fails for another reason (server error)', async () => {
    server.refreshMode = 'crash';
    const { client, onSessionExpired } = makeClient();

    const err = await rejectionOf(client.users.me.query());

    expect(err).toMatchObject({ message: 'token expired', data: { httpStatus: 401 } });
    expect(server.refreshCalls).toBe(1);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('keeps the session when the server cannot be reached for the refresh', async () => {
    let calls = 0;
    const { client, onSessionExpired } = makeClient({
      // The first request (users.me) reaches the server; the refresh finds the network gone.
      fetch: (input, init) => (calls++ === 0 ? fetch(input, init) : Promise.reject(new TypeError('Network request failed'))),
    });

    const err = await rejectionOf(client.users.me.query());

    expect(err).toMatchObject({ message: 'token expired' });
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('does not refresh for auth procedures', async () => {
    const { client, onSessionExpired } = makeClient();

    const err = await rejectionOf(client.auth.changePassword.mutate());

    expect(err).toMatchObject({ data: { httpStatus: 401 } });
    expect(server.refreshCalls).toBe(0);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('surfaces the error untouched when there is no refresh token', async () => {
    stored.refresh = null;
    const { client, onSessionExpired } = makeClient();

    await expect(client.users.me.query()).rejects.toMatchObject({ data: { appCode: 'SESSION_EXPIRED' } });
    expect(server.refreshCalls).toBe(0);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('sends no Authorization header without an access token, and the extra headers always', async () => {
    stored.access = null;
    stored.refresh = null;
    const seen: (string | null)[][] = [];
    const { client } = makeClient({
      headers: () => ({ 'x-app-version': '1.2.3' }),
      fetch: (input, init) => {
        const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
        seen.push([headers.get('authorization'), headers.get('x-app-version')]);
        return fetch(input, init);
      },
    });

    await rejectionOf(client.users.me.query());

    expect(seen).toEqual([[null, '1.2.3']]);
    expect(server.meCalls).toEqual([null]);
  });
});

describe('isClinicError', () => {
  it('is false for anything that is not an API error', () => {
    expect(isClinicError(new Error('boom'))).toBe(false);
    expect(isClinicError({ data: { appCode: 'FORBIDDEN' } })).toBe(false);
    expect(isClinicError(null)).toBe(false);
  });
});
