// The real app as the bench's server processes run it (server.ts, realtime-server.ts, chat-server.ts, slots-cache.ts
// serve): buildApp from apps/server/src/app.ts wired as the server wires it — no mail, no payments (the seeded clinic
// takes payment at the desk, so bookings confirm at once), no insurer, a silent logger.
import { randomBytes } from 'node:crypto';
import { DEFAULT_AUTH_SETTINGS, systemClock, type ApiDeps, type InsuranceSettings } from '@clinic/api';
import type { Database } from '@clinic/db';
import { buildApp, type AppOptions } from '../apps/server/src/app.ts';
import { createLogger } from '../apps/server/src/logger.ts';

const RELAXED = { max: 1_000_000, windowSeconds: 900 };

/** No insurer in the bench: no benchmarked path asks one. */
const NO_INSURER: InsuranceSettings['provider'] = { checkEligibility: async () => ({ status: 'unknown', reason: 'unreachable' }) };

export interface BenchDepsOptions {
  /** The token key (default: a random one); processes that must accept each other's tokens share one. */
  secretKey?: string;
  /** The sealing key (default: a random one). */
  encryptionKey?: Buffer;
  /** Login limits out of the way: hundreds of users sign in from one address (default true). */
  relaxedLogins?: boolean;
  bus?: ApiDeps['bus'];
}

export function benchDeps(database: Database, opts: BenchDepsOptions = {}): ApiDeps {
  return {
    db: database,
    mailer: { send: async () => {} },
    clock: systemClock,
    clinicName: 'Bench Clinic',
    timeZone: 'Asia/Dubai',
    ...(opts.bus ? { bus: opts.bus } : {}),
    auth: {
      ...DEFAULT_AUTH_SETTINGS,
      secretKey: opts.secretKey ?? randomBytes(32).toString('hex'),
      // Tokens must outlive the whole run.
      accessTokenTtlSeconds: 3_600,
      ...(opts.relaxedLogins === false ? {} : { limits: { ...DEFAULT_AUTH_SETTINGS.limits, loginPerIp: RELAXED, loginPerAccount: RELAXED } }),
    },
    insurance: { provider: NO_INSURER, encryptionKey: opts.encryptionKey ?? randomBytes(32) },
    payments: { stripe: null, webhookSecret: null },
  };
}

/** buildApp with the bench's options (no CORS origins, 100 kB bodies, loopback base URL), plus `extra`. */
export async function buildBenchApp(database: Database, deps: ApiDeps, extra: Partial<AppOptions> = {}): ReturnType<typeof buildApp> {
  return buildApp({
    deps,
    database,
    logger: createLogger('silent'),
    corsOrigins: [],
    bodyLimit: 100_000,
    publicBaseUrl: 'http://127.0.0.1',
    ...extra,
  });
}
