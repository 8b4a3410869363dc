import * as z from 'zod';
import { IdSchema } from './common.ts';

/** The languages notifications are written in. */
export const LOCALES = ['en', 'ar', 'fr'] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;

/** What a user may change of their own profile (today: the language their notifications are written in). */
export const UpdateProfileInput = z.strictObject({
  locale: LocaleSchema.describe('the language of your notifications'),
});

export const InAppNotificationSchema = z.object({
  id: IdSchema,
  // Open: new kinds (chat messages, …) reach the app without a contract change; the app shows title and body.
  kind: z.string().describe('booking_confirmed, appointment_moved, appointment_cancelled, appointment_reminder, payment_received, payment_refunded, …'),
  title: z.string(),
  body: z.string(),
  clinicId: IdSchema.nullable().describe('the clinic of the record it is about; null when none'),
  data: z.record(z.string(), z.string()).describe('ids of what it is about (appointmentId, …)'),
  createdAt: z.date(),
  readAt: z.date().nullable(),
});
export type InAppNotification = z.infer<typeof InAppNotificationSchema>;

export const ListNotificationsInput = z.strictObject({
  cursor: IdSchema.optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const NotificationPageSchema = z.object({
  items: z.array(InAppNotificationSchema),
  nextCursor: IdSchema.nullable(),
});

export const UnreadCountSchema = z.object({ unread: z.number().int().nonnegative() });

export const NotificationIdInput = z.strictObject({ id: IdSchema });

export const MarkAllReadSchema = z.object({ marked: z.number().int().nonnegative(), unread: z.literal(0) });

export const NotificationsSubscriptionInput = z.strictObject({
  // Set by the client links on reconnect (tracked ids), or by the app from the last event it kept.
  lastEventId: z.string().regex(/^\d{1,15}$/, 'must be the id of an event this stream delivered').nullish(),
});

/**
 * One live event of a user's notifications. `created`: a new one; `read`: one was marked read; `all_read`: every
 * one is read; `resync`: events since the client's last one are no longer kept — reload the list.
 */
export interface NotificationEvent {
  kind: 'created' | 'read' | 'all_read' | 'resync';
  notification: InAppNotification | null;
  /** The user's unread count after the change; null on resync. */
  unread: number | null;
  /** When the change was stored, ISO 8601 UTC. */
  at: string;
}

/** An Expo push token as the Expo SDK hands it to the app. */
export const PushTokenSchema = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(/^(ExponentPushToken|ExpoPushToken)\[[A-Za-z0-9_-]{1,200}\]$/, 'must be an Expo push token such as ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]');

export const RegisterDeviceInput = z.strictObject({
  token: PushTokenSchema,
  platform: z.enum(['ios', 'android']),
  appVersion: z.string().trim().min(1, 'is required').max(40, 'must be at most 40 characters'),
  osVersion: z.string().trim().min(1, 'is required').max(40, 'must be at most 40 characters'),
  model: z.string().trim().max(80, 'must be at most 80 characters').default(''),
  locale: z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/, 'must be a language tag such as en-AE').default('en'),
});

export type RegisterDevice = z.output<typeof RegisterDeviceInput>;

/** REST carries the token in the path, percent-encoded (`%5B…%5D`), and trpc-to-openapi hands path values on undecoded. */
const decoded = (v: string) => {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
};
export const DeviceTokenInput = z.strictObject({ token: z.string().max(800, 'must be at most 800 characters').transform(decoded).pipe(PushTokenSchema) });

export const DeviceSchema = z.object({
  token: z.string(),
  platform: z.enum(['ios', 'android']),
  appVersion: z.string(),
  osVersion: z.string(),
  model: z.string(),
  locale: z.string(),
  active: z.boolean().describe('false once Expo said the app is no longer installed; registering again reactivates it'),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Device = z.infer<typeof DeviceSchema>;

/** The ways a notification reaches its user. */
export const NOTIFICATION_CHANNELS = ['in_app', 'push', 'email', 'whatsapp', 'sms'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
/** The kinds a user chooses channels for. */
export const PREFERENCE_KINDS = ['booking_confirmed', 'appointment_moved', 'appointment_cancelled', 'appointment_reminder', 'payment_received', 'payment_refunded', 'chat_message'] as const;
export type PreferenceKind = (typeof PREFERENCE_KINDS)[number];
/** About the user's bookings and money: each keeps at least one channel. */
export const TRANSACTIONAL_KINDS: readonly PreferenceKind[] = ['booking_confirmed', 'appointment_moved', 'appointment_cancelled', 'appointment_reminder', 'payment_received', 'payment_refunded'];

const ChannelsSchema = z.object(Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, z.boolean()])) as Record<NotificationChannel, z.ZodBoolean>);
export type ChannelChoice = z.infer<typeof ChannelsSchema>;

export const NotificationPreferencesSchema = z.object({
  preferences: z.object(Object.fromEntries(PREFERENCE_KINDS.map((k) => [k, ChannelsSchema])) as Record<PreferenceKind, typeof ChannelsSchema>),
});
export type NotificationPreferences = z.infer<typeof NotificationPreferencesSchema>;

const ChannelChangesSchema = z.strictObject(Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, z.boolean().optional()])) as Record<NotificationChannel, z.ZodOptional<z.ZodBoolean>>);

