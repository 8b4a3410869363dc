import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    auth: { limits: { loginPerAccount: { max: 5, windowSeconds: 900 }, loginPerIp: { max: 1000, windowSeconds: 900 } } },
  });
});
afterAll(() => s.close());

async function register(email = uniqueEmail()) {
  const res = await s.rest('POST', '/auth/register', { email, password: 'password123', fullName: 'Limit Tester' });
  expect(res.status).toBe(200);
  return { email, code: await s.inbox.codeFor(email, /verification code/) };
}

const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('one-time codes and rate limits', () => {
  it('five wrong codes lock the code; even the right one is refused until a new code is sent', async () => {
    const { email, code } = await register();
    for (let i = 0; i < 4; i++) {
      const res = await s.rest('POST', '/auth/verify', { email, code: otherCode(code) });
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(`${4 - i} ${4 - i === 1 ? 'try' : 'tries'} left`);
    }
    const fifth = await s.rest('POST', '/auth/verify', { email, code: otherCode(code) });
    expect(fifth.body.data.appCode).toBe('CODE_LOCKED');
    const right = await s.rest('POST', '/auth/verify', { email, code });
    expect(right.status).toBe(422);
    expect(right.body.data.appCode).toBe('CODE_LOCKED');
    expect((await s.database.cols.users.findOne({ email }))!.emailVerifiedAt).toBeNull();

    // After the cooldown, a fresh code works.
    s.clock.advance(61_000);
    expect((await s.rest('POST', '/auth/resend-code', { email })).status).toBe(200);
    const fresh = await s.inbox.codeFor(email, /verification code/, 1);
    expect((await s.rest('POST', '/auth/verify', { email, code: fresh })).status).toBe(200);
  });

  it('a code older than 10 minutes is refused as expired', async () => {
    const { email, code } = await register();
    s.clock.advance(10 * 60_000 + 1_000);
    const res = await s.rest('POST', '/auth/verify', { email, code });
    expect(res.status).toBe(422);
    expect(res.body.data.appCode).toBe('CODE_EXPIRED');
  });

  it('resend inside the cooldown → 429 with Retry-After, and no second mail', async () => {
    const { email } = await register();
    const res = await s.rest('POST', '/auth/resend-code', { email });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.body.data.retryAfter).toBe(retryAfter);
    expect(s.inbox.count(email)).toBe(1);
  });

  it('login brute force on one account → 429 with Retry-After, even with the right password', async () => {
    const { email, code } = await register();
    await s.rest('POST', '/auth/verify', { email, code });
    for (let i = 0; i < 5; i++) {
      expect((await s.rest('POST', '/auth/login', { email, password: `guess-${i}-xxxx` })).status).toBe(401);
    }
    const blocked = await s.rest('POST', '/auth/login', { email, password: 'password123' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('per-IP limit', () => {
  it('too many logins from one address → 429 on the tRPC face too', async () => {
    const t = await startTestServer({ auth: { limits: { loginPerIp: { max: 3, windowSeconds: 900 } } } });
    try {
      const call = () =>
        fetch(`${t.baseUrl}/trpc/auth.login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ json: { email: uniqueEmail(), password: 'whatever-123' } }),
        });
      for (let i = 0; i < 3; i++) expect((await call()).status).toBe(401);
      const res = await call();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = await res.json() as any;
      expect(body.error.json.data.appCode).toBe('RATE_LIMITED');
    } finally {
      await t.close();
    }
  });
});
