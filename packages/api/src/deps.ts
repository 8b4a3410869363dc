import type Stripe from 'stripe';
import type { Locale } from '@clinic/contracts';
import type { Database, OutsideChannel } from '@clinic/db';
import type { Clock } from './clock.ts';
import type { EventBus } from './events/bus.ts';
import type { InsuranceProvider } from './modules/insurance/insurance.provider.ts';
import type { Limit } from './security/rate-limit.ts';
import { letterHtml } from './modules/notifications/notifications.messages.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** The same letter as HTML (its language's direction); absent: text only. */
  html?: string;
  /** Files sent with it (a payment's receipt PDF), rendered for this send. */
  attachments?: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Outbound email port; the server plugs in SMTP (or, in development, the log). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export interface Recipient {
  userId: string;
  name: string;
  email: string | null;
  phone: string | null;
}

/** A message to a patient; `data` carries the values a templated channel (WhatsApp) fills in. */
export interface Notification {
  kind: 'appointment_reminder' | 'booking_confirmed' | 'payment_received' | 'payment_refunded' | 'chat_message' | 'appointment_no_show';
  to: Recipient;
  subject: string;
  text: string;
  data: Record<string, string>;
  /** The language `subject` and `text` are written in (the email's direction, the WhatsApp template's language); absent: en. */
  locale?: Locale;
  /** The outside channels its recipient allows for this kind (their preferences); absent: all of them. */
  channels?: { email: boolean; whatsapp: boolean; sms: boolean };
  /** The email's files, rendered by the outbox for an email attempt (never stored with the message); other channels ignore them. */
  attachments?: MailAttachment[];
}

/**
 * Outbound patient notifications port: email by default; the server's WhatsApp notifier adds WhatsApp and SMS. The
 * notifications outbox calls it for one channel at a time (`channels` naming exactly that one).
 */
export interface Notifier {
  /** The channels it can carry, in the order to try them. */
  readonly channels: readonly OutsideChannel[];
  /**
   * 'no_channel' when the patient cannot be reached on the channels allowed (no address, never wrote on WhatsApp…);
   * throws when a send failed. An error with a 4xx `status` (Twilio) or a 5xx `responseCode` (SMTP) says that channel
   * refuses this message for good; any other is retried.
   */
  notify(notification: Notification): Promise<'sent' | 'no_channel'>;
}

/** The default notifier: email, when the patient has an address. */
export function emailNotifier(mailer: Mailer): Notifier {
  return {
    channels: ['email'],
    async notify(n) {
      if (!n.to.email || n.channels?.email === false) return 'no_channel';
      await mailer.send({ to: n.to.email, subject: n.subject, text: n.text, html: letterHtml(n.locale ?? 'en', n.subject, n.text), ...(n.attachments?.length ? { attachments: n.attachments } : {}) });
      return 'sent';
    },
  };
}

/** One push to one device. */
export interface PushMessage {
  to: string;
  title: string;
  body: string;
  data: Record<string, string>;
}

/** `error`: Expo's code when it gave one (`DeviceNotRegistered`: the app is gone from that phone). */
export type PushResult = { status: 'ok' } | { status: 'error'; error: string | null };

/** Push notifications to phones (Expo's push service); none configured: no pushes. */
export interface PushSender {
  /** One ticket per message, in order: `ok` with the receipt id to read later, or an error at once. */
  send(messages: PushMessage[]): Promise<(PushResult & { receiptId: string | null })[]>;
  /** The receipts Expo has for these ids; ids it has none for yet are absent. */
  receipts(receiptIds: string[]): Promise<Record<string, PushResult>>;
}

/** A staff member's WhatsApp message to a patient, from one of our numbers (the server's Twilio messenger). */
export interface WhatsAppOutbound {
  /**
   * `text` to `to` (E.164) from our number `via` (null: the shared one): free text inside WhatsApp's 24-hour window
   * (since the patient's last message to that number), else the approved staff-reply template with `variables`.
   * Null when outside the window and no template is configured; throws when Twilio refuses it.
   */
  send(to: string, via: string | null, text: string, meta: { purpose: 'staff_reply' | 'staff_joined'; variables: Record<string, string> }): Promise<{ sid: string; mode: 'text' | 'template' } | null>;
}

/** Where background work reports what it could not do (the server plugs in its pino logger). */
export interface BackgroundLog {
  warn(details: object, message: string): void;
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
  /** Clinic signups per IP. */
  signupPerIp: Limit;
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
    signupPerIp: { max: 10, windowSeconds: 60 * 60 },
  },
};

/** Insurance eligibility: who answers, and the key that seals Emirates IDs at rest. */
export interface InsuranceSettings {
  provider: InsuranceProvider;
  /** 32 bytes; AES-256-GCM for the stored Emirates ID and the key of its look-up hash. */
  encryptionKey: Uint8Array;
}

/** Stripe, when configured (STRIPE_SECRET_KEY); without it payment procedures answer PAYMENTS_NOT_CONFIGURED. */
export interface PaymentSettings {
  stripe: Stripe | null;
  /** Verifies webhook signatures (STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string | null;
  /**
   * Verifies the signatures of the Connect endpoint's events (STRIPE_CONNECT_WEBHOOK_SECRET): Stripe sends connected
   * accounts' events from an endpoint of its own, with its own signing secret. None: only platform events are taken.
   */
  connectWebhookSecret?: string | null;
}

/** Outbound webhooks to clinics' own systems. */
export interface WebhookSettings {
  /** WEBHOOKS_ALLOW_LOOPBACK: endpoints may use http and loopback addresses (development and tests only). */
  allowLoopback: boolean;
  /** An attempt without an answer in this time fails; default 10 s. */
  timeoutMs?: number;
}

export interface ApiDeps {
  db: Database;
  mailer: Mailer;
  /** Defaults to email through `mailer`. */
  notifier?: Notifier;
  clock: Clock;
  /** None: background failures are dropped silently (the sweep retries what is durable anyway). */
  log?: BackgroundLog;
  auth: AuthSettings;
  insurance: InsuranceSettings;
  payments: PaymentSettings;
  clinicName: string;
  /** The clinic's WhatsApp number (E.164), for links that open a chat with it; null when WhatsApp is off. */
  whatsappNumber?: string | null;
  /** IANA zone (and name) of the clinic a database without any gets on first use. */
  timeZone: string;
  /** Push notifications to the users' phones; none: in-app and the notifier's channels only. */
  push?: PushSender;
  /** Staff replies to WhatsApp conversations; none: WhatsApp is off (replying answers WHATSAPP_NOT_CONFIGURED). */
  whatsappOut?: WhatsAppOutbound;
  /** Carries stored events to subscribers; default: in-process (one server process). Redis for several. */
  bus?: EventBus;
  /** Default: https to public addresses only. */
  webhooks?: WebhookSettings;
}
