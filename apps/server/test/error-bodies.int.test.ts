import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVerified, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

/** One translator (toErrorBody): REST, tRPC and the plain routes say the same thing (the assistant: packages/agent/src/failure.test.ts). */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const BAD_REGISTRATION = { email: 'not-an-email', password: 'long enough password', fullName: 'Test Patient' };

async function trpcMutation(path: string, input: unknown, token?: string) {
  const res = await fetch(`${s.baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ json: input }),
  });
  return { status: res.status, error: ((await res.json()) as any).error.json };
}

describe('one error body on every face', () => {
  it('REST validation errors carry the message and fieldErrors tRPC gives, and no zod issues', async () => {
    const rest = await s.rest('POST', '/auth/register', BAD_REGISTRATION);
    const trpc = await trpcMutation('auth.register', BAD_REGISTRATION);
    expect(rest.status).toBe(400);
    expect(trpc.status).toBe(400);
    expect(rest.body.message).toBe(trpc.error.message);
    expect(rest.body.message).toMatch(/^Invalid input: email /);
    expect(rest.body).toEqual({
      message: rest.body.message,
      code: 'BAD_REQUEST',
      data: { appCode: 'VALIDATION_FAILED', httpStatus: 400, fieldErrors: trpc.error.data.fieldErrors, requestId: rest.headers.get('x-request-id') },
    });
    expect(Object.keys(rest.body.data.fieldErrors)).toEqual(['email']);
    expect(JSON.stringify(rest.body)).not.toMatch(/issues|regex|pattern/);
  });

  it('names unknown fields and the fields of query strings', async () => {
    const extra = await s.rest('POST', '/auth/login', { email: 'a@example.test', password: 'x', isAdmin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.data.fieldErrors).toMatchObject({ isAdmin: ['is not a known field'] });
    const query = await s.rest('GET', '/physicians?limit=5000');
    expect(query.status).toBe(400);
    expect(Object.keys(query.body.data.fieldErrors)).toEqual(['limit']);
    expect(query.body.message).toMatch(/^Invalid input: limit /);
  });

  it('domain errors keep their code and message over REST, with the request id', async () => {
    const p = await registerVerified(s);
    const again = await s.rest('POST', '/auth/register', { email: p.email, password: 'another long password', fullName: 'Again' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      message: expect.any(String),
      code: 'CONFLICT',
      data: { appCode: 'EMAIL_TAKEN', httpStatus: 409, requestId: again.headers.get('x-request-id') },
    });
    const fresh = uniqueEmail();
    expect((await s.rest('POST', '/auth/register', { email: fresh, password: 'long enough password', fullName: 'Fresh' })).status).toBe(200);
    const resend = await s.rest('POST', '/auth/resend-code', { email: fresh });
    expect(resend.status).toBe(429);
    expect(resend.body.code).toBe('TOO_MANY_REQUESTS');
    expect(resend.body.data).toEqual({ appCode: 'RATE_LIMITED', httpStatus: 429, retryAfter: Number(resend.headers.get('retry-after')), requestId: resend.headers.get('x-request-id') });
  });

  it('the PDF receipt route answers a bad id with a field error, not a zod dump', async () => {
    const p = await registerVerified(s);
    const res = await fetch(`${s.baseUrl}/api/v1/payments/not-an-id/receipt.pdf`, { headers: { authorization: `Bearer ${p.accessToken}` } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: 400, requestId: res.headers.get('x-request-id') });
    expect(Object.keys(body.data.fieldErrors)).toEqual(['id']);
    expect(body.message).toMatch(/^Invalid input: id /);
    expect(body.message).not.toMatch(/[[{]/);
    const anonymous = await fetch(`${s.baseUrl}/api/v1/payments/${'a'.repeat(24)}/receipt.pdf`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).data.appCode).toBe('UNAUTHENTICATED');
  });

  it('unknown REST paths, wrong content types and broken JSON get the same body', async () => {
    const missing = await s.rest('GET', '/no/such/thing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'No route for GET /api/v1/no/such/thing', code: 'NOT_FOUND', data: { appCode: 'NOT_FOUND', httpStatus: 404, requestId: missing.headers.get('x-request-id') } });
    const text = await fetch(`${s.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    const xml = await fetch(`${s.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    const none = await fetch(`${s.baseUrl}/api/v1/users/me/whatsapp/link-code`, { method: 'POST' });
    for (const res of [text, xml, none]) {
      expect(res.status).toBe(415);
      expect(((await res.json()) as any)).toMatchObject({ message: 'Unsupported content type; send application/json.', data: { appCode: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415 } });
    }
    const broken = await s.rest('POST', '/auth/login', '{oops');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ code: 'PARSE_ERROR', data: { appCode: 'VALIDATION_FAILED', httpStatus: 400 } });
  });
});
