import { ObjectId, type AnyBulkWriteOperation } from 'mongodb';
import type { Role } from '@clinic/contracts';
import type { Database } from './client.ts';
import type { AppointmentStatus, MedicalPackageDoc, PhysicianDoc, SpecialtyDoc, UserDoc } from './documents.ts';
import {
  DEFAULT_SEED_TIME_ZONE,
  SEED_USERS,
  appointmentDocs,
  clinicDoc,
  packageDocs,
  physicianDocs,
  specialtyDocs,
  userDoc,
} from './seed-data.ts';

export interface SeedOptions {
  hashPassword(password: string): Promise<string>;
  /** Password given to every seeded account. */
  password: string;
  now?: Date;
  timeZone?: string;
}

export interface SeedReport {
  /** Per collection: records this run inserted. */
  created: Record<string, number>;
  /** Per collection: seed records that were already there (left as they were). */
  existing: Record<string, number>;
  accounts: { email: string; role: Role }[];
  /** The seeded physicians' appointments by status (the ones created, or the ones already there). */
  appointmentsByStatus?: Partial<Record<AppointmentStatus, number>>;
}

/**
 * Idempotent: creates what is missing and leaves existing records alone. Natural keys: users by
 * email, specialties by slug (`_id`), physicians by `userId` (doctors with a login) or by
 * `fullName` (the others), packages by name, the clinic by its slug. Appointments are only
 * generated when none of the seeded physicians has any.
 */
