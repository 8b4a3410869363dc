import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import { DEFAULT_AUTH_SETTINGS, createExpoPushSender, createHttpInsuranceProvider, createStripeClient, emailNotifier, hashPassword, type ApiDeps, type AuthSettings, type RateLimits } from '@clinic/api';
import { ObjectId, connectDatabase, userDoc } from '@clinic/db';
import { buildApp } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createSmtpMailer } from '../../src/mailer.ts';
import { STATUS_WEBHOOK_PATH } from '../../src/routes/whatsapp.ts';
import { createClinicAssistant } from '../../src/whatsapp/agent.ts';
import type { Assistant } from '../../src/whatsapp/assistant.ts';
import { createWhatsAppTransport, type WhatsAppAppOptions } from '../../src/whatsapp/transport.ts';
import { startSmtpInbox } from './smtp.ts';

const RELAXED: Partial<RateLimits> = {
  loginPerIp: { max: 1_000, windowSeconds: 900 },
  verifyPerIp: { max: 1_000, windowSeconds: 900 },
  resendPerIp: { max: 1_000, windowSeconds: 900 },
  forgotPerIp: { max: 1_000, windowSeconds: 900 },
  resetPerIp: { max: 1_000, windowSeconds: 900 },
  signupPerIp: { max: 1_000, windowSeconds: 900 },
};

export interface TestServerOptions {
  /** An existing database of the test server's MongoDB-wire server (default: a new one); dropped by close(). */
  dbName?: string;
  auth?: Partial<Omit<AuthSettings, 'limits'>> & { limits?: Partial<RateLimits> };
  bodyLimit?: number;
  /** JSON_MAX_DEPTH; default the server's (32). */
  jsonMaxDepth?: number;
  corsOrigins?: string[];
  logger?: Logger;
  /** The insurer's eligibility API (e.g. a simulated insurer from startInsurerSim); none = checks answer "unknown". */
  insurance?: { url: string; timeoutMs?: number };
  /** true: the driver's command monitoring is on, so a test can count round trips (`database.client.on('commandStarted')`). */
  monitorCommands?: boolean;
  /** false: a server without Stripe keys. Otherwise Stripe is stripe-mock. */
  payments?: false;
  /** Where the server's Stripe client sends its requests (default: stripe-mock), e.g. a recording proxy in front of it. */
  stripeApiUrl?: string;
  /** STRIPE_PUBLISHABLE_KEY for the payment page (/pay/:id); none = the page says to pay at the clinic. */
  stripePublishableKey?: string;
  /** Outbound webhooks; `allowLoopback` is WEBHOOKS_ALLOW_LOOPBACK (default false, as in production). */
  webhooks?: { allowLoopback?: boolean; timeoutMs?: number };
  /**
   * WhatsApp through Twilio, its REST API played by a local endpoint (startTwilioApi). The assistant
   * defaults to the real one from @clinic/agent in menu mode (no LLM). None = WhatsApp off.
   */
  /** Expo's push service played by a stand-in at this URL (startExpoStandIn); none = no pushes. */
  expoPushUrl?: string;
  twilio?: {
    api: { url: string; accountSid: string; authToken: string };
    smsFrom?: string;
    templates?: { reminder?: string; confirmation?: string; byLocale?: Partial<Record<'ar' | 'fr', { reminder?: string; confirmation?: string }>> };
    /** TWILIO_TEMPLATE_STAFF_REPLY_SID: staff replies outside the 24-hour window. */
    staffReplyTemplate?: string;
    assistant?: Assistant;
  };
}

/** The sender in TWILIO_WHATSAPP_FROM for test servers. */
export const TEST_WHATSAPP_FROM = 'whatsapp:+14155238886';

/** Discard port on loopback: nothing listens, so a check fails fast and answers "unknown". */
const NO_INSURER = 'http://127.0.0.1:9';

/**
 * The real Fastify server on a loopback port, on its own database, sending mail over real SMTP.
 * `clock.advance(ms)` moves the server's clock forward (for expiry tests).
 */
