import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCaller, createInternalContext, createServices } from '@clinic/api';
import { ObjectId, connectDatabase } from '@clinic/db';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { TEST_WHATSAPP_FROM, makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { intentObject, sendWebhook, stripeEvent } from './support/stripe-events.ts';
import { sendWhatsApp, startTwilioApi, until, type TwilioApi } from './support/twilio.ts';

const CONFIRMATION_TEMPLATE = `HX${'fedcba9876543210'.repeat(2)}`;
const MIN = 60_000;

let api: TwilioApi;
let s: TestServer;
let physicianId: string;
let physicianName: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
let phones: string[];
let staff: Awaited<ReturnType<typeof makeStaff>>;
const [day0, day1, day2, day3] = [0, 1, 2, 3].map((d) => dubaiDate(d)) as [string, string, string, string];
const MORNING = () => dubai(day1, '09:05');

beforeAll(async () => {
  api = await startTwilioApi();
  // The real assistant (menu mode) behind the signed Twilio webhook; no SMS sender, so email is the fallback.
  s = await startTestServer({ twilio: { api, templates: { confirmation: CONFIRMATION_TEMPLATE } } });
  s.clock.set(MORNING());
  const physician = await createPhysician(s);
  physicianId = physician.id;
  physicianName = physician.fullName;
  patients = await makePatients(s, 20);
  phones = await Promise.all(patients.map(async (p) => (await s.database.cols.users.findOne({ email: p.email }))!.phone!));
  staff = await makeStaff(s, 'staff');
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});
afterEach(async () => {
  api.reset();
  s.clock.set(MORNING());
  await s.services.clinic.updatePolicies({ paymentRequired: false });
});

const book = (token: string, start: Date) => s.rest('POST', '/appointments', { physicianId, start: start.toISOString(), reason: 'Check-up' }, token);
const stored = (id: string) => s.database.cols.appointments.findOne({ _id: new ObjectId(id) });
const requirePayment = () => s.services.clinic.updatePolicies({ paymentRequired: true });
/** Confirmation emails (confirmed or moved) in the SMTP inbox for this address. */
const confirmationsTo = (email: string) => s.inbox.mails.filter((m) => m.to.includes(email) && /is confirmed$|has moved to/.test(m.subject));
/** The WhatsApp (or SMS) confirmations that reached the local Twilio endpoint for this number. */
async function confirmationSends(phone: string) {
  const sids = (await s.database.cols.outboundMessages.find({ to: phone, purpose: 'booking_confirmed' }).toArray()).map((d) => d._id);
  return api.messages.filter((m) => sids.includes(m.sid));
}
/** Whatever was started in the background after a confirming action has finished: what the patient got is final. */
const settled = () => s.services.jobs.idle();
/** "Wednesday 11 March": the date part of the clinic-time wording, computed independently of the server. */
const localDay = (at: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Dubai', weekday: 'long', day: 'numeric', month: 'long' }).format(at);

async function payOnline(token: string, appointmentId: string) {
  const intent = await s.rest('POST', '/payments/intents', { appointmentId }, token);
  expect(intent.status).toBe(200);
  return stripeEvent('payment_intent.succeeded', intentObject(intent.body.paymentIntentId, intent.body.amount, 'succeeded'));
}

/** Books the first slot offered in the WhatsApp menu, as the patient would type it; returns the last reply. */
async function bookInChat(phone: string) {
  await sendWhatsApp(s, api, phone, 'hello');
  const specialties = (await sendWhatsApp(s, api, phone, '1')).join('\n');
  const family = /(\d)\. Family Medicine/.exec(specialties)![1]!;
  await sendWhatsApp(s, api, phone, family);
  await sendWhatsApp(s, api, phone, '1');
  expect((await sendWhatsApp(s, api, phone, '1')).join('\n')).toMatch(/Reply YES/);
  const done = (await sendWhatsApp(s, api, phone, 'yes')).join('\n');
  const user = await s.database.cols.users.findOne({ phoneIdentity: phone, email: null });
  const [appt] = await s.database.cols.appointments.find({ patientId: user!._id }).toArray();
  return { reply: done, appt: appt!, userId: user!._id.toHexString() };
}

const newPhone = () => `+97155${String(randomInt(1_000_000, 9_999_999))}`;

describe('booking confirmations by email', () => {
  it('payment required: nothing while the booking waits; the Stripe payment confirms it and one email names the physician and the clinic time; replays send nothing more', async () => {
    await requirePayment();
    const p = patients[0]!;
    const start = dubai(day2, '15:30');
    const appt = await book(p.accessToken, start);
    expect(appt.body.status).toBe('pending_payment');
    const event = await payOnline(p.accessToken, appt.body.id);
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    await settled();
    expect(confirmationsTo(p.email)).toHaveLength(0);

    expect((await sendWebhook(s, event)).status).toBe(200);
    expect(await until(() => confirmationsTo(p.email).length === 1)).toBe(true);
    const [mail] = confirmationsTo(p.email);
    expect(mail!.subject).toContain(physicianName);
    expect(mail!.text).toContain(`Your appointment with ${physicianName} on ${localDay(start)}`);
    // 15:30 on the clinic's clock (11:30 UTC), whatever zone the server runs in.
    expect(mail!.text).toMatch(/15:30 \(clinic time\) is confirmed\./);

    // Stripe retries the same event, and sends another one for the same payment.
    const again = stripeEvent('payment_intent.succeeded', event.data.object);
    for (const e of [event, event, again]) expect((await sendWebhook(s, e)).status).toBe(200);
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    await settled();
    expect(confirmationsTo(p.email)).toHaveLength(1);
    expect((await stored(appt.body.id))!.confirmationDueAt).toBeNull();
  });

  it('a payment arriving after the hold lapsed re-claims the free slot and confirms: one email', async () => {
    await requirePayment();
    const p = patients[1]!;
    const appt = await book(p.accessToken, dubai(day2, '16:00'));
    const event = await payOnline(p.accessToken, appt.body.id);
    s.clock.advance(16 * MIN);
    expect((await s.services.jobs.runDue()).expired).toBe(1);
    s.clock.set(MORNING());
    expect((await sendWebhook(s, event)).status).toBe(200);
    expect((await stored(appt.body.id))!.status).toBe('confirmed');
    expect(await until(() => confirmationsTo(p.email).length === 1)).toBe(true);
    expect(confirmationsTo(p.email)[0]!.text).toMatch(/16:00 \(clinic time\) is confirmed\./);
    await s.services.jobs.runDue();
    await settled();
    expect(confirmationsTo(p.email)).toHaveLength(1);
  });

  it('no payment required: the booking is confirmed at once and the email arrives without waiting for the jobs sweep', async () => {
    const p = patients[2]!;
    const appt = await book(p.accessToken, dubai(day2, '10:00'));
    expect(appt.body.status).toBe('confirmed');
    // No sweep runs in this test server: only the send started by the booking itself can deliver this.
    expect(await until(() => confirmationsTo(p.email).length === 1)).toBe(true);
    expect(confirmationsTo(p.email)[0]!.text).toMatch(/10:00 \(clinic time\) is confirmed\./);
    await settled();
    expect((await stored(appt.body.id))!.confirmationDueAt).toBeNull();
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    expect(confirmationsTo(p.email)).toHaveLength(1);
  });

  it('a hold confirmed by staff at the desk: the patient is told then, not before', async () => {
    await requirePayment();
    const p = patients[3]!;
    const appt = await book(p.accessToken, dubai(day2, '10:30'));
    await settled();
    expect(confirmationsTo(p.email)).toHaveLength(0);
    expect((await s.rest('POST', `/appointments/${appt.body.id}/confirm`, {}, staff.accessToken)).status).toBe(200);
    expect(await until(() => confirmationsTo(p.email).length === 1)).toBe(true);
    expect(confirmationsTo(p.email)[0]!.text).toMatch(/10:30 \(clinic time\) is confirmed\./);
  });
});

describe('booking confirmations on WhatsApp', () => {
  it('a patient who wrote within 24 h gets the payment confirmation as free text on WhatsApp, and no email', async () => {
    const [p, phone] = [patients[4]!, phones[4]!];
    await sendWhatsApp(s, api, phone, 'hello');
    await requirePayment();
    const appt = await book(p.accessToken, dubai(day2, '11:00'));
    expect((await sendWebhook(s, await payOnline(p.accessToken, appt.body.id))).status).toBe(200);
    await settled();
    const sends = await confirmationSends(phone);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.params).toMatchObject({ From: TEST_WHATSAPP_FROM, To: `whatsapp:${phone}` });
    expect(sends[0]!.params.ContentSid).toBeUndefined();
    expect(sends[0]!.params.Body).toContain(`Your appointment with ${physicianName} on ${localDay(dubai(day2, '11:00'))}`);
    expect(sends[0]!.params.Body).toMatch(/11:00 \(clinic time\) is confirmed\./);
    expect(confirmationsTo(p.email)).toHaveLength(0);
  });

  it('outside the 24-hour window the approved confirmation template goes out, filled with its variables', async () => {
    const [p, phone] = [patients[5]!, phones[5]!];
    // The patient last wrote 25 hours before this morning.
    s.clock.set(dubai(day0, '08:05'));
    await sendWhatsApp(s, api, phone, 'hello');
    s.clock.set(MORNING());
    await requirePayment();
    const appt = await book(p.accessToken, dubai(day2, '11:30'));
    expect((await sendWebhook(s, await payOnline(p.accessToken, appt.body.id))).status).toBe(200);
    await settled();
    const sends = await confirmationSends(phone);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.params).toMatchObject({ From: TEST_WHATSAPP_FROM, To: `whatsapp:${phone}`, ContentSid: CONFIRMATION_TEMPLATE });
    expect(sends[0]!.params.Body).toBeUndefined();
    expect(JSON.parse(sends[0]!.params.ContentVariables!)).toEqual({
      patientName: 'Patient 5',
      physicianName,
      when: expect.stringMatching(new RegExp(`^${localDay(dubai(day2, '11:30'))}.*11:30$`)),
      appointmentId: appt.body.id,
    });
    expect(await s.database.cols.outboundMessages.findOne({ _id: sends[0]!.sid })).toMatchObject({ mode: 'template', contentSid: CONFIRMATION_TEMPLATE, channel: 'whatsapp' });
    expect(confirmationsTo(p.email)).toHaveLength(0);
  });

  it('booked in the chat and paid later: the chat says it is reserved, the payment confirms it on WhatsApp', async () => {
    await requirePayment();
    const phone = newPhone();
    const { reply, appt } = await bookInChat(phone);
    expect(reply).toMatch(/Reserved/);
    expect(appt.status).toBe('pending_payment');
    const payment = await s.database.cols.payments.findOne({ appointmentId: appt._id });
    const paid = stripeEvent('payment_intent.succeeded', intentObject(payment!.intentId!, payment!.amount.amount, 'succeeded'));
    expect((await sendWebhook(s, paid)).status).toBe(200);
    await settled();
    const sends = await confirmationSends(phone);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.params.Body).toContain(`Your appointment with ${physicianName} on ${localDay(appt.startsAt)}`);
    expect(sends[0]!.params.Body).toMatch(/is confirmed\./);
  });

  it('booked in the chat with no payment needed: the chat reply is the confirmation, no second message', async () => {
    const phone = newPhone();
    const { reply, appt } = await bookInChat(phone);
    expect(reply).toMatch(/Booked/);
    expect(appt.status).toBe('confirmed');
    expect(appt.confirmationDueAt).toBeNull();
    await settled();
    await s.services.jobs.runDue();
    expect(await confirmationSends(phone)).toHaveLength(0);
    // Everything this number received answers one of its own messages.
    const replySids = (await s.database.cols.inboundMessages.find({ from: phone }).toArray()).flatMap((m) => m.replySids);
    expect(api.to(`whatsapp:${phone}`).map((m) => m.sid).sort()).toEqual(replySids.sort());
    expect(await s.database.cols.notifications.countDocuments({ appointmentId: appt._id })).toBe(0);
  });
});