export async function seedDatabase(database: Database, opts: SeedOptions): Promise<SeedReport> {
  const now = opts.now ?? new Date();
  const timeZone = opts.timeZone ?? DEFAULT_SEED_TIME_ZONE;
  const { cols } = database;
  const report: SeedReport = { created: {}, existing: {}, accounts: [] };
  const tally = (what: string, created: number, existing: number) => {
    if (created > 0) report.created[what] = (report.created[what] ?? 0) + created;
    if (existing > 0) report.existing[what] = (report.existing[what] ?? 0) + existing;
  };

  // The clinic first: staff accounts belong to it. By its slug (a database from before clinics had its clinic_info migrated by connectDatabase).
  const clinicSeed = clinicDoc(now, timeZone);
  const clinicRes = await cols.clinics.updateOne({ slug: clinicSeed.slug }, { $setOnInsert: { _id: new ObjectId(), ...clinicSeed } }, { upsert: true });
  tally('clinics', clinicRes.upsertedCount, clinicRes.upsertedCount ? 0 : 1);
  const clinic = (await cols.clinics.findOne({ slug: clinicSeed.slug }))!;

  // Users (staff in the clinic; patients in none). Hash only when some account is missing (argon2 is deliberately slow).
  const emails = SEED_USERS.map((u) => u.email);
  const present = new Set((await cols.users.find({ email: { $in: emails } }, { projection: { email: 1 } }).toArray()).map((u) => u.email));
  if (present.size < SEED_USERS.length) {
    const passwordHash = await opts.hashPassword(opts.password);
    const ops: AnyBulkWriteOperation<UserDoc>[] = SEED_USERS.filter((u) => !present.has(u.email)).map((u) => ({
      updateOne: { filter: { email: u.email }, update: { $setOnInsert: { _id: new ObjectId(), ...userDoc(u, passwordHash, now, clinic._id) } }, upsert: true },
    }));
    const res = await cols.users.bulkWrite(ops, { ordered: false });
    tally('users', res.upsertedCount, SEED_USERS.length - res.upsertedCount);
  } else {
    tally('users', 0, SEED_USERS.length);
  }
  report.accounts = SEED_USERS.map((u) => ({ email: u.email, role: u.role }));
  const usersByEmail = new Map((await cols.users.find({ email: { $in: emails } }).toArray()).map((u) => [u.email ?? '', u]));

  // Specialties.
  const specialties = specialtyDocs(now);
  const specRes = await cols.specialties.bulkWrite(
    specialties.map(({ _id, ...rest }): AnyBulkWriteOperation<SpecialtyDoc> => ({ updateOne: { filter: { _id }, update: { $setOnInsert: rest }, upsert: true } })),
    { ordered: false },
  );
  tally('specialties', specRes.upsertedCount, specialties.length - specRes.upsertedCount);

  // Physicians. A doctor's record made by an older seed (no schedule yet) is completed in place.
  const userIds = new Map([...usersByEmail].map(([email, u]) => [email, u._id]));
  const seeds = physicianDocs(now, timeZone, userIds, clinic._id);
  const keyOf = (s: (typeof seeds)[number]) => (s.doc.userId ? { userId: s.doc.userId } : { userId: null, fullName: s.doc.fullName });
  const physOps: AnyBulkWriteOperation<PhysicianDoc>[] = seeds.map((s) => ({
    updateOne: { filter: keyOf(s), update: { $setOnInsert: { _id: new ObjectId(), ...s.doc } }, upsert: true },
  }));
  for (const s of seeds) {
    const fill: Partial<PhysicianDoc> = { ...s.doc };
    delete fill.userId;
    delete fill.createdAt;
    physOps.push({ updateOne: { filter: { ...keyOf(s), schedule: { $exists: false } }, update: { $set: fill } } });
  }
  const physRes = await cols.physicians.bulkWrite(physOps, { ordered: true });
  tally('physicians', physRes.upsertedCount, seeds.length - physRes.upsertedCount);
  const physDocs = await cols.physicians
    .find({ $or: [{ userId: { $in: seeds.flatMap((s) => (s.doc.userId ? [s.doc.userId] : [])) } }, { userId: null, fullName: { $in: seeds.map((s) => s.doc.fullName) } }] })
    .toArray();
  const physicians = seeds.flatMap((s) => {
    const found = physDocs.find((p) => (s.doc.userId ? p.userId?.equals(s.doc.userId) : p.userId === null && p.fullName === s.doc.fullName));
    return found ? [found] : [];
  });

  // Medical packages.
  const packages = packageDocs(now, clinic._id);
  const pkgRes = await cols.medicalPackages.bulkWrite(
    packages.map((p): AnyBulkWriteOperation<MedicalPackageDoc> => ({ updateOne: { filter: { name: p.name }, update: { $setOnInsert: { _id: new ObjectId(), ...p } }, upsert: true } })),
    { ordered: false },
  );
  tally('medical_packages', pkgRes.upsertedCount, packages.length - pkgRes.upsertedCount);
  const pkgDocs = await cols.medicalPackages.find({ name: { $in: packages.map((p) => p.name) } }).toArray();
  const packagesInOrder = packages.flatMap((p) => pkgDocs.filter((d) => d.name === p.name).slice(0, 1));

  // Appointments: only into a database where the seeded physicians have none.
  const physicianIds = physicians.map((p) => p._id);
  const existingAppointments = await cols.appointments.find({ physicianId: { $in: physicianIds } }, { projection: { status: 1 } }).toArray();
  let statuses: AppointmentStatus[];
  if (existingAppointments.length > 0) {
    statuses = existingAppointments.map((a) => a.status);
    tally('appointments', 0, statuses.length);
  } else {
    const patients = SEED_USERS.filter((u) => u.role === 'patient').flatMap((u) => {
      const doc = usersByEmail.get(u.email);
      return doc ? [doc] : [];
    });
    const appointments = appointmentDocs({ now, timeZone, physicians, patients, packages: packagesInOrder });
    if (appointments.length > 0) await cols.appointments.insertMany(appointments, { ordered: false });
    statuses = appointments.map((a) => a.status);
    tally('appointments', appointments.length, 0);
  }
  const byStatus: Partial<Record<AppointmentStatus, number>> = {};
  for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
  report.appointmentsByStatus = byStatus;

  return report;
}

export function formatSeedReport(r: SeedReport, password: string): string {
  const order = ['users', 'clinics', 'specialties', 'physicians', 'medical_packages', 'appointments'];
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  const names = [...new Set([...Object.keys(r.created), ...Object.keys(r.existing)])].sort((a, b) => rank(a) - rank(b));
  const width = Math.max(0, ...names.map((n) => n.length));
  const statuses = Object.entries(r.appointmentsByStatus ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return [
    'Seed (created / already present):',
    ...(names.length ? names : ['nothing']).map((n) => {
      const line = `  ${n.padEnd(width)}  ${r.created[n] ?? 0} / ${r.existing[n] ?? 0}`;
      return n === 'appointments' && statuses ? `${line}  (${statuses})` : line;
    }),
    `Accounts (password "${password}"):`,
    ...r.accounts.map((a) => `  ${a.role.padEnd(8)} ${a.email}`),
  ].join('\n');
}
