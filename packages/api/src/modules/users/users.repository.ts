import { ObjectId, insertUnique, type Collections, type UserDoc } from '@clinic/db';
import type { Locale, Role, User } from '@clinic/contracts';
import { AppError } from '../../errors.ts';

export function toUserDto(doc: UserDoc): User {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    fullName: doc.fullName,
    phone: doc.phone ?? null,
    role: doc.role,
    // Patients are platform accounts. Read tolerantly: older accounts, and null written by an upsert on FerretDB, lack it.
    clinicId: doc.role === 'patient' ? null : (doc.clinicId?.toHexString() ?? null),
    emailVerified: doc.emailVerifiedAt !== null,
    locale: doc.locale ?? 'en',
    createdAt: doc.createdAt,
  };
}

export interface NewUser {
  email: string;
  passwordHash: string;
  fullName: string;
  phone: string | null;
  role: Role;
  /** The clinic of an admin, staff or doctor account; null for patients. */
  clinicId: ObjectId | null;
  emailVerifiedAt: Date | null;
}

export function createUsersRepository(cols: Pick<Collections, 'users'>) {
  return {
    async insert(user: NewUser, now: Date): Promise<UserDoc> {
      const doc: UserDoc = { _id: new ObjectId(), ...user, phoneIdentity: '', passwordChangedAt: now, createdAt: now, updatedAt: now };
      if (!(await insertUnique(cols.users, doc)).won) throw new AppError('EMAIL_TAKEN', 'An account with this email already exists.');
      return doc;
    },
    findByEmail: (email: string) => cols.users.findOne({ email }),
    /** Removes an account that never signed in (a clinic signup that could not finish). */
    async removeUnverified(id: ObjectId): Promise<void> {
      await cols.users.deleteOne({ _id: id, emailVerifiedAt: null });
    },
    /** Admin, staff and doctor accounts per clinic, for these clinics: one query. */
    /** The email addresses of a clinic's admins and their languages (one equality query each on `clinicId` and `role`). */
    async adminEmails(clinicId: ObjectId): Promise<{ email: string; locale: Locale }[]> {
      const admins = await cols.users.find({ clinicId, role: 'admin' }, { projection: { email: 1, locale: 1 } }).toArray();
      return admins.flatMap((a) => (a.email ? [{ email: a.email, locale: a.locale ?? 'en' }] : []));
    },
    async staffCounts(clinicIds: ObjectId[]): Promise<Map<string, number>> {
      if (clinicIds.length === 0) return new Map();
      const rows = await cols.users
        .aggregate<{ _id: ObjectId; n: number }>([
          { $match: { clinicId: { $in: clinicIds }, role: { $in: ['admin', 'staff', 'doctor'] } } },
          { $group: { _id: '$clinicId', n: { $sum: 1 } } },
        ])
        .toArray();
      return new Map(rows.map((r) => [r._id.toHexString(), r.n]));
    },
    /** The phone-only patient account created from this E.164 number, if any. */
    findByPhoneIdentity: (phone: string) => cols.users.findOne({ email: null, phoneIdentity: phone }),
    /**
     * A patient known only by phone: no email, no password (cannot sign in with one). The unique
     * `{ email, phoneIdentity }` key makes a concurrent second insert fail; the caller then reads the winner.
     */
    async insertPhonePatient(phone: string, fullName: string, now: Date): Promise<UserDoc | null> {
      const doc: UserDoc = {
        _id: new ObjectId(),
        email: null,
        phoneIdentity: phone,
        passwordHash: '',
        fullName,
        phone,
        role: 'patient',
        clinicId: null,
        emailVerifiedAt: null,
        passwordChangedAt: now,
        createdAt: now,
        updatedAt: now,
      };
      return (await insertUnique(cols.users, doc)).won ? doc : null;
    },
    findById: (id: string) => (ObjectId.isValid(id) ? cols.users.findOne({ _id: new ObjectId(id) }) : Promise.resolve(null)),
    async setProfile(id: ObjectId, fields: Pick<UserDoc, 'locale'>, now: Date): Promise<UserDoc | null> {
      return cols.users.findOneAndUpdate({ _id: id }, { $set: { ...fields, updatedAt: now } }, { returnDocument: 'after' });
    },
    async markVerified(id: ObjectId, now: Date): Promise<void> {
      await cols.users.updateOne({ _id: id, emailVerifiedAt: null }, { $set: { emailVerifiedAt: now, updatedAt: now } });
    },
    async setPassword(id: ObjectId, passwordHash: string, now: Date, alsoVerify: boolean): Promise<void> {
      const set: Partial<UserDoc> = { passwordHash, passwordChangedAt: now, updatedAt: now };
      await cols.users.updateOne({ _id: id }, { $set: set });
      if (alsoVerify) await cols.users.updateOne({ _id: id, emailVerifiedAt: null }, { $set: { emailVerifiedAt: now } });
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
