import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext } from '@clinic/api';
import { emiratesIdCheckDigit } from '@clinic/contracts';
import { ObjectId } from '@clinic/db';
import { createClinicClient } from '@clinic/sdk';
import { startInsurerSim, type InsurerSim } from '../src/dev/insurer-sim.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { intentObject, pdfText, sendWebhook, stripeEvent } from './support/stripe-events.ts';

let s: TestServer;
let sim: InsurerSim;
let physicianId: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
let admin: Awaited<ReturnType<typeof makeStaff>>;
let staff: Awaited<ReturnType<typeof makeStaff>>;
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);
const day3 = dubaiDate(3);
const PRICE = 30000; // createPhysician's fee, AED 300.00
const MIN = 60_000;

beforeAll(async () => {
  sim = await startInsurerSim();
  s = await startTestServer({ insurance: { url: sim.url } });
  s.clock.set(dubai(day1, '09:05'));
  physicianId = (await createPhysician(s)).id;
  patients = await makePatients(s, 30);
  admin = await makeStaff(s, 'admin');
  staff = await makeStaff(s, 'staff');
  expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, admin.accessToken)).status).toBe(200);
});
afterAll(async () => {
  await s.close();
  await sim.close();
});

const at = (day: string, time: string) => dubai(day, time).toISOString();
async function hold(token: string, start: string) {
  const res = await s.rest('POST', '/appointments', { physicianId, start, reason: 'Consultation' }, token);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('pending_payment');
  return res.body as { id: string; start: string };
}
const payFor = (token: string, appointmentId: string) => s.rest('POST', '/payments/intents', { appointmentId }, token);
const appointment = (id: string) => s.database.cols.appointments.findOne({ _id: new ObjectId(id) });
const paymentOf = (appointmentId: string) => s.database.cols.payments.findOne({ appointmentId: new ObjectId(appointmentId) });
const succeeded = (intentId: string, amount = PRICE) => stripeEvent('payment_intent.succeeded', intentObject(intentId, amount, 'succeeded'));
const slotsOn = async (day: string) =>
  (await s.rest('GET', `/physicians/${physicianId}/slots?from=${encodeURIComponent(at(day, '00:00'))}&to=${encodeURIComponent(at(day, '23:59'))}`)).body.slots.map((x: { start: string }) => x.start);

describe('payment intents (against stripe-mock)', () => {
  it('creates an intent for the booking price in AED minor units, once: repeats and races return the same one', async () => {
    const p = patients[0]!;
    const appt = await hold(p.accessToken, at(day2, '09:00'));
    const first = await payFor(p.accessToken, appt.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ amount: PRICE, currency: 'AED', fullPrice: { amount: PRICE, currency: 'AED' }, coverage: null, status: 'requires_payment' });
    expect(first.body.paymentIntentId).toMatch(/^pi_/);
    expect(first.body.clientSecret).toMatch(/_secret_/);

    const again = await Promise.all(Array.from({ length: 5 }, () => payFor(p.accessToken, appt.id)));
    for (const r of again) expect(r.body).toMatchObject({ paymentId: first.body.paymentId, paymentIntentId: first.body.paymentIntentId, amount: PRICE });
    expect(await s.database.cols.payments.countDocuments({ appointmentId: new ObjectId(appt.id) })).toBe(1);
  });

  it("refuses another patient's booking (404), a booking not waiting for payment (409) and anonymous callers (401)", async () => {
    const [a, b] = [patients[1]!, patients[2]!];
    const appt = await hold(a.accessToken, at(day2, '09:30'));
    expect((await payFor(b.accessToken, appt.id)).status).toBe(404);
    expect((await payFor('', appt.id)).status).toBe(401);
    expect((await s.rest('POST', `/appointments/${appt.id}/confirm`, {}, staff.accessToken)).status).toBe(200);
    const paid = await payFor(a.accessToken, appt.id);
    expect(paid.status).toBe(409);
    expect(await paymentOf(appt.id)).toBeNull();
  });

  it('a server without Stripe keys answers 503 PAYMENTS_NOT_CONFIGURED and stores nothing', async () => {
    const bare = await startTestServer({ payments: false });
    try {
      bare.clock.set(dubai(day1, '09:05'));
      const docId = (await createPhysician(bare)).id;
      await bare.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, (await makeStaff(bare, 'admin')).accessToken);
      const [p] = await makePatients(bare, 1);
      const appt = await bare.rest('POST', '/appointments', { physicianId: docId, start: at(day2, '10:00'), reason: 'x' }, p!.accessToken);
      const res = await bare.rest('POST', '/payments/intents', { appointmentId: appt.body.id }, p!.accessToken);
      expect(res.status).toBe(503);
      expect(res.body.data.appCode).toBe('PAYMENTS_NOT_CONFIGURED');
      expect(await bare.database.cols.payments.countDocuments()).toBe(0);
    } finally {
      await bare.close();
    }
  });
});

