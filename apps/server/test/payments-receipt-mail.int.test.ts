import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emiratesIdCheckDigit } from '@clinic/contracts';
import { ObjectId } from '@clinic/db';
import { startInsurerSim, type InsurerSim } from '../src/dev/insurer-sim.ts';
import { startExpoStandIn, type ExpoStandIn } from './support/expo.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { intentObject, pdfText, sendWebhook, stripeEvent } from './support/stripe-events.ts';
import { sendWhatsApp, startTwilioApi } from './support/twilio.ts';

// A succeeded payment tells the patient once — in the app, on their phone and by email with the receipt PDF
// attached — in their language; the outbox keeps the payment's id and renders the PDF for each email attempt.
let s: TestServer;
let sim: InsurerSim;
let expo: ExpoStandIn;
let physicianId: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);
const PRICE = 30000; // createPhysician's fee, AED 300.00
const MIN = 60_000;

beforeAll(async () => {
  sim = await startInsurerSim();
  expo = await startExpoStandIn();
  s = await startTestServer({ insurance: { url: sim.url }, expoPushUrl: expo.url });
  s.clock.set(dubai(day1, '09:05'));
  physicianId = (await createPhysician(s)).id;
  patients = await makePatients(s, 8);
  const admin = await makeStaff(s, 'admin');
  expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, admin.accessToken)).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
  await sim?.close();
  await expo?.close();
});

/** A subject as written: the inbox keeps MIME encoded-words (RFC 2047) as they came. */
const decoded = (subject: string) =>
  subject.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_all, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
/** The payment notices (not the booking confirmations) that reached this address, each with its receipt. */
const paymentMailsTo = (email: string) =>
  s.inbox.mails.filter((m) => m.to.includes(email) && m.attachments.length > 0).map((m) => ({ ...m, subject: decoded(m.subject) }));

async function paidBooking(p: (typeof patients)[number], start: string, amount = PRICE) {
  const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, start).toISOString(), reason: 'Consultation' }, p.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const intent = (await s.rest('POST', '/payments/intents', { appointmentId: res.body.id }, p.accessToken)).body;
  const event = stripeEvent('payment_intent.succeeded', intentObject(intent.paymentIntentId, amount, 'succeeded'));
  expect((await sendWebhook(s, event)).status).toBe(200);
  await s.services.jobs.idle();
  return { appointmentId: res.body.id as string, intent, event };
}
const inAppOf = async (token: string) => (await s.rest('GET', '/notifications?limit=50', undefined, token)).body.items as { kind: string; title: string; body: string; data: Record<string, string> }[];

