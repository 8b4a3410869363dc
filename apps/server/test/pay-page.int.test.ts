import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { intentObject, sendWebhook, stripeEvent } from './support/stripe-events.ts';
import { sendWhatsApp, startTwilioApi, type TwilioApi } from './support/twilio.ts';

const PUBLISHABLE_KEY = 'pk_test_clinicPayPage';
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);
const at = (day: string, time: string) => dubai(day, time).toISOString();

let api: TwilioApi;
let s: TestServer;
let physicianId: string;
let patients: Awaited<ReturnType<typeof makePatients>>;

/** A server with paymentRequired on and a physician; returns it and the physician's id. */
async function clinicServer(opts: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(opts);
  const id = (await createPhysician(server)).id;
  const admin = await makeStaff(server, 'admin');
  expect((await server.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, admin.accessToken)).status).toBe(200);
  return { server, physicianId: id };
}

/** A held booking and its payment intent, as a patient would get them over REST. */
async function pendingPayment(server: TestServer, docId: string, token: string, start: string) {
  const appt = await server.rest('POST', '/appointments', { physicianId: docId, start, reason: 'Consultation' }, token);
  expect(appt.body.status).toBe('pending_payment');
  const intent = await server.rest('POST', '/payments/intents', { appointmentId: appt.body.id }, token);
  expect(intent.status).toBe(200);
  return intent.body as { paymentId: string; paymentIntentId: string; clientSecret: string; checkoutToken: string; amount: number };
}

