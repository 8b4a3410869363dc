import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext } from '@clinic/api';
import { ObjectId, type ClinicDoc } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { TEST_WHATSAPP_FROM, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, sendWhatsAppMessages, startTwilioApi, type TwilioApi } from './support/twilio.ts';

// Clinic A is the platform's first clinic (the test server's own), B a second one; each has a WhatsApp sender of its
// own, and the platform's shared number (TEST_WHATSAPP_FROM) stays.
const A_NUMBER = '+97145550100';
const B_NUMBER = '+97165550199';
const SHARED = TEST_WHATSAPP_FROM.slice('whatsapp:'.length);
const REMINDER_TEMPLATE = 'HX00000000000000000000000000000b0b';

let api: TwilioApi;
let s: TestServer;
let clinicA: ClinicDoc;
let clinicB: ClinicDoc;
let alpha: { id: string; fullName: string };
let beta: { id: string; fullName: string };

beforeAll(async () => {
  api = await startTwilioApi();
  s = await startTestServer({ twilio: { api, templates: { reminder: REMINDER_TEMPLATE } } });
  clinicB = await insertSecondClinic(s);
  clinicA = (await s.services.clinic.setIntegrations((await s.services.clinic.current())._id, { whatsappNumber: A_NUMBER }))!;
  clinicB = (await s.services.clinic.setIntegrations(clinicB._id, { whatsappNumber: B_NUMBER }))!;
  alpha = await createPhysician(s, { fullName: 'Dr. Alpha Amin' });
  beta = await createPhysician(s, { fullName: 'Dr. Beta Bakr', clinic: clinicB });
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});
afterEach(() => api.reset());

const newPhone = () => `+97155${String(randomInt(1_000_000, 9_999_999))}`;

/** The menu's way to the family-medicine physicians on one number: hi → 1 (find a physician) → the specialty. */
async function physiciansMenu(phone: string, to: string): Promise<string> {
  await sendWhatsApp(s, api, phone, 'hi', to);
  const specialties = (await sendWhatsApp(s, api, phone, '1', to)).join('\n');
  const pick = /(\d+)\. Family Medicine/.exec(specialties)?.[1];
  expect(pick, specialties).toBeDefined();
  return (await sendWhatsApp(s, api, phone, pick!, to)).join('\n');
}