describe('durable and exactly once', () => {
  /** A confirmed booking with its confirmation planned but not sent: what a crash right after the confirming update leaves. */
  async function plannedNotSent(p: { userId: string }, start: Date) {
    // Booked where the chat answers for itself (nothing planned, nothing sent)…
    const caller = createCaller(createInternalContext(s.services, { userId: p.userId, role: 'patient', sessionId: null }, 'test', 'whatsapp'));
    const appt = await caller.appointments.book({ physicianId, start, reason: 'Check-up' });
    expect(appt.status).toBe('confirmed');
    // …then planned, as the confirming update would have done.
    await s.database.cols.appointments.updateOne({ _id: new ObjectId(appt.id) }, { $set: { confirmationDueAt: s.clock.now() } });
    return appt;
  }

  it('a confirmation planned but never sent goes out from the next sweep, once', async () => {
    const p = patients[6]!;
    const appt = await plannedNotSent(p, dubai(day3, '08:00'));
    await settled();
    expect(confirmationsTo(p.email)).toHaveLength(0);
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(1);
    expect(confirmationsTo(p.email)).toHaveLength(1);
    expect(confirmationsTo(p.email)[0]!.text).toMatch(/08:00 \(clinic time\) is confirmed\./);
    expect((await stored(appt.id))!.confirmationDueAt).toBeNull();
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    expect(confirmationsTo(p.email)).toHaveLength(1);
  });

  it('two processes sweeping at once send each due confirmation exactly once', async () => {
    const db2 = await connectDatabase({ uri: inject('mongoUri'), dbName: s.database.db.databaseName });
    const second = createServices({ ...s.deps, db: db2 });
    const group = patients.slice(7, 13);
    try {
      for (const [i, p] of group.entries()) await plannedNotSent(p, new Date(dubai(day3, '09:00').getTime() + i * 30 * MIN));
      const reports = await Promise.all([s.services.jobs.runDue(), second.jobs.runDue(), s.services.jobs.runDue(), second.jobs.runDue()]);
      expect(reports.reduce((n, r) => n + r.confirmationsSent, 0)).toBe(group.length);
      for (const p of group) expect(confirmationsTo(p.email)).toHaveLength(1);
    } finally {
      await db2.close();
    }
  });

  it('cancelled before the sweep: nothing is sent, even when a stale plan is left on the appointment', async () => {
    const p = patients[13]!;
    const appt = await plannedNotSent(p, dubai(day3, '12:00'));
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Travelling' }, p.accessToken)).status).toBe(200);
    expect((await stored(appt.id))!.confirmationDueAt).toBeNull();
    await s.services.jobs.runDue();
    // The send re-reads the appointment after claiming it; a cancelled one is declined.
    await s.database.cols.appointments.updateOne({ _id: new ObjectId(appt.id) }, { $set: { confirmationDueAt: s.clock.now() } });
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    expect(confirmationsTo(p.email)).toHaveLength(0);
    expect((await s.database.cols.notifications.findOne({ appointmentId: new ObjectId(appt.id) }))!.status).toBe('skipped');
  });

  it('an appointment whose start has passed gets no confirmation', async () => {
    const p = patients[14]!;
    const appt = await plannedNotSent(p, dubai(day1, '19:30'));
    s.clock.set(dubai(day1, '19:35'));
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    expect(confirmationsTo(p.email)).toHaveLength(0);
    expect((await stored(appt.id))!.confirmationDueAt).toBeNull();
  });

  it('when every channel fails the confirmation waits for a later sweep, then goes out once', async () => {
    // A phone-only patient (no email to fall back on), known from the chat.
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'hello');
    const user = await s.database.cols.users.findOne({ phoneIdentity: phone, email: null });
    api.failWhen((params) => (params.To === `whatsapp:${phone}` ? { code: 63003, message: 'Channel could not find To address' } : null));
    const caller = createCaller(createInternalContext(s.services, { userId: user!._id.toHexString(), role: 'patient', sessionId: null }, 'test'));
    const appt = await caller.appointments.book({ physicianId, start: dubai(day3, '14:00'), reason: 'Check-up' });
    await settled();
    expect(await confirmationSends(phone)).toHaveLength(0);
    expect((await stored(appt.id))!.confirmationDueAt!.getTime()).toBeGreaterThan(s.clock.now().getTime());

    api.reset();
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(0);
    s.clock.advance(6 * MIN);
    expect((await s.services.jobs.runDue()).confirmationsSent).toBe(1);
    expect(await confirmationSends(phone)).toHaveLength(1);
    await s.services.jobs.runDue();
    expect(await confirmationSends(phone)).toHaveLength(1);
  });
});