async function getPage(server: TestServer, path: string) {
  const res = await fetch(`${server.baseUrl}${path}`);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

beforeAll(async () => {
  api = await startTwilioApi();
  ({ server: s, physicianId } = await clinicServer({ stripePublishableKey: PUBLISHABLE_KEY, twilio: { api } }));
  s.clock.set(dubai(day1, '09:05'));
  patients = await makePatients(s, 3);
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});

describe('the payment page /pay/:checkoutToken', () => {
  it('a pending payment: amount, physician and time, the Payment Element with this payment’s client secret only, under a strict CSP', async () => {
    const mine = await pendingPayment(s, physicianId, patients[0]!.accessToken, at(day2, '09:00'));
    const other = await pendingPayment(s, physicianId, patients[1]!.accessToken, at(day2, '09:30'));
    // stripe-mock answers every create with the same fixture secret: give each payment its own, as Stripe does.
    for (const p of [mine, other]) {
      p.clientSecret = `${p.paymentIntentId}_secret_${p.paymentId}`;
      await s.database.cols.payments.updateOne({ _id: new ObjectId(p.paymentId) }, { $set: { clientSecret: p.clientSecret } });
    }

    const page = await getPage(s, `/pay/${mine.checkoutToken}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.html).toContain('AED 300.00');
    expect(page.html).toContain('09:00 (Asia/Dubai)');
    expect(page.html).toContain(mine.clientSecret);
    expect(page.html).not.toContain(other.clientSecret);
    expect(page.html).toContain(PUBLISHABLE_KEY);
    expect(page.html).toContain('<script src="https://js.stripe.com/v3/"></script>');
    // Nothing about the patient.
    expect(page.html).not.toContain(patients[0]!.email);
    expect(page.html).not.toContain('Patient 0');

    const csp = page.headers.get('content-security-policy')!;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual([expect.stringMatching(/^'nonce-[A-Za-z0-9+/=]+'$/), 'https://js.stripe.com']);
    expect(directives['frame-src']).toContain('https://js.stripe.com');
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    // The nonce on the inline script is the one in the header.
    const nonce = /'nonce-([^']+)'/.exec(directives['script-src']![0]!)![1]!;
    expect(page.html).toContain(`<script nonce="${nonce}">`);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it("a payment's id, an unknown token or a malformed one is a 404 page with no script", async () => {
    const p = await pendingPayment(s, physicianId, patients[2]!.accessToken, at(day2, '12:00'));
    expect(p.checkoutToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The id is not the capability: ObjectIds are partly predictable (time, machine, counter).
    for (const id of [p.paymentId, randomBytes(24).toString('base64url'), 'not-a-payment', 'aaaaaaaaaaaa', '%3Cscript%3E']) {
      const page = await getPage(s, `/pay/${id}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.html).toContain('Payment not found');
      expect(page.html).not.toContain('<script');
      expect(page.html).not.toContain('js.stripe.com');
    }
  });

  it('after the succeeded webhook the page says "already paid" and carries no client secret', async () => {
    const p = await pendingPayment(s, physicianId, patients[2]!.accessToken, at(day2, '10:00'));
    expect((await sendWebhook(s, stripeEvent('payment_intent.succeeded', intentObject(p.paymentIntentId, p.amount, 'succeeded')))).status).toBe(200);
    const page = await getPage(s, `/pay/${p.checkoutToken}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('already paid');
    expect(page.html).toContain('AED 300.00');
    expect(page.html).not.toContain(p.clientSecret);
    expect(page.html).not.toContain('<script');
    expect(page.headers.get('content-security-policy')).not.toContain('js.stripe.com');
  });

  it('a WhatsApp booking gets a link to this page, which offers that payment', async () => {
    const phone = `+97155${randomInt(1_000_000, 9_999_999)}`;
    for (const text of ['hi', '1', '1', '1', '1']) expect((await sendWhatsApp(s, api, phone, text)).length).toBeGreaterThan(0);
    const replies = (await sendWhatsApp(s, api, phone, 'yes')).join('\n');
    const link = /Pay AED 300 here to confirm: (\S+)/.exec(replies)?.[1];
    expect(link).toMatch(new RegExp(`^${s.publicBaseUrl.replace(/[.]/g, '\\.')}/pay/[A-Za-z0-9_-]{32}$`));
    const checkoutToken = link!.split('/').pop()!;
    const payment = await s.database.cols.payments.findOne({ checkoutToken });
    const page = await getPage(s, `/pay/${checkoutToken}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('AED 300.00');
    expect(page.html).toContain(payment!.clientSecret!);
  });

  it('without a publishable key the page asks the patient to pay at the clinic', async () => {
    const bare = await clinicServer({});
    try {
      bare.server.clock.set(dubai(day1, '09:05'));
      const [p] = await makePatients(bare.server, 1);
      const pending = await pendingPayment(bare.server, bare.physicianId, p!.accessToken, at(day2, '11:00'));
      const page = await getPage(bare.server, `/pay/${pending.checkoutToken}`);
      expect(page.status).toBe(200);
      expect(page.html).toContain('AED 300.00');
      expect(page.html).toContain('pay at the clinic');
      expect(page.html).not.toContain(pending.clientSecret);
      expect(page.html).not.toContain('<script');
    } finally {
      await bare.server.close();
    }
  });

  it("a clinic with a connected Stripe account: the page opens Stripe.js on that account; the platform's payments on none", async () => {
    const checkoutConfig = (html: string) => JSON.parse(/<script type="application\/json" id="checkout">([\s\S]*?)<\/script>/.exec(html)![1]!) as Record<string, unknown>;
    const connected = await insertSecondClinic(s, { paymentRequired: true });
    await s.services.clinic.setIntegrations(connected._id, { stripeAccountId: 'acct_1GulfCarePayPage' });
    const theirs = (await createPhysician(s, { clinic: connected })).id;
    const p = await pendingPayment(s, theirs, patients[1]!.accessToken, at(day2, '15:00'));
    const page = await getPage(s, `/pay/${p.checkoutToken}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Gulf Care Clinic');
    expect(checkoutConfig(page.html)).toMatchObject({ publishableKey: PUBLISHABLE_KEY, clientSecret: p.clientSecret, stripeAccount: 'acct_1GulfCarePayPage' });

    const platform = await pendingPayment(s, physicianId, patients[1]!.accessToken, at(day2, '16:00'));
    expect(checkoutConfig((await getPage(s, `/pay/${platform.checkoutToken}`)).html)).toMatchObject({ publishableKey: PUBLISHABLE_KEY, stripeAccount: null });
  });
});