describe('a message is answered for the clinic whose number it was sent to', () => {
  it("to B's number: replies from B's number, name B, offer only B's physicians, and book at B", async () => {
    const phone = newPhone();
    const hello = await sendWhatsAppMessages(s, api, phone, 'hi', B_NUMBER);
    expect(hello.length).toBeGreaterThan(0);
    expect(hello.map((m) => m.params.From)).toEqual(hello.map(() => `whatsapp:${B_NUMBER}`));
    expect(hello.map((m) => m.params.Body).join('\n')).toContain('Gulf Care Clinic');

    const specialties = await sendWhatsAppMessages(s, api, phone, '1', B_NUMBER);
    const pick = /(\d+)\. Family Medicine/.exec(specialties.map((m) => m.params.Body).join('\n'))?.[1];
    const list = (await sendWhatsAppMessages(s, api, phone, pick!, B_NUMBER)).map((m) => m.params.Body).join('\n');
    expect(list).toContain(beta.fullName);
    expect(list).not.toContain(alpha.fullName);

    const slots = (await sendWhatsApp(s, api, phone, '1', B_NUMBER)).join('\n');
    expect(slots).toContain(`Free times with ${beta.fullName}`);
    expect((await sendWhatsApp(s, api, phone, '1', B_NUMBER)).join('\n')).toMatch(/Reply YES/);
    const done = await sendWhatsAppMessages(s, api, phone, 'yes', B_NUMBER);
    expect(done.map((m) => m.params.Body).join('\n')).toMatch(/(Booked|Reserved): Dr\. Beta Bakr/);
    expect(new Set(done.map((m) => m.params.From))).toEqual(new Set([`whatsapp:${B_NUMBER}`]));

    const patient = await s.database.cols.users.findOne({ phoneIdentity: phone });
    const booked = await s.database.cols.appointments.find({ patientId: patient!._id }).toArray();
    expect(booked).toHaveLength(1);
    expect(booked[0]!.clinicId.equals(clinicB._id)).toBe(true);
    expect(booked[0]!.physicianId.toHexString()).toBe(beta.id);
    // The log says which number each message went to and left from.
    const inbound = await s.database.cols.inboundMessages.find({ from: phone }).toArray();
    expect(inbound.map((m) => m.via)).toEqual(inbound.map(() => B_NUMBER));
    const outbound = await s.database.cols.outboundMessages.find({ to: phone }).toArray();
    expect(outbound.map((m) => m.from)).toEqual(outbound.map(() => B_NUMBER));
  });

  it("to A's number: only A's physicians, and replies from A's number", async () => {
    const phone = newPhone();
    const list = await physiciansMenu(phone, A_NUMBER);
    expect(list).toContain(alpha.fullName);
    expect(list).not.toContain(beta.fullName);
    expect(api.to(`whatsapp:${phone}`).map((m) => m.params.From)).toEqual(api.to(`whatsapp:${phone}`).map(() => `whatsapp:${A_NUMBER}`));
  });

  it('to the shared number: physicians of both clinics, each naming its clinic; replies from the shared number', async () => {
    const phone = newPhone();
    const list = await physiciansMenu(phone, SHARED);
    expect(list).toContain(`${alpha.fullName} (${clinicA.name})`);
    expect(list).toContain(`${beta.fullName} (${clinicB.name})`);
    expect(new Set(api.to(`whatsapp:${phone}`).map((m) => m.params.From))).toEqual(new Set([TEST_WHATSAPP_FROM]));
  });

  it('a number none of our clinics has is answered as the shared number', async () => {
    const phone = newPhone();
    const list = await physiciansMenu(phone, '+971800000001');
    expect(list).toContain(`${beta.fullName} (${clinicB.name})`);
    expect(list).toContain(`${alpha.fullName} (${clinicA.name})`);
    expect(new Set(api.to(`whatsapp:${phone}`).map((m) => m.params.From))).toEqual(new Set([TEST_WHATSAPP_FROM]));
  });

  it('one patient writing to two clinics has two conversations: a hand-over at B leaves A answering, and A keeps its own question', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'hi', B_NUMBER);
    expect(await sendWhatsApp(s, api, phone, 'human please', B_NUMBER)).toHaveLength(1);
    // With staff, B only says a person will answer.
    expect(await sendWhatsApp(s, api, phone, 'hello?', B_NUMBER)).toEqual([expect.stringMatching(/A person will answer here/)]);

    const list = await physiciansMenu(phone, A_NUMBER);
    expect(list).toContain(alpha.fullName);
    await sendWhatsApp(s, api, phone, '1', A_NUMBER);
    expect((await sendWhatsApp(s, api, phone, '1', A_NUMBER)).join('\n')).toMatch(/Reply YES/);
    // "yes" to B (with staff) is B's conversation: it books nothing and A's question still waits.
    expect(await sendWhatsApp(s, api, phone, 'yes', B_NUMBER)).toEqual([]);
    const patient = await s.database.cols.users.findOne({ phoneIdentity: phone });
    expect(await s.database.cols.appointments.countDocuments({ patientId: patient!._id })).toBe(0);
    expect((await sendWhatsApp(s, api, phone, 'yes', A_NUMBER)).join('\n')).toMatch(/(Booked|Reserved): Dr\. Alpha Amin/);
    const [booked] = await s.database.cols.appointments.find({ patientId: patient!._id }).toArray();
    expect(booked!.clinicId.equals(clinicA._id)).toBe(true);
  });

  it("a suspended clinic's number says it is not taking bookings online, with its phone; an emergency is still answered first", async () => {
    const phone = newPhone();
    await s.services.clinic.suspend(clinicB._id, 'Licence under review');
    try {
      const replies = (await sendWhatsApp(s, api, phone, 'hi', B_NUMBER)).join('\n');
      expect(replies).toContain('Gulf Care Clinic is not taking bookings online right now');
      expect(replies).toContain(clinicB.phone);
      expect((await sendWhatsApp(s, api, phone, '1', B_NUMBER)).join('\n')).not.toContain(beta.fullName);
      const emergency = (await sendWhatsApp(s, api, phone, 'I have chest pain', B_NUMBER)).join('\n');
      expect(emergency).toContain('998');
      expect(emergency).toContain(clinicB.phone);
    } finally {
      await s.services.clinic.reactivate(clinicB._id);
    }
    expect((await sendWhatsApp(s, api, phone, 'menu', B_NUMBER)).join('\n')).toContain('1 Find a physician and book');
  });
});

