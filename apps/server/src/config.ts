import * as z from 'zod';

/** The one place that reads process.env. */
const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  MONGO_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key (sk_test_… or sk_live_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a webhook signing secret (whsec_…)').optional(),
  STRIPE_CONNECT_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a webhook signing secret (whsec_…)').optional(),
  STRIPE_PUBLISHABLE_KEY: z.string().regex(/^pk_(test|live)_\w+$/, 'must be a Stripe publishable key (pk_test_… or pk_live_…)').optional(),
  STRIPE_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  TWILIO_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC followed by 32 hex characters)').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be the Twilio auth token').optional(),
  TWILIO_WHATSAPP_FROM: z.string().regex(/^whatsapp:\+[1-9]\d{6,14}$/, 'must be a WhatsApp sender such as whatsapp:+14155238886').optional(),
  TWILIO_SMS_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +14155550100').optional(),
  TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  TWILIO_TEMPLATE_REMINDER_SID: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_CONFIRMATION_SID: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_REMINDER_BUTTONS_SID: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_STAFF_REPLY_SID: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_REMINDER_SID_AR: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_REMINDER_SID_FR: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_CONFIRMATION_SID_AR: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_CONFIRMATION_SID_FR: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_REMINDER_BUTTONS_SID_AR: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  TWILIO_TEMPLATE_REMINDER_BUTTONS_SID_FR: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex characters)').optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  // Off unless asked for: the Agents SDK would otherwise export traces of patient conversations to OpenAI.
  OPENAI_AGENTS_TRACING: z.enum(['true', 'false', '1', '0']).default('false'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().default('Al Noor Clinic <no-reply@clinic.test>'),
  CLINIC_TIMEZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Dubai').default('Asia/Dubai'),
  CLINIC_NAME: z.string().default('Al Noor Family Clinic'),
  CORS_ORIGINS: csv.default([]),
  PUBLIC_BASE_URL: z.url().optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_POSTGRES_URL: z.union([z.literal('off'), z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL or off' })]).optional(),
  SEED_PASSWORD: z.string().min(8).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(100_000),
  // Beyond a few hundred levels recursive code (JSON.stringify, validation) nears the stack's end again.
  JSON_MAX_DEPTH: z.coerce.number().int().min(1).max(256, 'must be at most 256').default(32),
  INSURANCE_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  INSURANCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  PII_ENCRYPTION_KEY: z
    .string()
    .refine((k) => decodeKey(k) !== null, 'must be 32 bytes written as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  // Open WebSockets per signed-in user and per client address, in each server process; one more is refused (4429).
  WS_MAX_PER_USER: z.coerce.number().int().min(1).default(10),
  WS_MAX_PER_IP: z.coerce.number().int().min(1).default(200),
  JOBS_ENABLED: z.enum(['true', 'false']).default('true'),
  JOBS_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  EXPO_PUSH_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).default('https://exp.host'),
  EXPO_ACCESS_TOKEN: z.string().min(20, 'must be an Expo access token').optional(),
  PUSH_ENABLED: z.enum(['true', 'false']).default('true'),
  // Webhook endpoints on http and loopback addresses: for development and tests, never in production.
  WEBHOOKS_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),
});

