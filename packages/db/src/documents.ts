import type { ObjectId } from 'mongodb';
import type { Role } from '@clinic/contracts';

export interface UserDoc {
  _id: ObjectId;
  /** Lower-cased; unique. */
  email: string;
  passwordHash: string;
  fullName: string;
  phone: string | null;
  role: Role;
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
  branch: string;
  schedule: PhysicianScheduleDoc;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type AppointmentStatus = 'pending_payment' | 'confirmed' | 'checked_in' | 'completed' | 'cancelled' | 'no_show' | 'expired';

export interface AppointmentDoc {
  _id: ObjectId;
  physicianId: ObjectId;
  physicianName: string;
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
  cancellation: { by: 'patient' | 'clinic'; byUserId: ObjectId | null; reason: string; at: Date } | null;
  history: { status: AppointmentStatus; at: Date; by: ObjectId | null; note?: string }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface MedicalPackageDoc {
  _id: ObjectId;
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

export type NotificationStatus = 'sending' | 'sent' | 'no_channel' | 'skipped';

/**
 * One outbound patient message. `_id` is its dedupe key (e.g. `reminder|<appointmentId>|<startISO>`):
 * inserting it is the claim, so among any number of processes exactly one sends it.
 */
export interface NotificationDoc {
  _id: string;
  kind: 'appointment_reminder' | 'payment_refunded';
  patientId: ObjectId;
  appointmentId: ObjectId | null;
  status: NotificationStatus;
  createdAt: Date;
  updatedAt: Date;
}

export type PaymentStatus = 'requires_payment' | 'succeeded' | 'failed' | 'covered' | 'refund_pending' | 'refunded';

/** One per appointment (unique appointmentId): asking twice for a payment gives the same one. */
export interface PaymentDoc {
  _id: ObjectId;
  appointmentId: ObjectId;
  patientId: ObjectId;
  provider: 'stripe' | 'none';
  /** Stripe PaymentIntent; null when insurance covers the whole fee. */
  intentId: string | null;
  clientSecret: string | null;
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
