import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_LIMIT } from '@clinic/agent';
import type { ClinicDoc } from '@clinic/db';
import { insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, type TwilioApi } from './support/twilio.ts';

// Emergencies through the real webhook path (signed Twilio form → queue → assistant → Twilio REST), in menu mode:
// answered before the flood limit and the staff hand-over, self-harm with the crisis line the clinic configures.
const B_NUMBER = '+97165550199';

let api: TwilioApi;
let s: TestServer;
let clinicB: ClinicDoc;
let adminA: string;
let adminB: string;

beforeAll(async () => {
  api = await startTwilioApi();
  s = await startTestServer({ twilio: { api } });
  clinicB = (await s.services.clinic.setIntegrations((await insertSecondClinic(s))._id, { whatsappNumber: B_NUMBER }))!;
  adminA = (await makeStaff(s, 'admin')).accessToken;
  adminB = (await makeClinicStaff(s, clinicB._id, 'admin')).accessToken;
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});
afterEach(() => api.reset());

const newPhone = () => `+97155${String(randomInt(1_000_000, 9_999_999))}`;
const setCrisisLine = (crisisLine: unknown, token = adminA) => s.rest('PATCH', '/admin/clinic', { crisisLine }, token);
const MEDICAL_EN = /medical emergency[\s\S]*998[\s\S]*999/;
const MEDICAL_AR = /حالة طبية طارئة[\s\S]*998[\s\S]*999/;

describe('the crisis line a clinic configures (PATCH /admin/clinic)', () => {
  it('an admin sets it, patients see it on GET /clinic; null removes it', async () => {
    const set = await setCrisisLine('800 4673');
    expect(set.status).toBe(200);
    expect(set.body.crisisLine).toBe('800 4673');
    expect((await s.rest('GET', '/clinic')).body.crisisLine).toBe('800 4673');
    // Arabic-Indic digits are stored as dialled in ASCII.
    expect((await setCrisisLine('+٩٧١ ٤ ٥١٩ ٢٥١٩')).body.crisisLine).toBe('+971 4 519 2519');
    expect((await setCrisisLine(null)).body.crisisLine).toBeNull();
    expect((await s.rest('GET', '/clinic')).body.crisisLine).toBeNull();
  });

  it('a value that is not a number is a 400 naming crisisLine, a staff member gets 403; nothing changes', async () => {
    await setCrisisLine('800 4673');
    for (const bad of ['call us', '12', '+971 4 519 2519 ext 3', '8004673800467380046', 42, { $gt: '' }]) {
      const res = await setCrisisLine(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(bad)).toContain('crisisLine');
    }
    expect((await s.rest('PATCH', '/admin/clinic', { crisisLine: '800 4673', phone: '+97140000000' }, adminA)).status).toBe(400);
    // A body that is not an object is refused, not read as "nothing to change".
    for (const notObject of ['123', 'null', '[]', 'true']) expect((await s.rest('PATCH', '/admin/clinic', notObject, adminA)).status, notObject).toBe(400);
    const staff = await makeStaff(s, 'staff');
    expect((await setCrisisLine('999', staff.accessToken)).status).toBe(403);
    expect((await s.rest('GET', '/clinic')).body.crisisLine).toBe('800 4673');
  });
});

describe('emergencies are answered first', () => {
  it('"my chest hurts" from a number over the flood limit still gets the emergency reply, in English and Arabic', async () => {
    const phone = newPhone();
    for (let i = 0; i < INBOUND_LIMIT.max; i++) await sendWhatsApp(s, api, phone, 'hi');
    // Over the limit: one notice, then silence for ordinary messages…
    expect((await sendWhatsApp(s, api, phone, 'hi')).join('\n')).toContain('faster than I can answer');
    expect(await sendWhatsApp(s, api, phone, 'hi again')).toEqual([]);
    // …but never for an emergency.
    expect((await sendWhatsApp(s, api, phone, 'my chest hurts')).join('\n')).toMatch(MEDICAL_EN);
    expect((await sendWhatsApp(s, api, phone, 'صدري يوجعني')).join('\n')).toMatch(MEDICAL_AR);
    expect((await sendWhatsApp(s, api, phone, 'مــا أقدر أتنفّس')).join('\n')).toMatch(MEDICAL_AR);
  });

  it('a conversation handed to staff still gets the emergency reply, and stays with staff', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'talk to a human');
    const before = await s.database.cols.conversations.findOne({ _id: phone });
    expect(before?.flagged).toBeTruthy();
    expect((await sendWhatsApp(s, api, phone, 'my dad collapsed')).join('\n')).toMatch(MEDICAL_EN);
    expect((await sendWhatsApp(s, api, phone, 'أبوي طاح وما يرد')).join('\n')).toMatch(MEDICAL_AR);
    const after = await s.database.cols.conversations.findOne({ _id: phone });
    expect(after?.flagged).toBeTruthy();
    // Staff read what the patient wrote and what the assistant answered.
    const transcript = after!.messages.map((m) => m.content).join('\n');
    expect(transcript).toContain('my dad collapsed');
    expect(transcript).toMatch(MEDICAL_EN);
  });

  it('self-harm on the shared number gets the first clinic’s crisis line beside 999 and 998, in English and Arabic', async () => {
    await setCrisisLine('800 4673');
    const phone = newPhone();
    const en = (await sendWhatsApp(s, api, phone, 'I want to kill myself')).join('\n');
    expect(en).toContain('Crisis line: 800 4673');
    expect(en).toContain('999');
    expect(en).toContain('998');
    expect(en).not.toMatch(/medical emergency/);
    const ar = (await sendWhatsApp(s, api, phone, 'أبي أموت')).join('\n');
    expect(ar).toContain('خط المساندة النفسية: 800 4673');
    expect(ar).toContain('999');
    expect(ar).toContain('998');
  });

  it("on a clinic's own number: its own crisis line, or 999/998 only while it has none", async () => {
    await setCrisisLine('800 4673');
    await setCrisisLine(null, adminB);
    const phone = newPhone();
    const none = (await sendWhatsApp(s, api, phone, 'i took all my pills', B_NUMBER)).join('\n');
    expect(none).toContain('999');
    expect(none).toContain('998');
    expect(none).toContain(clinicB.phone);
    expect(none).not.toContain('Crisis line');
    expect(none).not.toContain('800 4673');

    expect((await setCrisisLine('800 1234', adminB)).status).toBe(200);
    const own = (await sendWhatsApp(s, api, phone, 'ابغى انتحر', B_NUMBER)).join('\n');
    expect(own).toContain('خط المساندة النفسية: 800 1234');
    expect(own).not.toContain('800 4673');
    // Clinic A's line did not move.
    expect((await s.rest('GET', '/clinic')).body.crisisLine).toBe('800 4673');
  });
});