describe('payment received: the receipt by email', () => {
  it('a paid booking → the in-app notice and one email with the receipt PDF (its number and amount), the outbox holding no PDF', async () => {
    const p = patients[0]!;
    const phone = 'ExponentPushToken[payment-receipt-phone-0]';
    expect((await s.rest('POST', '/devices', { token: phone, platform: 'ios', appVersion: '1.0.0', osVersion: '17.4' }, p.accessToken)).status).toBe(200);
    const { appointmentId, intent } = await paidBooking(p, '09:00');
    await s.services.devices.idle();
    const receipt = (await s.rest('GET', `/payments/${intent.paymentId}/receipt`, undefined, p.accessToken)).body;
    expect(receipt.receiptNumber).toMatch(/^R-[0-9A-F]{10}$/);

    const notices = (await inAppOf(p.accessToken)).filter((n) => n.kind === 'payment_received');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ title: 'Payment received', data: { appointmentId, paymentId: intent.paymentId } });
    expect(notices[0]!.body).toContain('AED 300.00');
    expect(notices[0]!.body).toContain(receipt.receiptNumber);
    // On the phone too.
    const pushed = expo.pushesTo(phone).filter((x) => x.data?.['kind'] === 'payment_received');
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({ title: 'Payment received', data: { paymentId: intent.paymentId } });

    const mails = paymentMailsTo(p.email);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.subject).toBe('Test Clinic: we received your payment of AED 300.00');
    expect(mail.text).toContain(receipt.receiptNumber);
    expect(mail.html).toContain('<html lang="en" dir="ltr">');
    expect(mail.attachments).toHaveLength(1);
    const [pdf] = mail.attachments;
    // The same name as GET /payments/{id}/receipt.pdf gives it.
    const viaRest = await fetch(`${s.baseUrl}/api/v1/payments/${intent.paymentId}/receipt.pdf`, { headers: { authorization: `Bearer ${p.accessToken}` } });
    expect(viaRest.headers.get('content-disposition')).toContain(pdf!.filename);
    expect(pdf).toMatchObject({ filename: `receipt-${receipt.receiptNumber}.pdf`, contentType: 'application/pdf' });
    expect(pdf!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const shown = pdfText(pdf!.content);
    expect(shown).toContain(`Receipt ${receipt.receiptNumber}`);
    expect(shown).toContain('Amount paid: AED 300.00');
    expect(shown).toContain(intent.paymentIntentId);

    // The outbox kept the payment's id and the letter, not the file.
    const entry = await s.database.cols.notifications.findOne({ _id: `payment|${intent.paymentId}` });
    expect(entry).toMatchObject({ kind: 'payment_received', status: 'sent', sentVia: 'email', message: { data: { paymentId: intent.paymentId } } });
    expect(JSON.stringify(entry)).not.toContain('%PDF');
  });

  it('Stripe redelivering the event, or sending another event for the same payment, sends nothing more', async () => {
    const p = patients[1]!;
    const { intent, event } = await paidBooking(p, '09:30');
    expect(paymentMailsTo(p.email)).toHaveLength(1);
    const replays = await Promise.all(Array.from({ length: 5 }, () => sendWebhook(s, event)));
    for (const r of replays) expect(r.body).toMatchObject({ received: true, duplicate: true });
    // A second event id about the same intent (Stripe may send one per endpoint or after a retry of its own).
    const another = stripeEvent('payment_intent.succeeded', intentObject(intent.paymentIntentId, PRICE, 'succeeded'));
    expect((await sendWebhook(s, another)).body).toMatchObject({ duplicate: false });
    await s.services.jobs.idle();
    await s.services.notifications.sweepOutbox();
    expect(paymentMailsTo(p.email)).toHaveLength(1);
    expect((await inAppOf(p.accessToken)).filter((n) => n.kind === 'payment_received')).toHaveLength(1);
  });

  it('an Arabic reader gets the Arabic subject, text and in-app notice, right to left; the PDF is the same receipt', async () => {
    const p = patients[2]!;
    expect((await s.rest('PATCH', '/users/me', { locale: 'ar' }, p.accessToken)).status).toBe(200);
    const { intent } = await paidBooking(p, '10:00');
    const [mail] = paymentMailsTo(p.email);
    expect(mail!.subject).toBe('Test Clinic: استلمنا دفعتك البالغة AED 300.00');
    expect(mail!.text).toContain('رقم الإيصال');
    expect(mail!.html).toContain('<html lang="ar" dir="rtl">');
    const receipt = (await s.rest('GET', `/payments/${intent.paymentId}/receipt`, undefined, p.accessToken)).body;
    expect(mail!.attachments[0]!.filename).toBe(`receipt-${receipt.receiptNumber}.pdf`);
    expect(pdfText(mail!.attachments[0]!.content)).toContain('Amount paid: AED 300.00');
    const [notice] = (await inAppOf(p.accessToken)).filter((n) => n.kind === 'payment_received');
    expect(notice!.title).toBe('تم استلام الدفعة');
  });

  it('a mail server that is down: the notice waits in the outbox and the retry renders and attaches the receipt', async () => {
    const p = patients[3]!;
    s.inbox.refuse(true);
    let intent: { paymentId: string };
    try {
      ({ intent } = await paidBooking(p, '10:30'));
    } finally {
      s.inbox.refuse(false);
    }
    expect(paymentMailsTo(p.email)).toHaveLength(0);
    const waiting = await s.database.cols.notifications.findOne({ _id: `payment|${intent.paymentId}` });
    expect(waiting).toMatchObject({ status: 'queued', channels: ['email'] });
    expect(waiting!.lastError).toMatch(/smtp 451/);
    // In the app already.
    expect((await inAppOf(p.accessToken)).filter((n) => n.kind === 'payment_received')).toHaveLength(1);

    s.clock.advance(MIN + 1_000);
    await s.services.notifications.sweepOutbox();
    s.clock.set(dubai(day1, '09:05'));
    const mails = paymentMailsTo(p.email);
    expect(mails).toHaveLength(1);
    expect(pdfText(mails[0]!.attachments[0]!.content)).toContain('Amount paid: AED 300.00');
    expect(await s.database.cols.notifications.findOne({ _id: `payment|${intent.paymentId}` })).toMatchObject({ status: 'sent', sentVia: 'email' });
  });

  it('email switched off for payment notices: in the app only; a failed payment tells nothing', async () => {
    const p = patients[4]!;
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { payment_received: { email: false } } }, p.accessToken)).status).toBe(200);
    const all = { in_app: false, push: false, email: false, whatsapp: false, sms: false };
    // A notice about money keeps at least one channel.
    const refused = await s.rest('PATCH', '/notifications/preferences', { preferences: { payment_received: all } }, p.accessToken);
    expect(refused.status).toBe(400);
    expect(refused.body.data.fieldErrors).toHaveProperty(['preferences.payment_received']);
    await paidBooking(p, '11:00');
    expect(paymentMailsTo(p.email)).toHaveLength(0);
    expect((await inAppOf(p.accessToken)).filter((n) => n.kind === 'payment_received')).toHaveLength(1);

    const q = patients[5]!;
    const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, '11:30').toISOString(), reason: 'x' }, q.accessToken);
    const intent = (await s.rest('POST', '/payments/intents', { appointmentId: res.body.id }, q.accessToken)).body;
    expect((await sendWebhook(s, stripeEvent('payment_intent.payment_failed', intentObject(intent.paymentIntentId, PRICE, 'requires_payment_method')))).status).toBe(200);
    expect(paymentMailsTo(q.email)).toHaveLength(0);
    expect((await inAppOf(q.accessToken)).filter((n) => n.kind === 'payment_received')).toHaveLength(0);
    expect(await s.database.cols.notifications.countDocuments({ _id: `payment|${intent.paymentId}` })).toBe(0);
  });

  it('a payment that arrives after someone took the lapsed slot is refunded: the refund notice, no payment notice', async () => {
    const [late, other] = [patients[7]!, patients[6]!];
    const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, '14:00').toISOString(), reason: 'x' }, late.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const intent = (await s.rest('POST', '/payments/intents', { appointmentId: res.body.id }, late.accessToken)).body;
    s.clock.advance(16 * MIN);
    await s.services.jobs.runDue();
    s.clock.set(dubai(day1, '09:05'));
    const taker = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, '14:00').toISOString(), reason: 'x' }, other.accessToken);
    expect(taker.status, JSON.stringify(taker.body)).toBe(200);
    expect((await sendWebhook(s, stripeEvent('payment_intent.succeeded', intentObject(intent.paymentIntentId, PRICE, 'succeeded')))).status).toBe(200);
    await s.services.jobs.idle();
    expect(s.inbox.mails.some((m) => m.to.includes(late.email) && /refunded/.test(m.subject))).toBe(true);
    expect(paymentMailsTo(late.email)).toHaveLength(0);
    expect((await inAppOf(late.accessToken)).map((n) => n.kind)).not.toContain('payment_received');
  });

  it('a booking the insurer covers in full: "nothing to pay" with the receipt showing the insurer share, once', async () => {
    const p = patients[6]!;
    const first14 = '784198812345' + '85'; // the simulator's Thiqa plan: no co-pay
    expect((await s.rest('POST', '/insurance/check', { emiratesId: first14 + emiratesIdCheckDigit(first14) }, p.accessToken)).body).toMatchObject({ status: 'eligible', insurer: 'Thiqa' });
    const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, '12:00').toISOString(), reason: 'x' }, p.accessToken);
    const intent = await s.rest('POST', '/payments/intents', { appointmentId: res.body.id }, p.accessToken);
    expect(intent.body).toMatchObject({ amount: 0, status: 'covered' });
    await s.services.jobs.idle();
    const mails = paymentMailsTo(p.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/is covered by your insurance$/);
    expect(mails[0]!.text).toContain('Thiqa');
    const shown = pdfText(mails[0]!.attachments[0]!.content);
    expect(shown).toContain('Covered by Thiqa');
    expect(shown).toContain('Amount paid: AED 0.00');
    const notices = (await inAppOf(p.accessToken)).filter((n) => n.kind === 'payment_received');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toBe('Covered by your insurance');
    expect((await s.database.cols.appointments.findOne({ _id: new ObjectId(res.body.id) }))!.status).toBe('confirmed');
  });
});

