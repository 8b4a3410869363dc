import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('account life over REST', () => {
  it('register → code by SMTP → verify → login → me → refresh → reuse kills family → logout → forgot → reset', async () => {
    const email = uniqueEmail();
    const password = 'first password 1';

    const reg = await s.rest('POST', '/auth/register', { email: email.toUpperCase(), password, fullName: 'Layla Hassan', phone: '+971501234567' });
    expect(reg.status).toBe(200);
    expect(reg.body).toMatchObject({ email, verificationRequired: true });

    // Unverified accounts cannot sign in yet, and say why.
    const early = await s.rest('POST', '/auth/login', { email, password });
    expect(early.status).toBe(403);
    expect(early.body.data.appCode).toBe('EMAIL_NOT_VERIFIED');

    const code = await s.inbox.codeFor(email, /verification code/);
    const verified = await s.rest('POST', '/auth/verify', { email, code });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ email, fullName: 'Layla Hassan', role: 'patient', emailVerified: true, phone: '+971501234567' });
    expect(verified.body.user).not.toHaveProperty('passwordHash');

    // A used code cannot be replayed.
    expect((await s.rest('POST', '/auth/verify', { email, code })).status).toBe(422);

    const login = await s.rest('POST', '/auth/login', { email, password });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.body;

    const me = await s.rest('GET', '/users/me', undefined, accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email, role: 'patient' });
    expect(JSON.stringify(me.body)).not.toMatch(/password|hash/i);
    expect(new Date(me.body.createdAt).toString()).not.toBe('Invalid Date');

    // Rotation: the new pair works, the old refresh token is spent.
    const r1 = await s.rest('POST', '/auth/refresh', { refreshToken });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(refreshToken);
    expect((await s.rest('GET', '/users/me', undefined, r1.body.accessToken)).status).toBe(200);

    // Presenting the spent token again is treated as theft: the whole session dies.
    const replay = await s.rest('POST', '/auth/refresh', { refreshToken });
    expect(replay.status).toBe(401);
    expect((await s.rest('POST', '/auth/refresh', { refreshToken: r1.body.refreshToken })).status).toBe(401);
    const dead = await s.rest('GET', '/users/me', undefined, r1.body.accessToken);
    expect(dead.status).toBe(401);
    expect(dead.body.data.appCode).toBe('SESSION_EXPIRED');

    // Logout ends that session, its access token included.
    const l2 = await s.rest('POST', '/auth/login', { email, password });
    expect((await s.rest('POST', '/auth/logout', { refreshToken: l2.body.refreshToken })).body).toEqual({ ok: true });
    expect((await s.rest('GET', '/users/me', undefined, l2.body.accessToken)).status).toBe(401);
    expect((await s.rest('POST', '/auth/refresh', { refreshToken: l2.body.refreshToken })).status).toBe(401);

    // Forgot → reset: the new password works, the old one and every old session do not.
    const keep = await s.rest('POST', '/auth/login', { email, password });
    const forgot = await s.rest('POST', '/auth/forgot-password', { email });
    expect(forgot.status).toBe(200);
    const resetCode = await s.inbox.codeFor(email, /reset code/);
    const newPassword = 'second password 2';
    expect((await s.rest('POST', '/auth/reset', { email, code: resetCode, newPassword })).status).toBe(200);
    expect((await s.rest('GET', '/users/me', undefined, keep.body.accessToken)).status).toBe(401);
    expect((await s.rest('POST', '/auth/refresh', { refreshToken: keep.body.refreshToken })).status).toBe(401);
    expect((await s.rest('POST', '/auth/login', { email, password })).status).toBe(401);
    expect((await s.rest('POST', '/auth/login', { email, password: newPassword })).status).toBe(200);
  });

  it('duplicate email → 409, whatever its case', async () => {
    const email = uniqueEmail();
    expect((await s.rest('POST', '/auth/register', { email, password: 'password123', fullName: 'A' })).status).toBe(200);
    const dup = await s.rest('POST', '/auth/register', { email: email.toUpperCase(), password: 'password123', fullName: 'B' });
    expect(dup.status).toBe(409);
    expect(dup.body.data.appCode).toBe('EMAIL_TAKEN');
    expect(await s.database.cols.users.countDocuments({ email })).toBe(1);
  });

  it('unknown email and wrong password answer the same', async () => {
    const email = uniqueEmail();
    await s.rest('POST', '/auth/register', { email, password: 'password123', fullName: 'A' });
    await s.rest('POST', '/auth/verify', { email, code: await s.inbox.codeFor(email, /verification/) });
    const wrong = await s.rest('POST', '/auth/login', { email, password: 'wrong-password' });
    const unknown = await s.rest('POST', '/auth/login', { email: uniqueEmail(), password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
    expect(wrong.body.data.appCode).toBe(unknown.body.data.appCode);
  });

  it('forgot-password answers the same for unknown addresses and sends nothing', async () => {
    const email = uniqueEmail();
    const res = await s.rest('POST', '/auth/forgot-password', { email });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(true);
    expect(s.inbox.count(email)).toBe(0);
  });

  it('change-password keeps this session, ends the others, and checks the current password', async () => {
    const email = uniqueEmail();
    await s.rest('POST', '/auth/register', { email, password: 'password-one', fullName: 'A' });
    const here = await s.rest('POST', '/auth/verify', { email, code: await s.inbox.codeFor(email, /verification/) });
    const other = await s.rest('POST', '/auth/login', { email, password: 'password-one' });
    const bad = await s.rest('POST', '/auth/change-password', { currentPassword: 'nope-nope', newPassword: 'password-two' }, here.body.accessToken);
    expect(bad.status).toBe(401);
    const ok = await s.rest('POST', '/auth/change-password', { currentPassword: 'password-one', newPassword: 'password-two' }, here.body.accessToken);
    expect(ok.status).toBe(200);
    expect((await s.rest('GET', '/users/me', undefined, here.body.accessToken)).status).toBe(200);
    expect((await s.rest('GET', '/users/me', undefined, other.body.accessToken)).status).toBe(401);
    expect((await s.rest('POST', '/auth/login', { email, password: 'password-two' })).status).toBe(200);
  });

  it('requests without or with a forged token are refused', async () => {
    expect((await s.rest('GET', '/users/me')).status).toBe(401);
    const forged = await s.rest('GET', '/users/me', undefined, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad');
    expect(forged.status).toBe(401);
    expect(forged.body.data.appCode).toBe('SESSION_EXPIRED');
  });
});
