import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext, hashPassword, type AppRouter } from '@clinic/api';
import { seedDatabase } from '@clinic/db';
import { registerVerified, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

let s: TestServer;
let admin: { accessToken: string };
beforeAll(async () => {
  s = await startTestServer();
  await seedDatabase(s.database, { hashPassword, password: 'seed-password-1' });
  admin = (await s.rest('POST', '/auth/login', { email: 'admin@clinic.test', password: 'seed-password-1' })).body;
});
afterAll(() => s.close());

const trpcAs = (token: string) =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${s.baseUrl}/trpc`, transformer: superjson, headers: { authorization: `Bearer ${token}` } })],
  });

describe('role guard', () => {
  const newDoctor = () => ({ email: uniqueEmail('doctor'), password: 'doctor-pass-1', fullName: 'Dr. New', role: 'doctor' as const });

  it('a patient calling an admin procedure → 403 over REST, nothing created', async () => {
    const patient = await registerVerified(s);
    const input = newDoctor();
    const res = await s.rest('POST', '/admin/users', input, patient.accessToken);
    expect(res.status).toBe(403);
    expect(res.body.data.appCode).toBe('FORBIDDEN');
    expect(await s.database.cols.users.countDocuments({ email: input.email })).toBe(0);
  });

  it('a patient calling an admin procedure → 403 over tRPC', async () => {
    const patient = await registerVerified(s);
    const err = await trpcAs(patient.accessToken).users.createStaff.mutate(newDoctor()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.httpStatus).toBe(403);
  });

  it('an admin creates a doctor, who can sign in at once (no self-registration for doctors)', async () => {
    const input = newDoctor();
    const created = await trpcAs(admin.accessToken).users.createStaff.mutate(input);
    expect(created).toMatchObject({ email: input.email, role: 'doctor', emailVerified: true });
    expect(created.createdAt).toBeInstanceOf(Date); // superjson keeps Dates on the tRPC face
    const login = await s.rest('POST', '/auth/login', { email: input.email, password: input.password });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe('doctor');
  });

  it('register always makes a patient, whatever the body says', async () => {
    const res = await s.rest('POST', '/auth/register', { email: uniqueEmail(), password: 'password123', fullName: 'X', role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.data.fieldErrors).toHaveProperty('role');
  });
});

describe('createCaller with a synthetic context (the WhatsApp path)', () => {
  it('runs the same procedures under the same rules', async () => {
    const patient = await registerVerified(s);
    const ctx = createInternalContext(s.services, { userId: patient.userId, role: 'patient', sessionId: null }, 'test-req', 'whatsapp');
    const caller = createCaller(ctx);
    const me = await caller.users.me();
    expect(me).toMatchObject({ id: patient.userId, email: patient.email, role: 'patient' });

    await expect(caller.users.createStaff(newStaff())).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createCaller(createInternalContext(s.services, null, 'anon')).users.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a server-side caller without a login session can change the password; every app session then ends', async () => {
    const patient = await registerVerified(s, 'old-password-1');
    const caller = createCaller(createInternalContext(s.services, { userId: patient.userId, role: 'patient', sessionId: null }, 'r'));
    await expect(caller.auth.changePassword({ currentPassword: 'old-password-1', newPassword: 'new-password-2' })).resolves.toEqual({ ok: true });
    expect((await s.rest('GET', '/users/me', undefined, patient.accessToken)).status).toBe(401);
    expect((await s.rest('POST', '/auth/login', { email: patient.email, password: 'new-password-2' })).status).toBe(200);
  });

  it('validates input exactly like the HTTP faces', async () => {
    const caller = createCaller(createInternalContext(s.services, null, 'x'));
    await expect(caller.auth.register({ email: 'not-an-email', password: 'short', fullName: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

function newStaff() {
  return { email: uniqueEmail('staff'), password: 'staff-pass-1', fullName: 'Staff', role: 'staff' as const };
}