export const UpdateNotificationPreferencesInput = z.strictObject({
  preferences: z
    .strictObject(Object.fromEntries(PREFERENCE_KINDS.map((k) => [k, ChannelChangesSchema.optional()])) as Record<PreferenceKind, z.ZodOptional<typeof ChannelChangesSchema>>)
    .describe('per kind, the channels to change (true: on, false: off); others stay as they are'),
});
export type PreferenceChanges = Partial<Record<PreferenceKind, Partial<ChannelChoice>>>;

/** An outbox entry's id as this API shows it (its key, base64url): opaque to callers. */
export const OutboxEntryIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be an outbox entry id this API returned');

/** The outbox states staff look at: given up after a day of retries, waiting for a retry, or no channel could carry it. */
export const OUTBOX_LIST_STATUSES = ['failed', 'queued', 'no_channel'] as const;

export const ListOutboxInput = z.strictObject({
  status: z.enum(OUTBOX_LIST_STATUSES).default('failed'),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,600}$/, 'must be the nextCursor this API returned').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const OutboxEntryIdInput = z.strictObject({ id: OutboxEntryIdSchema });

const OUTSIDE_CHANNELS = ['whatsapp', 'sms', 'email'] as const;
const ZonedTime = z.string().describe("ISO 8601 with the clinic's UTC offset");

/** A notification as the clinic's staff see it in the outbox: who (masked), what kind, and each channel's attempts. */
export const OutboxEntrySchema = z.object({
  id: OutboxEntryIdSchema,
  kind: z.string().describe('booking_confirmed, appointment_reminder, payment_received, payment_refunded, appointment_no_show, chat_message'),
  status: z.enum(['sending', 'queued', 'sent', 'no_channel', 'skipped', 'failed']),
  recipient: z.object({
    name: z.string(),
    email: z.string().nullable().describe('masked: the first letter and the domain'),
    phone: z.string().nullable().describe('masked: the country code and the last two digits'),
  }),
  appointmentId: IdSchema.nullable(),
  channels: z.array(z.enum(OUTSIDE_CHANNELS)).describe('the channels it may use, in the order tried'),
  tries: z.array(
    z.object({
      attempt: z.number().int().nonnegative(),
      channel: z.enum(OUTSIDE_CHANNELS),
      at: ZonedTime,
      outcome: z.enum(['sent', 'no_channel', 'failed']),
      error: z.string().nullable().describe("the failure's name and codes (SMTP, Twilio, HTTP), never its message"),
    }),
  ),
  lastError: z.string().nullable(),
  createdAt: ZonedTime,
  updatedAt: ZonedTime,
  nextAttemptAt: ZonedTime.nullable(),
});
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;

export const OutboxPageSchema = z.object({ items: z.array(OutboxEntrySchema), nextCursor: z.string().nullable(), timeZone: z.string() });
export type OutboxPage = z.infer<typeof OutboxPageSchema>;
