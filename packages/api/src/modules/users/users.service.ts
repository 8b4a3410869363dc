import type { Locale, Role, User } from '@clinic/contracts';
import type { ObjectId } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { hashPassword } from '../../security/passwords.ts';
import { createUsersRepository, toUserDto } from './users.repository.ts';

/** The roles of a clinic's accounts: what an admin may create (never a patient, never the platform's operator). */
type StaffRole = Exclude<Role, 'patient' | 'operator'>;

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface UsersUseCases {
  me(userId: string): Promise<User>;
  /** Only what is given changes. */
  updateMe(userId: string, input: { locale?: Locale | undefined }): Promise<User>;
  /** In the creating admin's clinic (`clinicId`; an admin without one: the platform's first clinic). */
  createStaffUser(input: { email: string; password: string; fullName: string; phone?: string | undefined; role: StaffRole }, clinicId?: string | null): Promise<User>;
}

export function createUsersService(deps: ApiDeps, clinic: ClinicService) {
  const users = createUsersRepository(deps.db.cols);
  return {
    async me(userId: string): Promise<User> {
      const user = await users.findById(userId);
      if (!user) throw new AppError('NOT_FOUND', 'This account no longer exists.');
      return toUserDto(user);
    },

    async updateMe(userId: string, input: { locale?: Locale | undefined }): Promise<User> {
      const user = await users.findById(userId);
      if (!user) throw new AppError('NOT_FOUND', 'This account no longer exists.');
      if (input.locale === undefined) return toUserDto(user);
      const updated = await users.setProfile(user._id, { locale: input.locale }, deps.clock());
      if (!updated) throw new AppError('NOT_FOUND', 'This account no longer exists.');
      return toUserDto(updated);
    },

    /** The language a user's notifications are written in ('en' for an account that never chose, or is gone). */
    async localeOf(userId: ObjectId): Promise<Locale> {
      return (await users.findById(userId.toHexString()))?.locale ?? 'en';
    },

    /**
     * The patient behind a phone number (the WhatsApp sender, which the channel has verified): the account
     * created from this number, or a new phone-only patient (no email, no password). Idempotent under races.
     */
    async patientForPhone(phone: string, profileName: string | null): Promise<{ userId: string; fullName: string; created: boolean }> {
      const found = await users.findByPhoneIdentity(phone);
      if (found) return { userId: found._id.toHexString(), fullName: found.fullName, created: false };
      const name = profileName?.replace(/\s+/g, ' ').trim().slice(0, 120) || 'WhatsApp patient';
      const created = await users.insertPhonePatient(phone, name, deps.clock());
      if (created) return { userId: created._id.toHexString(), fullName: created.fullName, created: true };
      const winner = await users.findByPhoneIdentity(phone);
      if (!winner) throw new AppError('CONFLICT', 'Could not register this phone number; please try again.');
      return { userId: winner._id.toHexString(), fullName: winner.fullName, created: false };
    },

    /** Admin, staff and doctor accounts per clinic (by clinic id), in one query. */
    staffCounts: (clinicIds: ObjectId[]) => users.staffCounts(clinicIds),
    /** Who is told about a clinic-wide problem (a disabled webhook endpoint): its admins' addresses and languages. */
    adminEmails: (clinicId: ObjectId) => users.adminEmails(clinicId),

    /** The id of the phone-only account created from this number, if any. */
    async phoneProfileId(phone: string): Promise<ObjectId | null> {
      return (await users.findByPhoneIdentity(phone))?._id ?? null;
    },

    /** Doctors, staff and admins never self-register: an admin creates them, already verified. */
    async createStaffUser(
      input: { email: string; password: string; fullName: string; phone?: string | undefined; role: StaffRole },
      clinicId: string | null = null,
    ): Promise<User> {
      const home = await clinic.ofActor(clinicId);
      const doc = await users.insert(
        {
          email: input.email,
          passwordHash: await hashPassword(input.password),
          fullName: input.fullName,
          phone: input.phone ?? null,
          role: input.role,
          clinicId: home._id,
          emailVerifiedAt: deps.clock(),
        },
        deps.clock(),
      );
      return toUserDto(doc);
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