describe('the staff inbox per clinic', () => {
  const flagged = (token: string) => s.rest('GET', '/staff/conversations/flagged', undefined, token);
  const release = (phone: string, token: string) => s.rest('POST', `/staff/conversations/${encodeURIComponent(phone)}/release`, {}, token);
  const phones = async (token: string) => ((await flagged(token)).body.items as { phone: string }[]).map((c) => c.phone);

  it("B's staff see and release B's hand-overs only; A's staff see A's and the shared number's", async () => {
    const [toA, toB, toShared] = [newPhone(), newPhone(), newPhone()];
    await sendWhatsApp(s, api, toA, 'human please', A_NUMBER);
    await sendWhatsApp(s, api, toB, 'human please', B_NUMBER);
    await sendWhatsApp(s, api, toShared, 'human please', SHARED);
    const staffA = await makeStaff(s, 'staff');
    const staffB = await makeClinicStaff(s, clinicB._id, 'staff');

    expect(await phones(staffB.accessToken)).toContain(toB);
    expect(await phones(staffB.accessToken)).not.toContain(toA);
    expect(await phones(staffB.accessToken)).not.toContain(toShared);
    expect(await phones(staffA.accessToken)).toEqual(expect.arrayContaining([toA, toShared]));
    expect(await phones(staffA.accessToken)).not.toContain(toB);

    // Another clinic's hand-over is not found, and stays with staff.
    expect((await release(toA, staffB.accessToken)).status).toBe(404);
    expect((await release(toB, staffA.accessToken)).status).toBe(404);
    expect(await sendWhatsApp(s, api, toB, 'anyone?', B_NUMBER)).toEqual([expect.stringMatching(/A person will answer here/)]);

    expect((await release(toB, staffB.accessToken)).status).toBe(200);
    expect(await phones(staffB.accessToken)).not.toContain(toB);
    expect((await sendWhatsApp(s, api, toB, 'hi', B_NUMBER)).join('\n')).toContain('1 Find a physician and book');
  });

  it('a hand-over stored before clinics had numbers is the shared number’s: the first clinic’s staff see and release it', async () => {
    const phone = newPhone();
    const now = s.clock.now();
    // The stored shape of before: `_id` the number, no `phone`, no `via`.
    await s.database.cols.conversations.insertOne({
      _id: phone,
      userId: new ObjectId(),
      language: 'en',
      messages: [],
      pending: null,
      menu: null,
      flagged: { at: now, reason: 'requested' },
      failures: 0,
      lastInboundAt: now,
      sessionStartedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    const staffA = await makeStaff(s, 'staff');
    const staffB = await makeClinicStaff(s, clinicB._id, 'staff');
    expect(await phones(staffA.accessToken)).toContain(phone);
    expect(await phones(staffB.accessToken)).not.toContain(phone);
    // The patient writing to the shared number again is still with staff.
    expect(await sendWhatsApp(s, api, phone, 'hello?', SHARED)).toEqual([expect.stringMatching(/A person will answer here/)]);
    expect((await release(phone, staffB.accessToken)).status).toBe(404);
    expect((await release(phone, staffA.accessToken)).status).toBe(200);
    expect((await sendWhatsApp(s, api, phone, 'hi', SHARED)).length).toBeGreaterThan(0);
  });
});

describe("notifications leave from the number of the appointment's clinic", () => {
  const day2 = dubaiDate(2);
  afterAll(() => s.clock.set(new Date()));

  it("a B appointment's confirmation and reminder go from B's number: free text inside B's window, B's template for a patient who wrote only to the shared number", async () => {
    s.clock.set(dubai(day2, '11:00'));
    const [atB, atShared] = [newPhone(), newPhone()];
    await sendWhatsApp(s, api, atB, 'hi', B_NUMBER);
    await sendWhatsApp(s, api, atShared, 'hi', SHARED);
    for (const [phone, time] of [[atB, '15:30'], [atShared, '16:00']] as const) {
      const user = await s.database.cols.users.findOne({ phoneIdentity: phone });
      // Booked as from the app (not in the chat, which answers the booking itself), so a confirmation is sent too.
      const caller = createCaller(createInternalContext(s.services, { userId: user!._id.toHexString(), role: 'patient', sessionId: null }, 'test', 'app'));
      await caller.appointments.book({ physicianId: beta.id, start: dubai(day2, time), reason: 'Check-up' });
    }
    s.clock.set(dubai(day2, '14:00'));
    await s.services.jobs.runDue();

    const reminderTo = async (phone: string) => {
      const sids = (await s.database.cols.outboundMessages.find({ to: phone, purpose: 'appointment_reminder' }).toArray()).map((d) => d._id);
      return api.messages.filter((m) => sids.includes(m.sid));
    };
    // atB wrote to B three hours before: inside B's 24-hour window, so free text.
    const [freeText] = await reminderTo(atB);
    expect(freeText!.params).toMatchObject({ From: `whatsapp:${B_NUMBER}`, To: `whatsapp:${atB}` });
    expect(freeText!.params.Body).toContain(beta.fullName);
    expect(freeText!.params.ContentSid).toBeUndefined();
    // atShared wrote only to the shared number: B's window never opened, so B's number sends the approved template.
    const [templated] = await reminderTo(atShared);
    expect(templated!.params).toMatchObject({ From: `whatsapp:${B_NUMBER}`, To: `whatsapp:${atShared}`, ContentSid: REMINDER_TEMPLATE });
    expect(templated!.params.Body).toBeUndefined();

    // The booking's confirmation went from B's number too (free text: atB wrote to B minutes before).
    const confirmations = await s.database.cols.outboundMessages.find({ to: atB, purpose: 'booking_confirmed' }).toArray();
    expect(confirmations.length).toBeGreaterThan(0);
    expect(confirmations.map((c) => c.from)).toEqual(confirmations.map(() => B_NUMBER));
  });
});