describe('rescheduling', () => {
  it('moving a confirmed appointment: one message that it moved to the new time; moving a hold: none', async () => {
    const p = patients[15]!;
    const appt = await book(p.accessToken, dubai(day3, '15:00'));
    expect(await until(() => confirmationsTo(p.email).length === 1)).toBe(true);
    expect((await s.rest('POST', `/appointments/${appt.body.id}/reschedule`, { start: dubai(day3, '17:00').toISOString() }, p.accessToken)).status).toBe(200);
    expect(await until(() => confirmationsTo(p.email).length === 2)).toBe(true);
    const moved = confirmationsTo(p.email)[1]!;
    expect(moved.subject).toMatch(/has moved to .*17:00$/);
    expect(moved.text).toContain(`Your appointment with ${physicianName} has moved to ${localDay(dubai(day3, '17:00'))}`);
    expect(moved.text).toMatch(/17:00 \(clinic time\) and is confirmed for that time\./);
    await s.services.jobs.runDue();
    await settled();
    expect(confirmationsTo(p.email)).toHaveLength(2);

    await requirePayment();
    const q = patients[16]!;
    const held = await book(q.accessToken, dubai(day3, '16:00'));
    expect((await s.rest('POST', `/appointments/${held.body.id}/reschedule`, { start: dubai(day3, '18:00').toISOString() }, q.accessToken)).status).toBe(200);
    await s.services.jobs.runDue();
    await settled();
    expect(confirmationsTo(q.email)).toHaveLength(0);
  });
});
