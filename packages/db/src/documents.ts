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

export interface ClinicInfoDoc {
  _id: ObjectId;
  name: string;
  address: { line1: string; area: string; city: string; emirate: string; country: string };
  phone: string;
  email: string;
  timeZone: string;
  openingHours: OpeningHours[];
  createdAt: Date;
  updatedAt: Date;
}

export interface PhysicianDoc {
  _id: ObjectId;
  userId: ObjectId | null;
  fullName: string;
  title: string;
  specialty: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppointmentDoc {
  _id: ObjectId;
  physicianId: ObjectId;
  patientId: ObjectId;
  /** `<physicianId>|<startISO>` while the slot is held; `released|<appointmentId>` once freed. Unique. */
  slotKey: string;
  startsAt: Date;
  endsAt: Date;
  status: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface MedicalPackageDoc {
  _id: ObjectId;
  name: string;
  description: string;
  price: { amount: number; currency: 'AED' };
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}