describe('Stripe webhooks', () => {
  it('succeeded → payment recorded and appointment confirmed; 20 replays change nothing more', async () => {
    const p = patients[3]!;
    const appt = await hold(p.accessToken, at(day2, '10:00'));
    const intent = (await payFor(p.accessToken, appt.id)).body;
    const event = succeeded(intent.paymentIntentId);
    const replies = await Promise.all(Array.from({ length: 20 }, () => sendWebhook(s, event)));
    for (const r of replies) expect(r.status).toBe(200);
    expect(replies.filter((r) => r.body.duplicate === false)).toHaveLength(1);

    const stored = await appointment(appt.id);
    expect(stored!.status).toBe('confirmed');
    expect(stored!.history.filter((h) => h.status === 'confirmed')).toHaveLength(1);
    const payment = await paymentOf(appt.id);
    expect(payment!.status).toBe('succeeded');
    expect(payment!.history.filter((h) => h.status === 'succeeded')).toHaveLength(1);
    // The patient sees it.
    const mine = await s.rest('GET', '/payments', undefined, p.accessToken);
    expect(mine.body.items.map((x: { id: string; status: string }) => [x.id, x.status])).toContainEqual([intent.paymentId, 'succeeded']);
  });

  it('a tampered payload, a wrong secret or no signature → 400 and nothing changes', async () => {
    const p = patients[4]!;
    const appt = await hold(p.accessToken, at(day2, '10:30'));
    const intent = (await payFor(p.accessToken, appt.id)).body;
    const event = succeeded(intent.paymentIntentId);
    const tampered = await sendWebhook(s, event, { tamper: (body) => body.replace('"succeeded"', '"succeeded" ') });
    expect(tampered.status).toBe(400);
    expect(tampered.body.message).toMatch(/signature/i);
    expect((await sendWebhook(s, event, { secret: 'whsec_not_ours' })).status).toBe(400);
    expect((await sendWebhook(s, event, { signature: null })).status).toBe(400);
    expect((await appointment(appt.id))!.status).toBe('pending_payment');
    expect((await paymentOf(appt.id))!.status).toBe('requires_payment');
    expect(await s.database.cols.webhookEvents.countDocuments({ _id: event.id })).toBe(0);
    // The genuine one still works afterwards.
    expect((await sendWebhook(s, event)).status).toBe(200);
    expect((await appointment(appt.id))!.status).toBe('confirmed');
  });

  it('payment failed → payment failed, booking not confirmed, slot released at once; a failed payment never confirms', async () => {
    const p = patients[5]!;
    const appt = await hold(p.accessToken, at(day2, '11:00'));
    const intent = (await payFor(p.accessToken, appt.id)).body;
    expect(await slotsOn(day2)).not.toContain(`${day2}T11:00:00+04:00`);
    const failed = await sendWebhook(s, stripeEvent('payment_intent.payment_failed', intentObject(intent.paymentIntentId, PRICE, 'requires_payment_method')));
    expect(failed.status).toBe(200);
    const stored = await appointment(appt.id);
    expect(stored!.status).toBe('expired');
    expect(stored!.slotKey).toBe(`released|${appt.id}`);
    expect((await paymentOf(appt.id))!.status).toBe('failed');
    expect(await slotsOn(day2)).toContain(`${day2}T11:00:00+04:00`);
    // Nobody can pay for it any more.
    expect((await payFor(p.accessToken, appt.id)).status).toBe(409);
  });

  it('succeeded after the hold lapsed, slot still free → the slot is claimed again and confirmed', async () => {
    const p = patients[6]!;
    const appt = await hold(p.accessToken, at(day2, '11:30'));
    const intent = (await payFor(p.accessToken, appt.id)).body;
    s.clock.advance(16 * MIN);
    await s.services.jobs.runDue();
    expect((await appointment(appt.id))!.status).toBe('expired');
    s.clock.set(dubai(day1, '09:05'));
    expect((await sendWebhook(s, succeeded(intent.paymentIntentId))).status).toBe(200);
    const stored = await appointment(appt.id);
    expect(stored!.status).toBe('confirmed');
    expect(stored!.slotKey).not.toMatch(/^released/);
    expect(await slotsOn(day2)).not.toContain(`${day2}T11:30:00+04:00`);
  });

  it('succeeded after the hold lapsed and someone took the slot → refund requested, patient told, the other booking untouched', async () => {
    const [late, other] = [patients[7]!, patients[8]!];
    const appt = await hold(late.accessToken, at(day2, '12:00'));
    const intent = (await payFor(late.accessToken, appt.id)).body;
    s.clock.advance(16 * MIN);
    await s.services.jobs.runDue();
    s.clock.set(dubai(day1, '09:05'));
    const taker = await hold(other.accessToken, at(day2, '12:00'));

    expect((await sendWebhook(s, succeeded(intent.paymentIntentId))).status).toBe(200);
    expect((await appointment(appt.id))!.status).toBe('expired');
    expect((await appointment(taker.id))!.status).toBe('pending_payment');
    const payment = await paymentOf(appt.id);
    expect(payment!.status).toBe('refund_pending');
    expect(payment!.refund).toMatchObject({ amount: { amount: PRICE, currency: 'AED' }, status: 'pending' });
    expect(payment!.refund!.refundId).toMatch(/^re_/);
    expect(s.inbox.mails.some((m) => m.to.includes(late.email) && /refunded/.test(m.subject))).toBe(true);

    // Stripe confirms the refund later.
    const refunded = stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge', amount: PRICE, amount_refunded: PRICE, currency: 'aed', payment_intent: intent.paymentIntentId, refunded: true });
    expect((await sendWebhook(s, refunded)).status).toBe(200);
    const after = await paymentOf(appt.id);
    expect(after!.status).toBe('refunded');
    expect(after!.refund!.status).toBe('succeeded');
  });
});

