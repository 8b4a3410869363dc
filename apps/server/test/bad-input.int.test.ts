import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ bodyLimit: 10_000 });
});
afterAll(() => s.close());

const ENDPOINTS: Record<string, Record<string, unknown>> = {
  '/auth/register': { email: 'new.user@example.test', password: 'password123', fullName: 'New User' },
  '/auth/verify': { email: 'new.user@example.test', code: '123456' },
  '/auth/resend-code': { email: 'new.user@example.test' },
  '/auth/login': { email: 'new.user@example.test', password: 'password123' },
  '/auth/refresh': { refreshToken: 'x'.repeat(43) },
  '/auth/logout': { refreshToken: 'x'.repeat(43) },
  '/auth/forgot-password': { email: 'new.user@example.test' },
  '/auth/reset': { email: 'new.user@example.test', code: '123456', newPassword: 'password123' },
};

async function snapshot() {
  const c = s.database.cols;
  return {
    users: await c.users.countDocuments(),
    sessions: await c.sessions.countDocuments(),
    codes: await c.oneTimeCodes.countDocuments(),
    limits: await c.rateLimits.countDocuments(),
  };
}

function breakings(valid: Record<string, unknown>): [string, string | object, number][] {
  const [firstKey] = Object.keys(valid) as [string];
  return [
    ['malformed JSON', '{"email": "a@b.c",', 400],
    ['empty body', '', 400],
    ['JSON that is not an object', '[1,2,3]', 400],
    ['missing fields', {}, 400],
    ['wrong types', Object.fromEntries(Object.keys(valid).map((k) => [k, 12345])), 400],
    ['null field', { ...valid, [firstKey]: null }, 400],
    ['unknown field', { ...valid, isAdmin: true }, 400],
    ['oversized body', { ...valid, padding: 'x'.repeat(20_000) }, 413],
  ];
}

describe('bad input on every auth endpoint → clear 4xx, nothing written', () => {
  for (const [path, valid] of Object.entries(ENDPOINTS)) {
    for (const [label, body, status] of breakings(valid)) {
      it(`${path}: ${label} → ${status}`, async () => {
        const before = await snapshot();
        const res = await s.rest('POST', path, body);
        expect(res.status).toBe(status);
        expect(typeof res.body.message).toBe('string');
        expect(res.body.message.length).toBeGreaterThan(0);
        expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
        expect(await snapshot()).toEqual(before);
      });
    }

    it(`${path}: wrong content type → 415`, async () => {
      const before = await snapshot();
      const res = await fetch(`${s.baseUrl}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(res.status).toBe(415);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('validation errors name the field', async () => {
    const res = await s.rest('POST', '/auth/register', { email: 'nope', password: 'short', fullName: 'A', phone: '0501234567' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data.fieldErrors).sort()).toEqual(['email', 'password', 'phone']);
    expect(res.body.data.fieldErrors.password[0]).toMatch(/at least 8/);
    const unknown = await s.rest('POST', '/auth/login', { email: 'a@b.co', password: 'x', extra: 1 });
    expect(unknown.body.data.fieldErrors).toEqual({ extra: ['is not a known field'] });
  });

  it('the tRPC face answers malformed input with 400 too, naming the field', async () => {
    const res = await fetch(`${s.baseUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: 42 } }),
    });
    expect(res.status).toBe(400);
    const body = await res.json() as any;
    expect(body.error.json.message).toMatch(/email/);
    expect(body.error.json.data.fieldErrors).toHaveProperty('email');
    expect(body.error.json.data).not.toHaveProperty('stack');
    const broken = await fetch(`${s.baseUrl}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(broken.status).toBe(400);
  });

  it('unknown routes → 404 in the same error shape', async () => {
    const res = await s.rest('GET', '/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.body.data.appCode).toBe('NOT_FOUND');
    const outside = await fetch(`${s.baseUrl}/nope`);
    expect(outside.status).toBe(404);
    expect((await outside.json() as any).data.appCode).toBe('NOT_FOUND');
  });
});
