import { randomInt } from 'node:crypto';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext, type AppRouter } from '@clinic/api';
import { insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, type TwilioApi } from './support/twilio.ts';

let api: TwilioApi;
let s: TestServer;
let staff: Awaited<ReturnType<typeof makeStaff>>;
let admin: Awaited<ReturnType<typeof makeStaff>>;
let doctor: Awaited<ReturnType<typeof makeStaff>>;
let patient: Awaited<ReturnType<typeof makePatients>>[number];

beforeAll(async () => {
  api = await startTwilioApi();
  s = await startTestServer({ twilio: { api } });
  [staff, admin, doctor] = [await makeStaff(s, 'staff'), await makeStaff(s, 'admin'), await makeStaff(s, 'doctor')];
  patient = (await makePatients(s, 1))[0]!;
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});

const newPhone = () => `+97155${randomInt(1_000_000, 9_999_999)}`;
const flagged = (token?: string) => s.rest('GET', '/staff/conversations/flagged', undefined, token);
// A JSON body, as every REST POST takes (`{}`: the number is in the path).
const release = (phone: string, token?: string) => s.rest('POST', `/staff/conversations/${encodeURIComponent(phone)}/release`, {}, token);

describe('staff hand-back of WhatsApp conversations', () => {
  it('a conversation flagged by "human please" is listed; staff release it and the assistant answers again', async () => {
    const phone = newPhone();
    expect((await sendWhatsApp(s, api, phone, 'hi')).length).toBeGreaterThan(0);
    expect((await sendWhatsApp(s, api, phone, 'human please')).length).toBe(1);
    // Waiting for staff: the assistant only says a person will answer.
    expect(await sendWhatsApp(s, api, phone, 'hello?')).toEqual([expect.stringMatching(/A person will answer here .*For emergencies call 998/)]);

    const list = await flagged(staff.accessToken);
    expect(list.status).toBe(200);
    const item = list.body.items.find((c: { phone: string }) => c.phone === phone);
    expect(item).toMatchObject({ phone, reason: 'requested', userId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    // On the clinic's clock, like every other time the API returns (Dubai: +04:00), and the same instant.
    expect(item.flaggedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+04:00$/);
    const stored = await s.database.cols.conversations.findOne({ _id: phone });
    expect(new Date(item.flaggedAt).getTime()).toBe(stored!.flagged!.at.getTime());

    const res = await release(phone, staff.accessToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ released: true });
    expect((await flagged(admin.accessToken)).body.items.map((c: { phone: string }) => c.phone)).not.toContain(phone);

    const replies = await sendWhatsApp(s, api, phone, 'hi');
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.join('\n')).toContain('1 Find a physician and book');
    // Releasing again: nothing is waiting for staff.
    expect((await release(phone, admin.accessToken)).status).toBe(404);
  });

  it('patients and doctors get 403, no token 401, a bad token 401; nothing is released', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'I want to talk to a human');
    for (const token of [patient.accessToken, doctor.accessToken]) {
      expect((await flagged(token)).status).toBe(403);
      const res = await release(phone, token);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'FORBIDDEN', data: { appCode: 'FORBIDDEN', httpStatus: 403 } });
    }
    const anonymous = await flagged();
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.data.appCode).toBe('UNAUTHENTICATED');
    expect((await release(phone)).status).toBe(401);
    const bad = await release(phone, 'not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.body.data.appCode).toBe('SESSION_EXPIRED');
    // Still with staff: the assistant only says a person will answer.
    expect(await sendWhatsApp(s, api, phone, 'anyone?')).toEqual([expect.stringMatching(/A person will answer here/)]);
    expect((await flagged(staff.accessToken)).body.items.map((c: { phone: string }) => c.phone)).toContain(phone);
  });

  it('a number that is not E.164 is a 400 naming the field; one never flagged is a 404', async () => {
    const bad = await release('0501234567', staff.accessToken);
    expect(bad.status).toBe(400);
    expect(bad.body.data).toMatchObject({ appCode: 'VALIDATION_FAILED', fieldErrors: { phone: [expect.stringContaining('E.164')] } });
    const none = await release(newPhone(), staff.accessToken);
    expect(none.status).toBe(404);
    expect(none.body.data.appCode).toBe('NOT_FOUND');
  });

  it("another clinic's staff see none of the shared number's hand-overs and cannot release one; the first clinic's still can", async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'hi');
    await sendWhatsApp(s, api, phone, 'human please');
    const other = await insertSecondClinic(s);
    const otherStaff = (await makeClinicStaff(s, other._id, 'staff')).accessToken;

    const theirs = await flagged(otherStaff);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    expect((await release(phone, otherStaff)).status).toBe(404);
    expect((await flagged(staff.accessToken)).body.items.map((c: { phone: string }) => c.phone)).toContain(phone);
    expect((await release(phone, staff.accessToken)).status).toBe(200);
  });

  it('is in the OpenAPI document as staff-only operations', async () => {
    const doc = (await s.rest('GET', '/openapi.json')).body;
    expect(doc.paths['/staff/conversations/flagged'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/staff/conversations/{phone}/release'].post.parameters).toContainEqual(expect.objectContaining({ name: 'phone', in: 'path' }));
  });
});

describe('the same inbox over tRPC and createCaller', () => {
  const trpcAs = (token?: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${s.baseUrl}/trpc`, transformer: superjson, headers: token ? { authorization: `Bearer ${token}` } : {} })],
    });
  const status = (err: unknown) => (err instanceof TRPCClientError ? (err as TRPCClientError<AppRouter>).data?.httpStatus : err);

  it('staff list and release over tRPC; a patient gets 403 and no token 401', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    expect(status(await trpcAs(patient.accessToken).conversations.flagged.query().catch((e: unknown) => e))).toBe(403);
    expect(status(await trpcAs().conversations.release.mutate({ phone }).catch((e: unknown) => e))).toBe(401);
    const { items } = await trpcAs(staff.accessToken).conversations.flagged.query();
    expect(items).toContainEqual(expect.objectContaining({ phone, reason: 'requested' }));
    expect(await trpcAs(admin.accessToken).conversations.release.mutate({ phone })).toEqual({ released: true });
  });

  it('server-side callers are held to the same guard: a patient is FORBIDDEN, no actor UNAUTHORIZED, nothing released', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    const asPatient = createCaller(createInternalContext(s.services, { userId: patient.userId, role: 'patient', sessionId: null }, 'test-patient', 'whatsapp'));
    await expect(asPatient.conversations.flagged()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asPatient.conversations.release({ phone })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = createCaller(createInternalContext(s.services, null, 'test-anonymous'));
    await expect(anonymous.conversations.flagged()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(anonymous.conversations.release({ phone })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await sendWhatsApp(s, api, phone, 'still there?')).toEqual([expect.stringMatching(/A person will answer here/)]);

    const asStaff = createCaller(createInternalContext(s.services, { userId: staff.userId, role: 'staff', sessionId: null }, 'test-staff'));
    expect((await asStaff.conversations.flagged()).items.map((c) => c.phone)).toContain(phone);
    await expect(asStaff.conversations.release({ phone })).resolves.toEqual({ released: true });
  });
});