describe('refunds when a paid booking is cancelled', () => {
  async function paidBooking(token: string, start: string) {
    const appt = await hold(token, start);
    const intent = (await payFor(token, appt.id)).body;
    expect((await sendWebhook(s, succeeded(intent.paymentIntentId))).status).toBe(200);
    return { appt, intent };
  }

  it('the patient cancelling before the cutoff is refunded in full', async () => {
    const p = patients[9]!;
    const { appt } = await paidBooking(p.accessToken, at(day3, '09:00'));
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Travelling' }, p.accessToken)).status).toBe(200);
    expect((await paymentOf(appt.id))!.refund).toMatchObject({ amount: { amount: PRICE }, status: 'pending' });
  });

  it('the clinic cancelling, even at short notice, refunds in full', async () => {
    const p = patients[10]!;
    const { appt } = await paidBooking(p.accessToken, at(day1, '18:00'));
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Doctor unwell' }, staff.accessToken)).status).toBe(200);
    expect((await paymentOf(appt.id))!.refund).toMatchObject({ amount: { amount: PRICE }, status: 'pending' });
  });

  it('after the cutoff the patient cannot cancel online, and nothing is refunded', async () => {
    const p = patients[11]!;
    const { appt } = await paidBooking(p.accessToken, at(day1, '18:30'));
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'x' }, p.accessToken)).status).toBe(422);
    expect((await paymentOf(appt.id))!.status).toBe('succeeded');
    expect((await paymentOf(appt.id))!.refund).toBeNull();
  });

  it('cancelling an unpaid booking calls off its intent; a late success is refunded, not confirmed', async () => {
    const p = patients[12]!;
    const appt = await hold(p.accessToken, at(day3, '09:30'));
    const intent = (await payFor(p.accessToken, appt.id)).body;
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Changed my mind' }, p.accessToken)).status).toBe(200);
    expect((await sendWebhook(s, succeeded(intent.paymentIntentId))).status).toBe(200);
    expect((await appointment(appt.id))!.status).toBe('cancelled');
    expect((await paymentOf(appt.id))!.status).toBe('refund_pending');
  });
});