describe('payment received: a patient who also writes on WhatsApp', () => {
  it('gets the receipt by email first (WhatsApp carries no PDF), and no WhatsApp text about it', async () => {
    const api = await startTwilioApi();
    const w = await startTestServer({ twilio: { api } });
    try {
      w.clock.set(dubai(day1, '09:05'));
      const doctor = (await createPhysician(w)).id;
      await w.services.clinic.updatePolicies({ paymentRequired: true });
      const [p] = await makePatients(w, 1);
      const phone = (await w.database.cols.users.findOne({ email: p!.email }))!.phone!;
      // Inside the 24-hour window: WhatsApp, the notifier's first channel, could carry free text.
      await sendWhatsApp(w, api, phone, 'hello');
      const res = await w.rest('POST', '/appointments', { physicianId: doctor, start: dubai(day2, '09:00').toISOString(), reason: 'x' }, p!.accessToken);
      const intent = (await w.rest('POST', '/payments/intents', { appointmentId: res.body.id }, p!.accessToken)).body;
      expect((await sendWebhook(w, stripeEvent('payment_intent.succeeded', intentObject(intent.paymentIntentId, PRICE, 'succeeded')))).status).toBe(200);
      await w.services.jobs.idle();
      const mails = w.inbox.mails.filter((m) => m.to.includes(p!.email) && m.attachments.length > 0);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.attachments[0]!.contentType).toBe('application/pdf');
      expect(await w.database.cols.notifications.findOne({ _id: `payment|${intent.paymentId}` })).toMatchObject({ channels: ['email', 'whatsapp'], status: 'sent', sentVia: 'email' });
      expect(await w.database.cols.outboundMessages.countDocuments({ to: phone, purpose: 'payment_received' })).toBe(0);
    } finally {
      await w.close();
      await api.close();
    }
  });
});
