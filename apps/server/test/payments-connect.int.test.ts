import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ObjectId, type ClinicDoc } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { intentObject, pdfText, sendWebhook, stripeEvent } from './support/stripe-events.ts';

/** One request as it reached Stripe (stripe-mock): which account it was made on is the `Stripe-Account` header. */
interface StripeRequest {
  method: string;
  path: string;
  account: string | null;
  body: string;
}

/** A loopback proxy in front of stripe-mock that records every request the server's Stripe client sends. */
async function startRecordingProxy(target: string) {
  const upstream = new URL(target);
  const seen: StripeRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const account = req.headers['stripe-account'];
      seen.push({ method: req.method ?? '', path: req.url ?? '', account: typeof account === 'string' ? account : null, body: decodeURIComponent(body.toString('utf8').replace(/\+/g, ' ')) });
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** The requests recorded from now on, read when called. */
    since() {
      const mark = seen.length;
      return () => seen.slice(mark);
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const ACCT = 'acct_1GulfCareClinic';
const PRICE = 30000;
const day1 = dubaiDate(1);
const day3 = dubaiDate(3);
const at = (day: string, time: string) => dubai(day, time).toISOString();

let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let s: TestServer;
let clinicB: ClinicDoc;
let physicianA: string;
let physicianB: string;
let patients: Awaited<ReturnType<typeof makePatients>>;

beforeAll(async () => {
  proxy = await startRecordingProxy(inject('stripeApiUrl'));
  s = await startTestServer({ stripeApiUrl: proxy.url });
  s.clock.set(dubai(day1, '09:05'));
  physicianA = (await createPhysician(s)).id;
  const admin = await makeStaff(s, 'admin');
  expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, admin.accessToken)).status).toBe(200);
  clinicB = await insertSecondClinic(s, { paymentRequired: true });
  // What PATCH /operator/clinics/{id}/integrations does.
  expect((await s.services.clinic.setIntegrations(clinicB._id, { stripeAccountId: ACCT }))?.stripeAccountId).toBe(ACCT);
  physicianB = (await createPhysician(s, { clinic: clinicB })).id;
  patients = await makePatients(s, 10);
});
afterAll(async () => {
  await s.close();
  await proxy.close();
});