describe('receipts', () => {
  it('JSON with clinic, patient, physician, clinic-time date, amount with 5 % VAT and the reference; the PDF shows them', async () => {
    const p = patients[13]!;
    const appt = await hold(p.accessToken, at(day3, '10:00'));
    const intent = (await payFor(p.accessToken, appt.id)).body;
    expect((await s.rest('GET', `/payments/${intent.paymentId}/receipt`, undefined, p.accessToken)).status).toBe(409);
    await sendWebhook(s, succeeded(intent.paymentIntentId));

    const receipt = await s.rest('GET', `/payments/${intent.paymentId}/receipt`, undefined, p.accessToken);
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({
      clinic: { name: 'Test Clinic' },
      patient: { email: p.email },
      appointment: { id: appt.id, start: `${day3}T10:00:00+04:00`, timeZone: 'Asia/Dubai' },
      fullPrice: { amount: PRICE, currency: 'AED' },
      paid: { amount: PRICE, currency: 'AED' },
      vat: { percent: 5, amount: { amount: 1429 }, net: { amount: 28571 } },
      insurance: null,
      paymentReference: intent.paymentIntentId,
      status: 'succeeded',
    });
    expect(receipt.body.appointment.local).toMatch(/10:00/);

    const pdf = await fetch(`${s.baseUrl}/api/v1/payments/${intent.paymentId}/receipt.pdf`, { headers: { authorization: `Bearer ${p.accessToken}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.subarray(-8).toString()).toContain('%%EOF');
    const text = pdfText(bytes);
    expect(text).toContain('AED 300.00');
    expect(text).toContain('AED 14.29');
    expect(text).toContain(intent.paymentIntentId);

    // The SDK reaches the same receipt and PDF.
    const client = createClinicClient({ baseUrl: s.baseUrl, getAccessToken: () => p.accessToken });
    expect((await client.payments.receipt.query({ id: intent.paymentId })).paymentReference).toBe(intent.paymentIntentId);
    const viaSdk = await client.payments.receiptPdf.query({ id: intent.paymentId });
    expect(Buffer.from(viaSdk.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
  });

  it("nobody sees, or gets a receipt for, another patient's payment", async () => {
    const [a, b] = [patients[14]!, patients[15]!];
    const appt = await hold(a.accessToken, at(day3, '10:30'));
    const intent = (await payFor(a.accessToken, appt.id)).body;
    await sendWebhook(s, succeeded(intent.paymentIntentId));
    expect((await s.rest('GET', `/payments/${intent.paymentId}`, undefined, b.accessToken)).status).toBe(404);
    expect((await s.rest('GET', `/payments/${intent.paymentId}/receipt`, undefined, b.accessToken)).status).toBe(404);
    const pdf = await fetch(`${s.baseUrl}/api/v1/payments/${intent.paymentId}/receipt.pdf`, { headers: { authorization: `Bearer ${b.accessToken}` } });
    expect(pdf.status).toBe(404);
    expect(((await pdf.json()) as any).data.appCode).toBe('NOT_FOUND');
    expect((await fetch(`${s.baseUrl}/api/v1/payments/${intent.paymentId}/receipt.pdf`)).status).toBe(401);
    expect((await s.rest('GET', '/payments', undefined, b.accessToken)).body.items).toHaveLength(0);
    // Staff can look it up at the desk.
    expect((await s.rest('GET', `/payments/${intent.paymentId}`, undefined, staff.accessToken)).status).toBe(200);
  });
});

describe('insured patients pay their co-pay share', () => {
  it('an eligible patient (20 % co-pay) is charged 20 %; the receipt shows the fee, the insurer share and the paid share', async () => {
    const p = patients[16]!;
    const first14 = '784199012345' + '30';
    expect((await s.rest('POST', '/insurance/check', { emiratesId: first14 + emiratesIdCheckDigit(first14) }, p.accessToken)).body.status).toBe('eligible');
    const appt = await hold(p.accessToken, at(day3, '11:00'));
    // Through createCaller, as the WhatsApp assistant will.
    const caller = createCaller(createInternalContext(s.services, { userId: p.userId, role: 'patient', sessionId: null }, 'test'));
    const intent = await caller.payments.createIntent({ appointmentId: appt.id });
    expect(intent).toMatchObject({ amount: 6000, fullPrice: { amount: PRICE }, coverage: { copayPercent: 20 } });
    await sendWebhook(s, succeeded(intent.paymentIntentId!, 6000));
    const receipt = await caller.payments.receipt({ id: intent.paymentId });
    expect(receipt.fullPrice.amount).toBe(PRICE);
    expect(receipt.paid.amount).toBe(6000);
    expect(receipt.insurance).toMatchObject({ copayPercent: 20, covered: { amount: 24000 } });
    expect((await appointment(appt.id))!.status).toBe('confirmed');
  });
});