/** A 32-byte key given as 64 hex characters or as base64 / base64url; null otherwise. */
function decodeKey(text: string): Buffer | null {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Secrets a production server cannot run without. */
const REQUIRED_IN_PRODUCTION = ['MONGO_URI', 'SECRET_KEY', 'SMTP_URL', 'SEED_PASSWORD', 'PII_ENCRYPTION_KEY', 'INSURANCE_API_URL'] as const;

const DEV_DEFAULTS = {
  SECRET_KEY: 'dev-only-secret-key-change-me-0123456789abcdef',
  SEED_PASSWORD: 'Clinic-2026!',
  /** sha256('clinic development-only PII key') */
  PII_ENCRYPTION_KEY: 'b723efc20fed02a7a06991b782359b6b9534a606b0d70abb31f270a9b07458e6',
};

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  // Empty strings (as in a copied .env.example) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production) {
    const missing = REQUIRED_IN_PRODUCTION.filter((k) => !e[k]);
    if (missing.length) throw new ConfigError(`Missing required configuration in production: ${missing.join(', ')}`);
    if (e.WEBHOOKS_ALLOW_LOOPBACK === 'true') throw new ConfigError('WEBHOOKS_ALLOW_LOOPBACK=true is for development and tests: in production webhooks go to public https endpoints only');
  }
  const twilioKeys = ['TWILIO_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_WHATSAPP_FROM'] as const;
  const twilioMissing = twilioKeys.filter((k) => !e[k]);
  if (twilioMissing.length > 0 && twilioMissing.length < twilioKeys.length) {
    throw new ConfigError(`WhatsApp needs ${twilioKeys.join(', ')} together; missing: ${twilioMissing.join(', ')}`);
  }
  const defaultsInUse: string[] = [];
  const orDefault = <K extends keyof typeof DEV_DEFAULTS>(key: K): string => {
    if (e[key]) return e[key];
    defaultsInUse.push(key);
    return DEV_DEFAULTS[key];
  };
  return {
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST,
    mongoUri: e.MONGO_URI,
    secretKey: orDefault('SECRET_KEY'),
    seedPassword: orDefault('SEED_PASSWORD'),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    clinicTimeZone: e.CLINIC_TIMEZONE,
    clinicName: e.CLINIC_NAME,
    corsOrigins: e.CORS_ORIGINS,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    dataDir: e.DATA_DIR,
    /** The PostgreSQL server the embedded FerretDB stores into; unset = the local default, `off` = SQLite. */
    embeddedPostgresUrl: e.EMBEDDED_POSTGRES_URL,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT_BYTES,
    /** Deepest array/object nesting a JSON body may have (400 above it). */
    jsonMaxDepth: e.JSON_MAX_DEPTH,
    /** Real-time events across processes (Redis pub/sub); unset: in-process only, for one server process. */
    redisUrl: e.REDIS_URL,
    /** Open WebSockets per user and per address in this process; one more is closed with 4429 "too many connections". */
    realtimeLimits: { maxPerUser: e.WS_MAX_PER_USER, maxPerIp: e.WS_MAX_PER_IP },
    /** false for API-only processes; any number of processes may run jobs together. */
    jobs: { enabled: e.JOBS_ENABLED === 'true', intervalMs: e.JOBS_INTERVAL_MS },
    /** Push notifications through Expo's push service (or a stand-in at another URL); null: none are sent. */
    push: e.PUSH_ENABLED === 'true' ? { url: e.EXPO_PUSH_URL, accessToken: e.EXPO_ACCESS_TOKEN } : null,
    /** Outbound webhooks: https to public addresses only, unless loopback is allowed (development, tests). */
    webhooks: { allowLoopback: e.WEBHOOKS_ALLOW_LOOPBACK === 'true' },
    /** No apiUrl: the server answers from the built-in simulated insurer (development and tests only). */
    insurance: {
      apiUrl: e.INSURANCE_API_URL,
      timeoutMs: e.INSURANCE_TIMEOUT_MS,
      encryptionKey: decodeKey(orDefault('PII_ENCRYPTION_KEY')) as Buffer,
    },
    /**
     * Without a secret key the server runs, and payment calls answer PAYMENTS_NOT_CONFIGURED. Without a
     * publishable key the payment page (/pay/:id) asks patients to pay at the clinic.
     */
    stripe: { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, connectWebhookSecret: e.STRIPE_CONNECT_WEBHOOK_SECRET, publishableKey: e.STRIPE_PUBLISHABLE_KEY, apiBaseUrl: e.STRIPE_API_BASE_URL },
    /** null: WhatsApp is off (its webhooks answer 503 WHATSAPP_NOT_CONFIGURED) and notifications go by email. */
    twilio:
      e.TWILIO_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_WHATSAPP_FROM
        ? {
            accountSid: e.TWILIO_SID,
            authToken: e.TWILIO_AUTH_TOKEN,
            whatsappFrom: e.TWILIO_WHATSAPP_FROM,
            smsFrom: e.TWILIO_SMS_FROM,
            apiBaseUrl: e.TWILIO_API_BASE_URL,
            // Staff replies outside the 24-hour window (variables clinicName, text); none: such a reply answers 409.
            staffReplyTemplate: e.TWILIO_TEMPLATE_STAFF_REPLY_SID,
            templates: {
              reminder: e.TWILIO_TEMPLATE_REMINDER_SID,
              confirmation: e.TWILIO_TEMPLATE_CONFIRMATION_SID,
              reminderButtons: e.TWILIO_TEMPLATE_REMINDER_BUTTONS_SID,
              // A Content template is approved in one language: the Arabic and French ones, each falling back to the default.
              byLocale: {
                ar: { reminder: e.TWILIO_TEMPLATE_REMINDER_SID_AR, confirmation: e.TWILIO_TEMPLATE_CONFIRMATION_SID_AR, reminderButtons: e.TWILIO_TEMPLATE_REMINDER_BUTTONS_SID_AR },
                fr: { reminder: e.TWILIO_TEMPLATE_REMINDER_SID_FR, confirmation: e.TWILIO_TEMPLATE_CONFIRMATION_SID_FR, reminderButtons: e.TWILIO_TEMPLATE_REMINDER_BUTTONS_SID_FR },
              },
            },
          }
        : null,
    /** No API key: the WhatsApp assistant runs in menu mode (no LLM). */
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL, tracing: e.OPENAI_AGENTS_TRACING === 'true' || e.OPENAI_AGENTS_TRACING === '1' },
    /** Names of development defaults in use, to tell the operator at start-up. */
    defaultsInUse,
  };
}
