import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCaller, createInternalContext, createServices } from '@clinic/api';
import { ObjectId, connectDatabase } from '@clinic/db';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, startTestServer, type TestServer } from './support/server.ts';
import { intentObject, sendWebhook, stripeEvent } from './support/stripe-events.ts';
import { sendWhatsApp, startTwilioApi, type TwilioApi } from './support/twilio.ts';

const SMS_FROM = '+15005550006';
const MIN = 60_000;

let api: TwilioApi;
let s: TestServer;
let physicianId: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
let phones: string[];
const day3 = dubaiDate(3);
const MORNING = () => dubai(dubaiDate(1), '09:05');

beforeAll(async () => {
  api = await startTwilioApi();
  // WhatsApp, then SMS, then email.
  s = await startTestServer({ twilio: { api, smsFrom: SMS_FROM } });
  s.clock.set(MORNING());
  physicianId = (await createPhysician(s)).id;
  patients = await makePatients(s, 12);
  phones = await Promise.all(patients.map(async (p) => (await s.database.cols.users.findOne({ email: p.email }))!.phone!));
  await s.services.clinic.updatePolicies({ paymentRequired: false });
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});
afterEach(() => {
  api.reset();
  s.inbox.refuse(false);
  s.clock.set(MORNING());
});

let slot = 0;
/** A free slot on day 3 (each test books its own; far enough for online cancelling and no reminder yet). */
const nextSlot = () => {
  const i = slot++;
  return dubai(day3, `${String(14 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);
};
async function book(token: string) {
  const res = await s.rest('POST', '/appointments', { physicianId, start: nextSlot().toISOString(), reason: 'Check-up' }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; status: string };
}
/** The confirmation's outbox entry. */
const entryOf = (appointmentId: string) => s.database.cols.notifications.findOne({ appointmentId: new ObjectId(appointmentId), kind: 'booking_confirmed' });
const confirmationsTo = (email: string) => s.inbox.mails.filter((m) => m.to.includes(email) && /is confirmed$/.test(m.subject));
/** What reached Twilio for this number: WhatsApp (`whatsapp:+…`) and SMS (`+…`). */
const whatsappTo = (phone: string) => api.to(`whatsapp:${phone}`);
const smsTo = (phone: string) => api.to(phone);
/** Whatever the confirming action started in the background has finished. */
const settled = () => s.services.jobs.idle();

/** The patient writes to us on WhatsApp (so WhatsApp and SMS are theirs), and the assistant's replies are set aside. */
async function wroteOnWhatsApp(phone: string) {
  await sendWhatsApp(s, api, phone, 'hello');
  return whatsappTo(phone).length;
}

describe('the outbox', () => {
  it('SMTP down: the confirmation is kept; once the backoff has passed, two processes sweeping at once send it exactly once', async () => {
    const group = patients.slice(0, 3);
    s.inbox.refuse(true);
    const booked = [];
    for (const p of group) booked.push(await book(p.accessToken));
    await settled();
    for (const [i, p] of group.entries()) {
      expect(confirmationsTo(p.email)).toHaveLength(0);
      const entry = await entryOf(booked[i]!.id);
      // Stored with what to say, and why it is not out yet: no address, no text in the error.
      expect(entry).toMatchObject({ status: 'queued', channels: ['whatsapp', 'sms', 'email'], sentVia: null });
      expect(entry!.message!.subject).toMatch(/is confirmed$/);
      expect(entry!.lastError).toMatch(/451/);
      expect(entry!.lastError).not.toContain(p.email);
      expect(entry!.nextAttemptAt!.getTime()).toBeGreaterThan(s.clock.now().getTime());
    }
    // The booking is answered and confirmed whatever the mail server does.
    expect((await s.database.cols.appointments.findOne({ _id: new ObjectId(booked[0]!.id) }))!.status).toBe('confirmed');

    s.inbox.refuse(false);
    // Not due yet: nothing goes out before the backoff.
    await s.services.notifications.sweepOutbox();
    for (const p of group) expect(confirmationsTo(p.email)).toHaveLength(0);

    s.clock.advance(MIN + 1_000);
    const db2 = await connectDatabase({ uri: inject('mongoUri'), dbName: s.database.db.databaseName });
    const second = createServices({ ...s.deps, db: db2 });
    try {
      await Promise.all([s.services.notifications.sweepOutbox(), second.notifications.sweepOutbox(), s.services.notifications.sweepOutbox(), second.notifications.sweepOutbox()]);
      // And the jobs do not send it again: for them a stored confirmation is done.
      await s.services.jobs.runDue();
      await Promise.all([s.services.notifications.sweepOutbox(), second.notifications.sweepOutbox()]);
    } finally {
      second.events.close();
      await db2.close();
    }
    for (const [i, p] of group.entries()) {
      expect(confirmationsTo(p.email)).toHaveLength(1);
      const entry = await entryOf(booked[i]!.id);
      expect(entry).toMatchObject({ status: 'sent', sentVia: 'email' });
      expect(entry!.tries!.map((t) => [t.channel, t.outcome])).toEqual([
        ['whatsapp', 'no_channel'],
        ['sms', 'no_channel'],
        ['email', 'failed'],
        ['email', 'sent'],
      ]);
    }
    // The in-app copy was kept at once, and once.
    expect(await s.database.cols.userNotifications.countDocuments({ userId: new ObjectId(group[0]!.userId), kind: 'booking_confirmed' })).toBe(1);
  });

  it('a confirmation whose booking was cancelled before its retry is not sent', async () => {
    const p = patients[3]!;
    s.inbox.refuse(true);
    const appt = await book(p.accessToken);
    await settled();
    expect((await entryOf(appt.id))!.status).toBe('queued');
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Plans changed' }, p.accessToken)).status).toBe(200);
    s.inbox.refuse(false);
    s.clock.advance(MIN + 1_000);
    await s.services.notifications.sweepOutbox();
    expect(confirmationsTo(p.email)).toHaveLength(0);
    expect((await entryOf(appt.id))!.status).toBe('skipped');
  });

  it('a mail server down for more than a day: retried meanwhile, then given up and marked failed', async () => {
    const p = patients[9]!;
    s.inbox.refuse(true);
    const appt = await book(p.accessToken);
    await settled();
    // An hour passes between sweeps (bounded: the outbox gives up 24 hours after storing).
    for (let i = 0; i < 60 && (await entryOf(appt.id))!.status === 'queued'; i++) {
      s.clock.advance(60 * MIN);
      await s.services.notifications.sweepOutbox();
    }
    const entry = await entryOf(appt.id);
    expect(entry).toMatchObject({ status: 'failed', nextAttemptAt: null, sentVia: null });
    expect(entry!.lastError).toMatch(/451/);
    const emailTries = entry!.tries!.filter((t) => t.channel === 'email');
    expect(emailTries.length).toBeGreaterThan(3);
    expect(emailTries.every((t) => t.outcome === 'failed')).toBe(true);
    expect(emailTries.at(-1)!.at.getTime() - entry!.createdAt.getTime()).toBeLessThanOrEqual(24 * 60 * MIN);
    // Given up: the mail server's return changes nothing.
    s.inbox.refuse(false);
    s.clock.advance(60 * MIN);
    await s.services.notifications.sweepOutbox();
    expect(confirmationsTo(p.email)).toHaveLength(0);
  });

  it('a claim left by a process that stopped before storing the message: sent by a later sweep once 10 minutes have passed', async () => {
    const p = patients[10]!;
    // Booked where nothing is planned (the chat answers for itself)…
    const caller = createCaller(createInternalContext(s.services, { userId: p.userId, role: 'patient', sessionId: null }, 'test', 'whatsapp'));
    const appt = await caller.appointments.book({ physicianId, start: nextSlot(), reason: 'Check-up' });
    const id = new ObjectId(appt.id);
    // …then what a process stopping right after claiming the confirmation leaves: the plan, and a bare claim.
    const startsAt = (await s.database.cols.appointments.findOne({ _id: id }))!.startsAt;
    const now = s.clock.now();
    await s.database.cols.appointments.updateOne({ _id: id }, { $set: { confirmationDueAt: now } });
    await s.database.cols.notifications.insertOne({ _id: `confirmation|${appt.id}|${startsAt.toISOString()}`, kind: 'booking_confirmed', patientId: new ObjectId(p.userId), appointmentId: id, status: 'sending', createdAt: now, updatedAt: now });
    // Fresh, it may still be another process's: left alone, and the confirmation stays planned.
    await s.services.jobs.runDue();
    expect(confirmationsTo(p.email)).toHaveLength(0);
    expect((await s.database.cols.appointments.findOne({ _id: id }))!.confirmationDueAt).not.toBeNull();
    for (let i = 0; i < 3; i++) {
      s.clock.advance(5 * MIN + 1_000);
      await s.services.jobs.runDue();
    }
    expect(confirmationsTo(p.email)).toHaveLength(1);
    expect(await entryOf(appt.id)).toMatchObject({ status: 'sent', sentVia: 'email' });
  });

  it('WhatsApp refused → SMS; WhatsApp and SMS refused → email, at once', async () => {
    const [a, b] = [patients[4]!, patients[5]!];
    const [phoneA, phoneB] = [phones[4]!, phones[5]!];
    const repliesA = await wroteOnWhatsApp(phoneA);
    const repliesB = await wroteOnWhatsApp(phoneB);
    api.failWhen((m) => {
      if (m.To === `whatsapp:${phoneA}` || m.To === `whatsapp:${phoneB}`) return { code: 63003, message: 'Channel could not find To address' };
      if (m.To === phoneB) return { code: 21610, message: 'Attempt to send to unsubscribed recipient' };
      return null;
    });
    const apptA = await book(a.accessToken);
    const apptB = await book(b.accessToken);
    await settled();

    expect(whatsappTo(phoneA)).toHaveLength(repliesA);
    expect(smsTo(phoneA)).toHaveLength(1);
    expect(smsTo(phoneA)[0]!.params.Body).toMatch(/is confirmed/);
    expect(confirmationsTo(a.email)).toHaveLength(0);
    expect((await entryOf(apptA.id))!.tries!.map((t) => [t.channel, t.outcome])).toEqual([
      ['whatsapp', 'failed'],
      ['sms', 'sent'],
    ]);

    expect(whatsappTo(phoneB)).toHaveLength(repliesB);
    expect(smsTo(phoneB)).toHaveLength(0);
    expect(confirmationsTo(b.email)).toHaveLength(1);
    const entryB = await entryOf(apptB.id);
    expect(entryB).toMatchObject({ status: 'sent', sentVia: 'email' });
    expect(entryB!.tries!.map((t) => [t.channel, t.outcome])).toEqual([
      ['whatsapp', 'failed'],
      ['sms', 'failed'],
      ['email', 'sent'],
    ]);
    // Twilio's code is kept, its message (which may name the number) is not.
    expect(entryB!.tries![1]!.error).toMatch(/21610/);
    expect(JSON.stringify(entryB!.tries)).not.toContain(phoneB);
  });

  it('WhatsApp and SMS are chosen one by one: SMS off never texts; WhatsApp off texts instead', async () => {
    const [noSms, noWhatsApp] = [patients[6]!, patients[7]!];
    const [phoneNoSms, phoneNoWhatsApp] = [phones[6]!, phones[7]!];
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { booking_confirmed: { sms: false } } }, noSms.accessToken)).status).toBe(200);
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { booking_confirmed: { whatsapp: false } } }, noWhatsApp.accessToken)).status).toBe(200);
    const repliesNoSms = await wroteOnWhatsApp(phoneNoSms);
    const repliesNoWhatsApp = await wroteOnWhatsApp(phoneNoWhatsApp);
    // WhatsApp fails for the one without SMS: the next channel is email, not SMS.
    api.failWhen((m) => (m.To === `whatsapp:${phoneNoSms}` ? { code: 63003, message: 'Channel could not find To address' } : null));
    const apptNoSms = await book(noSms.accessToken);
    await book(noWhatsApp.accessToken);
    await settled();

    expect(smsTo(phoneNoSms)).toHaveLength(0);
    expect(confirmationsTo(noSms.email)).toHaveLength(1);
    expect((await entryOf(apptNoSms.id))!.channels).toEqual(['whatsapp', 'email']);

    expect(whatsappTo(phoneNoWhatsApp)).toHaveLength(repliesNoWhatsApp);
    expect(smsTo(phoneNoWhatsApp)).toHaveLength(1);
    expect(confirmationsTo(noWhatsApp.email)).toHaveLength(0);
    expect(whatsappTo(phoneNoSms)).toHaveLength(repliesNoSms);
  });
});

describe('refund notices', () => {
  afterAll(() => s.services.clinic.updatePolicies({ paymentRequired: false }));

  it('a refund notice that could not go out is retried by the sweep', async () => {
    await s.services.clinic.updatePolicies({ paymentRequired: true });
    const p = patients[8]!;
    const appt = await book(p.accessToken);
    expect(appt.status).toBe('pending_payment');
    const intent = (await s.rest('POST', '/payments/intents', { appointmentId: appt.id }, p.accessToken)).body;
    expect((await sendWebhook(s, stripeEvent('payment_intent.succeeded', intentObject(intent.paymentIntentId, intent.amount, 'succeeded')))).status).toBe(200);
    await settled();
    const refundsTo = () => s.inbox.mails.filter((m) => m.to.includes(p.email) && /refunded/.test(m.subject));

    s.inbox.refuse(true);
    const cancelled = await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Travelling' }, p.accessToken);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect((await s.database.cols.payments.findOne({ appointmentId: new ObjectId(appt.id) }))!.refund).toMatchObject({ status: 'pending' });
    expect(refundsTo()).toHaveLength(0);
    const entry = await s.database.cols.notifications.findOne({ appointmentId: new ObjectId(appt.id), kind: 'payment_refunded' });
    expect(entry).toMatchObject({ status: 'queued' });

    s.inbox.refuse(false);
    s.clock.advance(MIN + 1_000);
    await s.services.notifications.sweepOutbox();
    await s.services.notifications.sweepOutbox();
    expect(refundsTo()).toHaveLength(1);
    expect(await s.database.cols.notifications.findOne({ _id: entry!._id })).toMatchObject({ status: 'sent', sentVia: 'email' });
  });
});
