import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClinicClient, isClinicError, type Tokens } from '@clinic/sdk';
import { startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

/** What a React Native app keeps in secure storage. */
function tokenStore() {
  const store = { access: null as string | null, refresh: null as string | null, expiredCalls: 0, refreshed: 0 };
  const client = createClinicClient({
    baseUrl: s.baseUrl,
    getAccessToken: () => store.access,
    getRefreshToken: () => store.refresh,
    onTokensRefreshed: (t: Tokens) => {
      store.access = t.accessToken;
      store.refresh = t.refreshToken;
      store.refreshed++;
    },
    onSessionExpired: () => {
      store.expiredCalls++;
      store.access = store.refresh = null;
    },
  });
  return { store, client };
}

describe('the SDK against the live server', () => {
  it('runs the account life and refreshes an expired access token transparently, once', async () => {
    const { store, client } = tokenStore();
    const email = uniqueEmail();
    await client.auth.register.mutate({ email, password: 'sdk-password-1', fullName: 'Noura SDK' });
    const code = await s.inbox.codeFor(email, /verification code/);
    const verified = await client.auth.verify.mutate({ email, code });
    expect(verified.user.email).toBe(email);
    expect(verified.user.createdAt).toBeInstanceOf(Date);

    const login = await client.auth.login.mutate({ email, password: 'sdk-password-1' });
    store.access = login.accessToken;
    store.refresh = login.refreshToken;
    expect((await client.users.me.query()).fullName).toBe('Noura SDK');

    // The access token goes stale: two parallel calls share one refresh and both succeed.
    s.clock.advance(16 * 60_000);
    const [a, b] = await Promise.all([client.users.me.query(), client.users.me.query()]);
    expect(a.email).toBe(email);
    expect(b.email).toBe(email);
    expect(store.refreshed).toBe(1);
    expect(store.refresh).not.toBe(login.refreshToken);

    // Logout: the refresh token dies; the next call ends the session in the app.
    await client.auth.logout.mutate({ refreshToken: store.refresh! });
    s.clock.advance(16 * 60_000);
    const err = await client.users.me.query().catch((e: unknown) => e);
    expect(isClinicError(err)).toBe(true);
    expect(store.expiredCalls).toBe(1);

    // Forgot → reset through the SDK.
    await client.auth.forgotPassword.mutate({ email });
    const resetCode = await s.inbox.codeFor(email, /reset code/);
    await client.auth.resetPassword.mutate({ email, code: resetCode, newPassword: 'sdk-password-2' });
    const again = await client.auth.login.mutate({ email, password: 'sdk-password-2' });
    expect(again.user.email).toBe(email);
  });

  it('surfaces domain errors with their code and field errors', async () => {
    const { client } = tokenStore();
    const err = await client.auth.register.mutate({ email: 'bad', password: 'x', fullName: 'A' }).catch((e: unknown) => e);
    expect(isClinicError(err)).toBe(true);
    if (isClinicError(err)) {
      expect(err.data?.appCode).toBe('VALIDATION_FAILED');
      expect(Object.keys(err.data?.fieldErrors ?? {})).toEqual(expect.arrayContaining(['email', 'password']));
    }
  });
});