async function hold(token: string, physicianId: string, start: string) {
  const res = await s.rest('POST', '/appointments', { physicianId, start, reason: 'Consultation' }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status).toBe('pending_payment');
  return res.body as { id: string };
}
async function payFor(token: string, appointmentId: string) {
  const res = await s.rest('POST', '/payments/intents', { appointmentId }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { paymentId: string; paymentIntentId: string };
}
const appointment = (id: string) => s.database.cols.appointments.findOne({ _id: new ObjectId(id) });
const payment = (id: string) => s.database.cols.payments.findOne({ _id: new ObjectId(id) });
const succeeded = (intentId: string, account?: string) => stripeEvent('payment_intent.succeeded', intentObject(intentId, PRICE, 'succeeded'), account ? { account } : {});

describe('Stripe Connect: a clinic with a connected account is paid on that account', () => {
  it("clinic B's intent is created on its account (Stripe-Account header, B's name in the description); clinic A's on the platform's", async () => {
    const [pa, pb] = [patients[0]!, patients[1]!];
    const apptB = await hold(pb.accessToken, physicianB, at(day3, '09:00'));
    const sentB = proxy.since();
    const intentB = await payFor(pb.accessToken, apptB.id);
    const createB = sentB().filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    expect(createB).toHaveLength(1);
    expect(createB[0]!.account).toBe(ACCT);
    expect(createB[0]!.body).toContain('Gulf Care Clinic');
    expect((await payment(intentB.paymentId))!.stripeAccountId).toBe(ACCT);
    // The app's Stripe SDK confirms a connected account's intent only when told the account.
    expect((intentB as { stripeAccountId?: string | null }).stripeAccountId).toBe(ACCT);

    const apptA = await hold(pa.accessToken, physicianA, at(day3, '09:00'));
    const sentA = proxy.since();
    const intentA = await payFor(pa.accessToken, apptA.id);
    const createA = sentA().filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    expect(createA).toHaveLength(1);
    expect(createA[0]!.account).toBeNull();
    expect(createA[0]!.body).toContain('Test Clinic');
    expect((await payment(intentA.paymentId))!.stripeAccountId ?? null).toBeNull();
    expect((intentA as { stripeAccountId?: string | null }).stripeAccountId).toBeNull();
  });

  it('a webhook event settles only the payment of its own account, even when intent ids collide', async () => {
    const [pa, pb] = [patients[2]!, patients[3]!];
    const apptB = await hold(pb.accessToken, physicianB, at(day3, '10:00'));
    const intentB = await payFor(pb.accessToken, apptB.id);
    const apptA = await hold(pa.accessToken, physicianA, at(day3, '10:00'));
    const intentA = await payFor(pa.accessToken, apptA.id);
    // Intent ids are unique only within one Stripe account: give A's platform payment the id of B's connected one.
    await s.database.cols.payments.updateOne({ _id: new ObjectId(intentA.paymentId) }, { $set: { intentId: intentB.paymentIntentId } });
    const shared = intentB.paymentIntentId;

    // The platform's event for that id is A's, not B's.
    expect((await sendWebhook(s, succeeded(shared))).status).toBe(200);
    expect((await payment(intentA.paymentId))!.status).toBe('succeeded');
    expect((await appointment(apptA.id))!.status).toBe('confirmed');
    expect((await payment(intentB.paymentId))!.status).toBe('requires_payment');
    expect((await appointment(apptB.id))!.status).toBe('pending_payment');

    // Another connected account's event for the same id settles nothing of ours.
    expect((await sendWebhook(s, stripeEvent('payment_intent.payment_failed', intentObject(shared, PRICE, 'requires_payment_method'), { account: 'acct_1SomeoneElse' }))).status).toBe(200);
    expect((await payment(intentB.paymentId))!.status).toBe('requires_payment');
    expect((await appointment(apptB.id))!.status).toBe('pending_payment');

    // Signed by neither endpoint's secret: refused, nothing settled.
    expect((await sendWebhook(s, succeeded(shared, ACCT), { secret: 'whsec_notstripes' })).status).toBe(400);
    expect((await payment(intentB.paymentId))!.status).toBe('requires_payment');

    // B's account's event (from the Connect endpoint, signed with its secret) is B's.
    expect((await sendWebhook(s, succeeded(shared, ACCT))).status).toBe(200);
    expect((await payment(intentB.paymentId))!.status).toBe('succeeded');
    expect((await appointment(apptB.id))!.status).toBe('confirmed');
    expect((await payment(intentA.paymentId))!.history.filter((h) => h.status === 'succeeded')).toHaveLength(1);
  });

  it("cancelling refunds on the account the intent was made on, even after the clinic's account changed; the email names the clinic", async () => {
    const [pa, pb] = [patients[4]!, patients[5]!];
    const apptB = await hold(pb.accessToken, physicianB, at(day3, '11:00'));
    const intentB = await payFor(pb.accessToken, apptB.id);
    expect((await sendWebhook(s, succeeded(intentB.paymentIntentId, ACCT))).status).toBe(200);
    const apptA = await hold(pa.accessToken, physicianA, at(day3, '11:00'));
    const intentA = await payFor(pa.accessToken, apptA.id);
    expect((await sendWebhook(s, succeeded(intentA.paymentIntentId))).status).toBe(200);

    await s.services.clinic.setIntegrations(clinicB._id, { stripeAccountId: 'acct_1GulfCareNewAccount' });
    try {
      const sentB = proxy.since();
      expect((await s.rest('POST', `/appointments/${apptB.id}/cancel`, { reason: 'Travelling' }, pb.accessToken)).status).toBe(200);
      const refundsB = sentB().filter((r) => r.method === 'POST' && r.path === '/v1/refunds');
      expect(refundsB).toHaveLength(1);
      expect(refundsB[0]!.account).toBe(ACCT);
      expect((await payment(intentB.paymentId))!.refund).toMatchObject({ amount: { amount: PRICE }, status: 'pending' });
    } finally {
      await s.services.clinic.setIntegrations(clinicB._id, { stripeAccountId: ACCT });
    }
    const mail = s.inbox.mails.find((m) => m.to.includes(pb.email) && /refunded/.test(m.subject));
    expect(mail?.subject).toBe('Gulf Care Clinic: your payment of AED 300.00 is being refunded');
    expect(mail?.text).toContain('Gulf Care Clinic');
    expect(mail?.text).not.toContain('Test Clinic');

    // Stripe confirms B's refund with a Connect event.
    const refunded = stripeEvent('charge.refunded', { id: 'ch_b', object: 'charge', amount: PRICE, amount_refunded: PRICE, currency: 'aed', payment_intent: intentB.paymentIntentId, refunded: true }, { account: ACCT });
    expect((await sendWebhook(s, refunded)).status).toBe(200);
    expect((await payment(intentB.paymentId))!.status).toBe('refunded');

    // Clinic A's refund stays on the platform's account, and its email names clinic A.
    const sentA = proxy.since();
    expect((await s.rest('POST', `/appointments/${apptA.id}/cancel`, { reason: 'Travelling' }, pa.accessToken)).status).toBe(200);
    const refundsA = sentA().filter((r) => r.method === 'POST' && r.path === '/v1/refunds');
    expect(refundsA).toHaveLength(1);
    expect(refundsA[0]!.account).toBeNull();
    expect(s.inbox.mails.find((m) => m.to.includes(pa.email) && /refunded/.test(m.subject))?.subject).toBe('Test Clinic: your payment of AED 300.00 is being refunded');
  });

  it("cancelling an unpaid booking of clinic B calls off its intent on B's account", async () => {
    const p = patients[6]!;
    const appt = await hold(p.accessToken, physicianB, at(day3, '12:00'));
    const intent = await payFor(p.accessToken, appt.id);
    const sent = proxy.since();
    expect((await s.rest('POST', `/appointments/${appt.id}/cancel`, { reason: 'Changed my mind' }, p.accessToken)).status).toBe(200);
    const cancels = sent().filter((r) => r.method === 'POST' && r.path === `/v1/payment_intents/${intent.paymentIntentId}/cancel`);
    expect(cancels).toHaveLength(1);
    expect(cancels[0]!.account).toBe(ACCT);
  });

  it("clinic B's receipt (JSON and PDF) names B's legal name, address and TRN", async () => {
    const p = patients[7]!;
    const appt = await hold(p.accessToken, physicianB, at(day3, '14:00'));
    const intent = await payFor(p.accessToken, appt.id);
    expect((await sendWebhook(s, succeeded(intent.paymentIntentId, ACCT))).status).toBe(200);

    const receipt = await s.rest('GET', `/payments/${intent.paymentId}/receipt`, undefined, p.accessToken);
    expect(receipt.status).toBe(200);
    expect(receipt.body.clinic).toMatchObject({ name: 'Gulf Care Clinic', legalName: 'Gulf Care Clinic L.L.C.', vatTrn: '100123456700003', address: 'Corniche St, Al Majaz 3' });

    const pdf = await fetch(`${s.baseUrl}/api/v1/payments/${intent.paymentId}/receipt.pdf`, { headers: { authorization: `Bearer ${p.accessToken}` } });
    expect(pdf.status).toBe(200);
    const text = pdfText(Buffer.from(await pdf.arrayBuffer()));
    expect(text).toContain('Gulf Care Clinic L.L.C.');
    expect(text).toContain('TRN 100123456700003');
    expect(text).toContain('Corniche St, Al Majaz 3');
    expect(text).not.toContain('Test Clinic');
  });
});
