import type { ObjectId } from 'mongodb';
import type { Role } from '@clinic/contracts';

export interface UserDoc {
  _id: ObjectId;
  /** Lower-cased; unique among email accounts. null for patients known only by phone (WhatsApp). */
  email: string | null;
  /**
   * The E.164 number a phone-only patient account was created from (WhatsApp); '' for email accounts.
   * `{ email, phoneIdentity }` is the unique key, so each email and each phone-only number is one account.
   * Absent on documents written before phone-only accounts existed (the index set-up backfills '').
   */
  phoneIdentity?: string;
  /** argon2id; '' = the account has no password and cannot sign in with one (phone-only patients). */
  passwordHash: string;
  fullName: string;
  phone: string | null;
  role: Role;
  /**
   * The clinic of an admin, staff or doctor account; null for patients (platform accounts). Absent on
   * documents written before accounts had a clinic (the `2026-11-30-clinic-ids` migration stamps staff ones),
   * and dropped by FerretDB when written null through an upsert's `$setOnInsert`: read it with `?? null`.
   */
  clinicId?: ObjectId | null;
  /** The language the user's notifications are written in; absent on accounts from before it existed: 'en'. */
  locale?: 'en' | 'ar' | 'fr';
  emailVerifiedAt: Date | null;
  passwordChangedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type OtpPurpose = 'verify_email' | 'reset_password';

/** One live code per user and purpose: `_id` is `<purpose>:<userId>`, so a new code replaces the old one. */
export interface OneTimeCodeDoc {
  _id: string;
  userId: ObjectId;
  purpose: OtpPurpose;
  codeHash: string;
  attempts: number;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: Date;
}

/**
 * A login session (refresh-token family) lives in one document so that rotation,
 * reuse detection and revocation are each a single atomic update.
 */
export interface SessionDoc {
  _id: ObjectId;
  userId: ObjectId;
  /** sha256 of the refresh token currently valid for this session. */
  tokenHash: string;
  /** sha256 of every refresh token this session has already rotated away from. */
  usedTokenHashes: string[];
  status: 'active' | 'revoked';
  revokedReason: string | null;
  createdAt: Date;
  rotatedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
}

/** Fixed-window counter; `_id` is `<bucket>:<key>:<windowStart>`. */
export interface RateLimitDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

export interface OpeningHours {
  /** 0 = Sunday … 6 = Saturday, in the clinic's time zone. */
  weekday: number;
  open: string;
  close: string;
}

export interface ClinicPolicies {
  /** Patients may cancel up to this many hours before the start. */
  cancellationCutoffHours: number;
  minNoticeMinutes: number;
  horizonDays: number;
  /** How long an unpaid booking holds its slot. */
  holdMinutes: number;
  /** false = clinics that take payment at the desk: bookings are confirmed at once. */
  paymentRequired: boolean;
  /** How long before the start the reminder goes out. */
  reminderLeadMinutes: number;
  /** A confirmed appointment nobody checked in becomes a no-show this long after its start. */
  noShowAfterMinutes: number;
}

/** The seven emirates, as slugs. */
export const EMIRATES = ['abu-dhabi', 'dubai', 'sharjah', 'ajman', 'umm-al-quwain', 'ras-al-khaimah', 'fujairah'] as const;
export type Emirate = (typeof EMIRATES)[number];

/** A place where a clinic sees patients. `id` is a slug, unique within its clinic. */
export interface ClinicLocationDoc {
  id: string;
  name: string;
  nameAr: string;
  emirate: Emirate;
  area: string;
  address: string;
  /** WGS84; null until known (locations migrated from the free-text branch have none). */
  lat: number | null;
  lng: number | null;
  openingHours: OpeningHours[];
}

export type ClinicStatus = 'pending' | 'active' | 'suspended';

/** A clinic (tenant): its identity for patients and receipts, its policies and its locations. */
export interface ClinicDoc {
  _id: ObjectId;
  /** Unique, made from the name. */
  slug: string;
  name: string;
  nameAr: string;
  legalName: string;
  /** UAE VAT tax registration number, printed on receipts. */
  vatTrn: string | null;
  phone: string;
  email: string;
  timeZone: string;
  currency: 'AED';
  vatRatePercent: number;
  policies: ClinicPolicies;
  locations: ClinicLocationDoc[];
  /** Slugs of the (shared) specialties this clinic offers. */
  specialties: string[];
  /**
   * The clinic's own WhatsApp sender (E.164, e.g. `+97145550100`): inbound messages to it are this clinic's, and
   * its patients hear from it. Absent or null: the platform's shared number (TWILIO_WHATSAPP_FROM).
   */
  whatsappNumber?: string | null;
  /** Its Stripe Connect account (`acct_…`): its payments are made on that account. Absent or null: the platform's. */
  stripeAccountId?: string | null;
  /**
   * The mental-health crisis line the clinic gives a patient who writes about self-harm, beside 999/998 (as dialled,
   * e.g. `800 4673`). Absent or null: 999/998 only.
   */
  crisisLine?: string | null;
  status: ClinicStatus;
  /** What a suspension interrupted: reactivation returns there (a pending clinic still needs its admin's verification). */
  statusBeforeSuspension?: 'pending' | 'active' | null;
  /** Why the platform operator suspended the clinic, and when; absent or null unless suspended. */
  suspendedReason?: string | null;
  suspendedAt?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The single clinic document of before clinics were tenants; read only by the migration to `clinics`. */
export interface ClinicInfoDoc {
  _id: ObjectId;
  name: string;
  address: { line1: string; area: string; city: string; emirate: string; country: string };
  phone: string;
  email: string;
  timeZone: string;
  openingHours: OpeningHours[];
  policies: ClinicPolicies;
  createdAt: Date;
  updatedAt: Date;
}

export interface SpecialtyDoc {
  /** The slug, e.g. `cardiology`. */
  _id: string;
  name: string;
  nameAr: string;
  subSpecialties: { slug: string; name: string }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface TimeIntervalDoc {
  start: string;
  end: string;
}

export interface PhysicianScheduleDoc {
  weekly: { weekday: number; intervals: TimeIntervalDoc[] }[];
  overrides: { date: string; intervals: TimeIntervalDoc[] }[];
  slotMinutes: number;
  bufferMinutes: number;
}

export interface PhysicianDoc {
  _id: ObjectId;
  /** The doctor's login, when the physician has one. */
  userId: ObjectId | null;
  fullName: string;
  /** The name in Arabic script; absent on records made before it existed (readers fall back to `fullName`). */
  fullNameAr?: string;
  title: string;
  gender: 'female' | 'male';
  specialty: string;
  subSpecialties: string[];
  languages: string[];
  bio: string;
  yearsOfExperience: number;
  price: { amount: number; currency: 'AED' };
  photoUrl: string | null;
  /** Running sums; `ratingAverage` is kept beside them so that it can be filtered and sorted on. */
  rating: { sum: number; count: number };
  ratingAverage: number | null;
  clinicId: ObjectId;
  /** Ids of the clinic's locations where this physician sees patients (at least one). */
  locationIds: string[];
  schedule: PhysicianScheduleDoc;
  active: boolean;
  /**
   * No longer written: the slot cache's versions moved out of the database (the bus's version store, `slots-cache.ts`).
   * Documents changed before then still carry it; nothing reads it.
   */
  busyVersion?: ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export type AppointmentStatus = 'pending_payment' | 'confirmed' | 'checked_in' | 'completed' | 'cancelled' | 'no_show' | 'expired';

export interface AppointmentDoc {
  _id: ObjectId;
  /** The physician's clinic, copied in the insert that books. */
  clinicId: ObjectId;
  physicianId: ObjectId;
  physicianName: string;
  /** The physician's Arabic name when booked; absent on older bookings (readers fall back to `physicianName`). */
  physicianNameAr?: string;
  patientId: ObjectId;
  /** Snapshot at booking time. */
  patient: { name: string; phone: string | null; email: string | null };
  /**
   * `<physicianId>|<startISO>` while the appointment holds its slot (unique index: the database refuses
   * a second claim); `released|<appointmentId>` once cancelled or expired, in the same update.
   */
  slotKey: string;
  /** `<patientId>|<startISO>` while held: one patient cannot hold two bookings at the same start. */
  patientSlotKey: string;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
  reason: string;
  packageId: ObjectId | null;
  price: { amount: number; currency: 'AED' };
  holdExpiresAt: Date | null;
  /**
   * When the reminder is due; null when none is planned or it has been claimed for sending. Moving the
   * appointment re-plans it in the same update, so the reminder always belongs to the current start.
   */
  reminderDueAt: Date | null;
  reminderSentAt: Date | null;
  /**
   * When the booking confirmation is due: set in the same update that makes the appointment confirmed (or moves a
   * confirmed one), so a crash before the send loses nothing; null once settled or when the patient was told in
   * the chat that did it. Absent on documents written before confirmations existed: nothing is due for them.
   */
  confirmationDueAt?: Date | null;
  cancellation: { by: 'patient' | 'clinic'; byUserId: ObjectId | null; reason: string; at: Date } | null;
  history: { status: AppointmentStatus; at: Date; by: ObjectId | null; note?: string }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface MedicalPackageDoc {
  _id: ObjectId;
  /** The clinic of the admin who created it. */
  clinicId: ObjectId;
  name: string;
  description: string;
  price: { amount: number; currency: 'AED' };
  includedServices: string[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** AES-256-GCM output, base64; `v` names the key/format so that keys can be rotated later. */
export interface EncryptedValue {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

export type InsuranceStatus = 'eligible' | 'not_eligible' | 'not_found' | 'unknown';

/**
 * A patient's latest insurance check; `_id` is the patient's user id. The Emirates ID is never stored in
 * the clear: it is encrypted (bound to this patient) and, for look-ups, kept as a keyed hash.
 */
export interface InsuranceProfileDoc {
  _id: ObjectId;
  emiratesIdEncrypted: EncryptedValue;
  /** HMAC-SHA256 of the 15 normalised digits, hex. */
  emiratesIdHash: string;
  status: InsuranceStatus;
  insurer: string | null;
  network: string | null;
  plan: string | null;
  copayPercent: number | null;
  checkedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** `sending`: claimed, being written; `queued`: stored in the outbox, its next attempt at `nextAttemptAt`; `failed`: given up. */
export type NotificationStatus = 'sending' | 'queued' | 'sent' | 'no_channel' | 'skipped' | 'failed';

/** The channels outside the app, in the order a notification tries them. */
export type OutsideChannel = 'whatsapp' | 'sms' | 'email';

/**
 * One outbound patient message, and its outbox entry. `_id` is its dedupe key (e.g.
 * `reminder|<appointmentId>|<startISO>`): inserting it is the claim, so among any number of processes exactly one
 * stores it. The message and its channels are stored before any send; each attempt is claimed in
 * `notification_attempts`. Sends from before the outbox have none of the optional fields.
 */
export interface NotificationDoc {
  _id: string;
  kind: 'appointment_reminder' | 'booking_confirmed' | 'payment_received' | 'payment_refunded' | 'chat_message' | 'appointment_no_show';
  patientId: ObjectId;
  appointmentId: ObjectId | null;
  status: NotificationStatus;
  createdAt: Date;
  updatedAt: Date;
  /** What to say to whom (the recipient's contact details as they were when it was written). */
  message?: {
    to: { userId: string; name: string; email: string | null; phone: string | null };
    subject: string;
    text: string;
    data: Record<string, string>;
    /** The language it is written in (absent: en, as written before there were others). */
    locale?: 'en' | 'ar' | 'fr';
  };
  /** The outside channels to try, in order: the recipient's preferences over what is configured. */
  channels?: OutsideChannel[];
  /** Index in `channels` of the one being tried. */
  channel?: number;
  /** Attempts made over all channels: the next attempt's number. */
  attempts?: number;
  /** Failures in a row on the current channel. */
  channelFailures?: number;
  /** Times the whole list was tried (one failing) and started again from its first channel. */
  round?: number;
  /** A channel failed in the current round: nothing further carrying it means a later round, not `no_channel`. */
  roundFailed?: boolean;
  nextAttemptAt?: Date | null;
  /** The last failure's code (no message text, no address). */
  lastError?: string | null;
  sentVia?: OutsideChannel | null;
  /** The appointment's start when stored (confirmations, reminders): a retry after a move or a cancellation is dropped. */
  startsAt?: Date | null;
  /** Every attempt's channel and outcome, oldest first. */
  tries?: { n: number; channel: OutsideChannel; at: Date; outcome: 'sent' | 'no_channel' | 'failed'; error: string | null }[];
  /** The clinic it speaks for (its staff see it failing); absent on entries stored before it was kept. */
  clinicId?: ObjectId | null;
  /** When staff last sent a failed one back to the queue: its retries' deadline counts from then. */
  retriedAt?: Date | null;
}

/** One attempt of one notification on one channel: `_id` `<notification key>|<n>`, inserted before the send (the claim). */
export interface NotificationAttemptDoc {
  _id: string;
  key: string;
  n: number;
  channel: OutsideChannel;
  startedAt: Date;
}

export type PaymentStatus = 'requires_payment' | 'succeeded' | 'failed' | 'covered' | 'refund_pending' | 'refunded';

/** One per appointment (unique appointmentId): asking twice for a payment gives the same one. */
export interface PaymentDoc {
  _id: ObjectId;
  /** Its appointment's clinic. */
  clinicId: ObjectId;
  appointmentId: ObjectId;
  patientId: ObjectId;
  provider: 'stripe' | 'none';
  /** Stripe PaymentIntent; null when insurance covers the whole fee. */
  intentId: string | null;
  clientSecret: string | null;
  /**
   * The Stripe Connect account (`acct_…`) the intent was created on: its refunds, cancellation and webhook events
   * belong to that account even if the clinic's setting changes later. Absent or null: the platform's account.
   */
  stripeAccountId?: string | null;
  /**
   * Random capability for the hosted payment page (`/pay/<token>`, sent over WhatsApp): unguessable, unlike
   * the id. Absent on payments made before it existed until their link is asked for again.
   */
  checkoutToken?: string;
  /** What the patient is charged (the co-pay share when insured). */
  amount: { amount: number; currency: 'AED' };
  fullPrice: { amount: number; currency: 'AED' };
  coverage: { insurer: string; plan: string; copayPercent: number } | null;
  status: PaymentStatus;
  refund: { amount: { amount: number; currency: 'AED' }; reason: string; status: 'pending' | 'succeeded' | 'failed'; refundId: string | null; requestedAt: Date } | null;
  history: { status: PaymentStatus; at: Date; note: string | null }[];
  createdAt: Date;
  updatedAt: Date;
}

/** A provider webhook event already taken: its id is the unique `_id`, so a replay does nothing. */
export interface WebhookEventDoc {
  _id: string;
  type: string;
  receivedAt: Date;
}

/**
 * One WhatsApp message received through Twilio. `_id` is Twilio's MessageSid: inserting it is the claim,
 * so a webhook Twilio delivers twice is handled once.
 */
export interface InboundMessageDoc {
  _id: string;
  channel: 'whatsapp';
  /** E.164 (`+9715…`), without Twilio's `whatsapp:` prefix. */
  from: string;
  /**
   * The clinic's own WhatsApp number it was sent to (E.164); null, or absent on messages stored before clinics had
   * numbers: the platform's shared number.
   */
  via?: string | null;
  profileName: string | null;
  /** The text as received, with Emirates ID numbers masked (`784-****-*****30-4`). */
  body: string;
  numMedia: number;
  receivedAt: Date;
  /** received → answered (replies sent) or failed (the assistant or the sending failed). */
  status: 'received' | 'answered' | 'failed';
  replySids: string[];
  flaggedForStaff: boolean;
  processedAt: Date | null;
}

/**
 * One message sent through Twilio (WhatsApp or SMS), keyed by its MessageSid, with the latest delivery
 * status from Twilio's status callbacks. A callback may arrive before the send is recorded, so every
 * field but the status may be null.
 */
export interface OutboundMessageDoc {
  _id: string;
  channel: 'whatsapp' | 'sms' | null;
  /** E.164 of the recipient. */
  to: string | null;
  /** E.164 of our sender (a clinic's own WhatsApp number, the shared one, or the SMS sender); absent on older records. */
  from?: string | null;
  /** `assistant_reply` or the notification kind (`appointment_reminder`, …). */
  purpose: string | null;
  /** Free text inside WhatsApp's 24-hour window, an approved template (contentSid) outside it. */
  mode: 'text' | 'template' | null;
  contentSid: string | null;
  /** The inbound MessageSid this answers, for assistant replies. */
  inReplyTo: string | null;
  /** Twilio's status (queued, sent, delivered, read, undelivered, failed, …); never moves backwards. */
  status: string;
  /** Every status reported, once each. */
  statuses: string[];
  errorCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One stored message of a WhatsApp conversation (Emirates IDs masked); tool calls keep the LLM's context. */
export interface ConversationMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  /** Assistant turns that called tools: `arguments` is the JSON string the model produced. */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** Tool results: the call they answer. */
  toolCallId?: string;
  /** A staff member's reply in a handed-over conversation (role `assistant`, as the model should read it). */
  staff?: { userId: ObjectId; name: string };
  at: Date;
}

/** An action the patient must confirm with an explicit yes before it runs. */
export type PendingActionDoc =
  | { kind: 'book'; physicianId: string; physicianName: string; start: string; reason: string; packageId: string | null; price: { amount: number; currency: 'AED' }; createdAt: Date }
  | { kind: 'cancel'; appointmentId: string; physicianName: string; start: string; reason: string; createdAt: Date }
  | { kind: 'reschedule'; appointmentId: string; physicianName: string; from: string; start: string; createdAt: Date };

/**
 * The WhatsApp assistant's memory of one sender on one of our numbers (identity comes only from the sender's
 * number). `_id`: the sender's E.164 number on the platform's shared number (as every conversation stored before
 * clinics had numbers), `<sender>|<clinic number>` on a clinic's own number (`conversationKey`).
 * `messages` and `menu` belong to the current session and are cleared after a quiet period; `flagged`
 * survives until staff release the conversation.
 */
export interface ConversationDoc {
  _id: string;
  /** The sender's E.164 number; absent on conversations stored before clinics had numbers (then it is `_id`). */
  phone?: string;
  /** The clinic's own number the conversation is with; null, or absent as above: the platform's shared number. */
  via?: string | null;
  userId: ObjectId;
  language: 'en' | 'ar';
  messages: ConversationMessage[];
  pending: PendingActionDoc | null;
  /** The numbered-menu flow's position (used without an LLM); shape owned by the agent package. */
  menu: Record<string, unknown> | null;
  /** Handed over to staff: the assistant stays silent until released. */
  flagged: { at: Date; reason: 'requested' | 'failures'; takenBy?: { userId: ObjectId; name: string; at: Date } | null } | null;
  /** While with staff: when the patient was last told a person will answer (absent: never). */
  staffAckAt?: Date | null;
  /** Consecutive turns the assistant could not help with; 3 hand the conversation over. */
  failures: number;
  lastInboundAt: Date | null;
  sessionStartedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A WhatsApp number proven to belong to an app account (`_id`: E.164): messages from it act as that account. */
export interface WhatsAppLinkDoc {
  _id: string;
  userId: ObjectId;
  linkedAt: Date;
  /**
   * When the number's phone-only profile was merged into the account; absent until then. Set last, so a
   * merge cut short is finished on the number's next message.
   */
  mergedAt?: Date;
}

/** A code an app user sends from WhatsApp to link the number; `_id` is its keyed hash, so a look-up is by `_id`. */
export interface WhatsAppLinkCodeDoc {
  _id: string;
  userId: ObjectId;
  expiresAt: Date;
  createdAt: Date;
}

/**
 * One event of a stream (`clinic:<id>:agenda`, `physician:<id>:agenda`), stored before it is published. `seq`
 * increases by one within its stream; the unique (stream, seq) index decides which of two writers gets a number.
 * Kept for a bounded time and count per stream (see packages/api/src/events/event-store.ts).
 */
export interface EventDoc {
  _id: ObjectId;
  stream: string;
  seq: number;
  /** The clinic whose records the event speaks of: a stream never mixes clinics. */
  clinicId: ObjectId;
  kind: string;
  /** The payload as subscribers get it (contract types: strings, numbers, no ObjectIds). */
  data: Record<string, unknown>;
  at: Date;
}

/**
 * One patient–physician conversation in the physician's clinic; the unique (clinicId, patientId, physicianId)
 * index makes opening it twice, from either side or from two processes, give the same thread.
 */
export interface ChatThreadDoc {
  _id: ObjectId;
  clinicId: ObjectId;
  patientId: ObjectId;
  physicianId: ObjectId;
  /** Names as they were when the thread was opened, for the thread list without a join. */
  patientName: string;
  physicianName: string;
  /** The latest message; its text sealed like the message's own (bound to the thread). */
  lastMessage: { id: ObjectId; sender: 'patient' | 'doctor'; text: EncryptedValue; sentAt: Date } | null;
  /** The last message's time, or the opening's: what the thread list is ordered by. */
  lastActivityAt: Date;
  createdAt: Date;
}

/**
 * One chat message. The text is never stored in the clear: AES-256-GCM bound to the thread. The unique
 * (threadId, clientMessageId) index makes a retried send return the first message.
 */
export interface ChatMessageDoc {
  _id: ObjectId;
  clinicId: ObjectId;
  threadId: ObjectId;
  clientMessageId: string;
  sender: 'patient' | 'doctor';
  senderId: ObjectId;
  /** The other participant (the physician's doctor account, or the patient); null when no account is linked. */
  recipientId: ObjectId | null;
  text: EncryptedValue;
  sentAt: Date;
  deliveredAt: Date | null;
  readAt: Date | null;
  /** When an unread message earns the recipient an offline notification; cleared when read or notified. */
  notifyAt: Date | null;
}

/**
 * One in-app notification of one user. `key` (unique) is the send's key and the recipient, so a send retried or
 * raced between processes stores it once.
 */
export interface UserNotificationDoc {
  _id: ObjectId;
  key: string;
  userId: ObjectId;
  /** The clinic of the record it is about; null when it is about none. */
  clinicId: ObjectId | null;
  kind: string;
  title: string;
  body: string;
  data: Record<string, string>;
  createdAt: Date;
  readAt: Date | null;
  /** In-app switched off for its kind (the push still went): kept for the send's key, never listed. */
  hidden?: boolean;
}

/** A phone's Expo push token, owned by the user who registered it last (unique token: a phone that changes hands moves). */
export interface DeviceDoc {
  _id: ObjectId;
  token: string;
  userId: ObjectId;
  platform: 'ios' | 'android';
  appVersion: string;
  osVersion: string;
  model: string;
  locale: string;
  /** false once Expo said the token is no longer registered: no pushes go to it until it is registered again. */
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A push Expo accepted, kept until its receipt is read (or it is a day old: Expo keeps receipts about a day). */
export interface PushTicketDoc {
  /** Expo's receipt id. */
  _id: string;
  token: string;
  createdAt: Date;
}

/** A clinic's outbound webhook endpoint: where its agenda's events are POSTed, signed with `secret`. */
export interface WebhookEndpointDoc {
  _id: ObjectId;
  clinicId: ObjectId;
  url: string;
  description: string;
  /** Event types (`appointment.booked`…). */
  events: string[];
  /** The signing secret (`whsec_…`), sealed with the PII key and bound to the endpoint; signing needs it in the clear. */
  secret: EncryptedValue;
  enabled: boolean;
  /** Set when the server disabled the endpoint; null when enabled or disabled by an admin. */
  disabledReason: string | null;
  /** The clinic agenda stream's seq up to which deliveries were created for this endpoint. */
  cursor: number;
  consecutiveFailures: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One event for one endpoint. `_id` is `<endpointId>|<eventId>`: inserting it is the claim, so processes sweeping
 * side by side create one delivery per event. `body` is the exact JSON sent, the same bytes on every attempt.
 */
export interface WebhookDeliveryDoc {
  _id: string;
  endpointId: ObjectId;
  clinicId: ObjectId;
  eventId: string;
  type: string;
  body: string;
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  lastStatusCode: number | null;
  /** null once succeeded or given up. */
  nextAttemptAt: Date | null;
  /** No retries (a test event). */
  once: boolean;
  /** Made at creation: the log pages by it, newest first (`_id` is a key, not an order). */
  sortKey: ObjectId;
  createdAt: Date;
}

/** One attempt of a delivery. `_id` is `<deliveryId>|<n>`: the insert claims the n-th attempt for one process. */
export interface WebhookAttemptDoc {
  _id: string;
  deliveryId: string;
  n: number;
  /** null while the attempt is in flight. */
  at: Date | null;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** A user's channel choices per notification kind; only what differs from "every channel" is stored. */
export interface NotificationPreferencesDoc {
  /** The user's id. */
  _id: ObjectId;
  prefs: Record<string, Record<string, boolean>>;
  /** Advances with each change; a change is written only over the version it was checked against. */
  version: number;
  updatedAt: Date;
}
