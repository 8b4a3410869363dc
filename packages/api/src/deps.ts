import type { Database } from '@clinic/db';
import type { Clock } from './clock.ts';
import type { Limit } from './security/rate-limit.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Outbound email port; the server plugs in SMTP (or, in development, the log). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export interface AuthSettings {
  /** Signs access tokens (HS256) and keys one-time-code hashes. */
  secretKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  codeTtlMinutes: number;
  codeMaxAttempts: number;
  resendCooldownSeconds: number;
  limits: RateLimits;
}

export interface RateLimits {
  loginPerIp: Limit;
  /** Failed logins per account. */
  loginPerAccount: Limit;
  verifyPerIp: Limit;
  resendPerIp: Limit;
  resendPerAccount: Limit;
  forgotPerIp: Limit;
  resetPerIp: Limit;
}

export const DEFAULT_AUTH_SETTINGS: Omit<AuthSettings, 'secretKey'> = {
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlDays: 30,
  codeTtlMinutes: 10,
  codeMaxAttempts: 5,
  resendCooldownSeconds: 60,
  limits: {
    loginPerIp: { max: 30, windowSeconds: 15 * 60 },
    loginPerAccount: { max: 10, windowSeconds: 15 * 60 },
    verifyPerIp: { max: 30, windowSeconds: 15 * 60 },
    resendPerIp: { max: 20, windowSeconds: 60 * 60 },
    resendPerAccount: { max: 5, windowSeconds: 60 * 60 },
    forgotPerIp: { max: 10, windowSeconds: 60 * 60 },
    resetPerIp: { max: 30, windowSeconds: 15 * 60 },
  },
};

export interface ApiDeps {
  db: Database;
  mailer: Mailer;
  clock: Clock;
  auth: AuthSettings;
  clinicName: string;
  /** IANA zone used until the clinic_info document names one. */
  timeZone: string;
}