export async function startTestServer(opts: TestServerOptions = {}) {
  const inbox = await startSmtpInbox();
  const dbName = opts.dbName ?? `test_${randomBytes(6).toString('hex')}`;
  const database = await connectDatabase({ uri: inject('mongoUri'), dbName, ...(opts.monitorCommands ? { driverOptions: { monitorCommands: true } } : {}) });
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const mailer = createSmtpMailer(inbox.url, 'Clinic <no-reply@clinic.test>');
  const auth: AuthSettings = {
    ...DEFAULT_AUTH_SETTINGS,
    secretKey: randomBytes(32).toString('hex'),
    ...opts.auth,
    limits: { ...DEFAULT_AUTH_SETTINGS.limits, ...RELAXED, ...opts.auth?.limits },
  };
  const stripeWebhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const stripeConnectWebhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  /** What Twilio is told this server is (the listening port differs, as behind a proxy). */
  const publicBaseUrl = 'http://127.0.0.1';
  let whatsapp: WhatsAppAppOptions | null = null;
  if (opts.twilio) {
    const t = opts.twilio;
    const transport = createWhatsAppTransport({
      twilio: { accountSid: t.api.accountSid, authToken: t.api.authToken, whatsappFrom: TEST_WHATSAPP_FROM, smsFrom: t.smsFrom, apiBaseUrl: t.api.url, templates: t.templates, staffReplyTemplate: t.staffReplyTemplate },
      database,
      clock,
      log: opts.logger ?? createLogger('silent'),
      fallback: emailNotifier(mailer),
      statusCallbackUrl: `${publicBaseUrl}/api/v1${STATUS_WEBHOOK_PATH}`,
    });
    whatsapp = { ...transport, createAssistant: (services, links) => t.assistant ?? createClinicAssistant(services, { llm: null, ...links }) };
  }
  const deps: ApiDeps = {
    db: database,
    mailer,
    clock,
    auth,
    insurance: {
      provider: createHttpInsuranceProvider({ baseUrl: opts.insurance?.url ?? NO_INSURER, timeoutMs: opts.insurance?.timeoutMs ?? 3_000 }),
      encryptionKey: randomBytes(32),
    },
    payments: {
      stripe: opts.payments === false ? null : createStripeClient({ secretKey: 'sk_test_clinic', apiBaseUrl: opts.stripeApiUrl ?? inject('stripeApiUrl') }),
      webhookSecret: opts.payments === false ? null : stripeWebhookSecret,
      connectWebhookSecret: opts.payments === false ? null : stripeConnectWebhookSecret,
    },
    clinicName: 'Test Clinic',
    timeZone: 'Asia/Dubai',
    whatsappNumber: opts.twilio ? TEST_WHATSAPP_FROM.slice('whatsapp:'.length) : null,
    ...(whatsapp ? { notifier: whatsapp.notifier, whatsappOut: whatsapp.staffOutbound } : {}),
    ...(opts.expoPushUrl ? { push: createExpoPushSender({ baseUrl: opts.expoPushUrl }) } : {}),
    webhooks: { allowLoopback: opts.webhooks?.allowLoopback ?? false, ...(opts.webhooks?.timeoutMs ? { timeoutMs: opts.webhooks.timeoutMs } : {}) },
  };
  const { app, services } = await buildApp({
    deps,
    database,
    logger: opts.logger ?? createLogger('silent'),
    corsOrigins: opts.corsOrigins ?? ['https://app.clinic.test'],
    bodyLimit: opts.bodyLimit ?? 100_000,
    ...(opts.jsonMaxDepth !== undefined ? { jsonMaxDepth: opts.jsonMaxDepth } : {}),
    publicBaseUrl,
    whatsapp,
    stripePublishableKey: opts.stripePublishableKey ?? null,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    app,
    services,
    deps,
    database,
    inbox,
    baseUrl,
    publicBaseUrl,
    /** The WhatsApp transport (store, messenger, notifier) when started with `twilio`. */
    whatsapp,
    stripeWebhookSecret,
    stripeConnectWebhookSecret,
    clock: {
      advance: (ms: number) => void (offsetMs += ms),
      /** From now on the server believes it is `at` (and time keeps running from there). */
      set: (at: Date) => void (offsetMs = at.getTime() - Date.now()),
      now: clock,
    },
    /** REST call helper: JSON in, `{ status, body, headers }` out. */
    async rest(method: string, path: string, body?: unknown, token?: string) {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, body: json, headers: res.headers };
    },
    async close() {
      await app.close();
      mailer.close();
      await database.db.dropDatabase();
      await database.close();
      await inbox.close();
    },
  };
}
export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

let seq = 0;
export function uniqueEmail(tag = 'patient') {
  return `${tag}.${Date.now().toString(36)}.${seq++}@example.test`;
}

/** Registers and verifies a patient over REST; returns its tokens and email. */
export async function registerVerified(server: TestServer, password = 'correct horse battery') {
  const email = uniqueEmail();
  const reg = await server.rest('POST', '/auth/register', { email, password, fullName: 'Test Patient' });
  if (reg.status !== 200) throw new Error(`register failed: ${JSON.stringify(reg.body)}`);
  const code = await server.inbox.codeFor(email, /verification code/);
  const ver = await server.rest('POST', '/auth/verify', { email, code });
  if (ver.status !== 200) throw new Error(`verify failed: ${JSON.stringify(ver.body)}`);
  return { email, password, userId: reg.body.userId as string, ...(ver.body as { accessToken: string; refreshToken: string }) };
}

/** Creates `n` verified patients straight in the database (fast fixture) and signs each in over REST. */
export async function makePatients(server: TestServer, n: number, password = 'patient-pass-1') {
  const passwordHash = await hashPassword(password);
  const now = new Date();
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    ...userDoc({ email: uniqueEmail(`p${i}`), fullName: `Patient ${i}`, phone: `+97150${String(1_000_000 + i).slice(-7)}`, role: 'patient' }, passwordHash, now),
  }));
  await server.database.cols.users.insertMany(docs);
  const out: { userId: string; email: string; accessToken: string }[] = [];
  for (const d of docs) {
    const res = await server.rest('POST', '/auth/login', { email: d.email, password });
    out.push({ userId: d._id.toHexString(), email: d.email, accessToken: res.body.accessToken });
  }
  return out;
}

/** A staff, doctor or admin account created as an admin would, signed in over REST. */
export async function makeStaff(server: TestServer, role: 'staff' | 'doctor' | 'admin', password = 'staff-pass-123') {
  const user = await server.services.users.createStaffUser({ email: uniqueEmail(role), password, fullName: `Test ${role}`, role });
  const res = await server.rest('POST', '/auth/login', { email: user.email, password });
  return { userId: user.id, email: user.email, accessToken: res.body.accessToken as string };
}
