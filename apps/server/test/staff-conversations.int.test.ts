import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const release = (phone: string, token?: string) => s.rest('POST', `/staff/conversations/${encodeURIComponent(phone)}/release`, undefined, token);

describe('staff hand-back of WhatsApp conversations', () => {
  it('a conversation flagged by "human please" is listed; staff release it and the assistant answers again', async () => {
    const phone = newPhone();
    expect((await sendWhatsApp(s, api, phone, 'hi')).length).toBeGreaterThan(0);
    expect((await sendWhatsApp(s, api, phone, 'human please')).length).toBe(1);
    expect(await sendWhatsApp(s, api, phone, 'hello?')).toEqual([]);

    const list = await flagged(staff.accessToken);
    expect(list.status).toBe(200);
    const item = list.body.items.find((c: { phone: string }) => c.phone === phone);
    expect(item).toMatchObject({ phone, reason: 'requested', userId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(new Date(item.flaggedAt).toISOString()).toBe(item.flaggedAt);

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
    // Still with staff: the assistant stays silent.
    expect(await sendWhatsApp(s, api, phone, 'anyone?')).toEqual([]);
    expect((await flagged(staff.accessToken)).body.items.map((c: { phone: string }) => c.phone)).toContain(phone);
  });

  it('a number that is not E.164 is a 400; one never flagged is a 404', async () => {
    expect((await release('0501234567', staff.accessToken)).status).toBe(400);
    expect((await release(newPhone(), staff.accessToken)).status).toBe(404);
  });
});
