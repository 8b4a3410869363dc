import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_AUTH_SETTINGS, createExpoPushSender, createHttpInsuranceProvider, createStripeClient, emailNotifier, hashPassword, systemClock, type ApiDeps, type Mailer } from '@clinic/api';
import { connectDatabase, formatSeedReport, seedDatabase, startEmbeddedDatabase, watchForOtherProcesses, type Database, type EmbeddedDatabase } from '@clinic/db';
import type { Config } from './config.ts';
import { startInsurerSim, type InsurerSim } from './dev/insurer-sim.ts';
import { REST_PREFIX } from './app.ts';
import { createLogMailer, createSmtpMailer } from './mailer.ts';
import { createRedisBus } from './realtime-redis.ts';
import { STATUS_WEBHOOK_PATH } from './routes/whatsapp.ts';
import { createClinicAssistant } from './whatsapp/agent.ts';
import { createWhatsAppTransport, type WhatsAppAppOptions } from './whatsapp/transport.ts';

export interface Runtime {
  database: Database;
  deps: ApiDeps;
  embedded: EmbeddedDatabase | null;
  /** The in-process simulated insurer, when INSURANCE_API_URL is not set. */
  insurerSim: InsurerSim | null;
  /** Twilio WhatsApp (webhooks, assistant, notifications), when configured. */
  whatsapp: WhatsAppAppOptions | null;
  close(): Promise<void>;
}

/** Connects the database (starting the embedded one when no MONGO_URI is set) and wires the adapters. */
export async function startRuntime(config: Config, log: Logger): Promise<Runtime> {
  let embedded: EmbeddedDatabase | null = null;
  let uri = config.mongoUri;
  if (!uri) {
    const dataDir = resolve(config.dataDir);
    log.info({ dataDir }, 'MONGO_URI not set: starting the embedded database');
    embedded = await startEmbeddedDatabase({ dataDir: join(dataDir, 'db'), postgresUrl: config.embeddedPostgresUrl, log: (m) => log.info(m) });
    uri = `${embedded.uri}clinic`;
    log.info({ engine: embedded.engine }, 'embedded database ready');
  }
  const database = await connectDatabase({ uri, log });
  const presence = await watchForOtherProcesses(database, log);

  let mailer: Mailer & { close?(): void };
  if (config.smtpUrl) mailer = createSmtpMailer(config.smtpUrl, config.mailFrom);
  else {
    log.warn('SMTP_URL not set: emails (and their codes) are written to this log instead of being sent');
    mailer = createLogMailer(log);
  }

  let insurerSim: InsurerSim | null = null;
  let insuranceUrl = config.insurance.apiUrl;
  if (!insuranceUrl) {
    insurerSim = await startInsurerSim();
    insuranceUrl = insurerSim.url;
    log.warn(`INSURANCE_API_URL not set: insurance checks go to the built-in simulated insurer at ${insuranceUrl} (test IDs in the README)`);
  }

  const email = emailNotifier(mailer);
  let whatsapp: WhatsAppAppOptions | null = null;
  if (config.twilio) {
    const transport = createWhatsAppTransport({
      twilio: config.twilio,
      database,
      clock: systemClock,
      log,
      fallback: email,
      // Only a URL Twilio can reach; without PUBLIC_BASE_URL, statuses go where the Twilio console says.
      statusCallbackUrl: config.publicBaseUrl ? `${config.publicBaseUrl.replace(/\/+$/, '')}${REST_PREFIX}${STATUS_WEBHOOK_PATH}` : undefined,
    });
    const llm = config.openai.apiKey ? { apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl, model: config.openai.model, tracing: config.openai.tracing } : null;
    whatsapp = { ...transport, createAssistant: (services, links) => createClinicAssistant(services, { llm, ...links }) };
    if (!llm) log.warn('OPENAI_API_KEY not set: the WhatsApp assistant answers with numbered menus (no language model)');
  } else {
    log.warn('TWILIO_SID / TWILIO_AUTH_TOKEN / TWILIO_WHATSAPP_FROM not set: WhatsApp is off; notifications go by email');
  }

  // Several server processes need Redis for live events to reach subscribers connected to another process.
  const bus = config.redisUrl ? await createRedisBus(config.redisUrl, { onError: (err) => log.warn({ err: err.message }, 'Redis (event bus) error') }) : null;

  if (!config.stripe.secretKey) log.warn('STRIPE_SECRET_KEY not set: online payments are off (payment calls answer "payments not configured")');

  if (embedded && (await database.cols.users.estimatedDocumentCount()) === 0) {
    const report = await seedDatabase(database, { hashPassword, password: config.seedPassword, timeZone: config.clinicTimeZone });
    log.info('\n' + formatSeedReport(report, config.seedPassword));
  }

  return {
    database,
    embedded,
    insurerSim,
    whatsapp,
    deps: {
      db: database,
      mailer,
      notifier: whatsapp?.notifier ?? email,
      ...(whatsapp ? { whatsappOut: whatsapp.staffOutbound } : {}),
      clock: systemClock,
      clinicName: config.clinicName,
      whatsappNumber: config.twilio?.whatsappFrom.slice('whatsapp:'.length) ?? null,
      timeZone: config.clinicTimeZone,
      ...(bus ? { bus } : {}),
      ...(config.push ? { push: createExpoPushSender({ baseUrl: config.push.url, accessToken: config.push.accessToken }) } : {}),
      webhooks: config.webhooks,
      auth: { ...DEFAULT_AUTH_SETTINGS, secretKey: config.secretKey },
      payments: {
        stripe: config.stripe.secretKey ? createStripeClient({ secretKey: config.stripe.secretKey, apiBaseUrl: config.stripe.apiBaseUrl }) : null,
        webhookSecret: config.stripe.webhookSecret ?? null,
        connectWebhookSecret: config.stripe.connectWebhookSecret ?? null,
      },
      insurance: {
        provider: createHttpInsuranceProvider({ baseUrl: insuranceUrl, timeoutMs: config.insurance.timeoutMs }),
        encryptionKey: config.insurance.encryptionKey,
      },
    },
    async close() {
      mailer.close?.();
      await bus?.close();
      await presence.stop();
      await database.close();
      await embedded?.stop();
      await insurerSim?.close();
    },
  };
}
