import { ObjectId, type AnyBulkWriteOperation } from 'mongodb';
import type { Role } from '@clinic/contracts';
import type { Database } from './client.ts';
import type { AppointmentStatus, ClinicDoc, MedicalPackageDoc, PhysicianDoc, SpecialtyDoc, UserDoc } from './documents.ts';
import {
  DEFAULT_SEED_TIME_ZONE,
  SECOND_CLINIC_APPOINTMENT_TARGETS,
  SEED_SECOND_CLINIC_SLUG,
  SEED_USERS,
  appointmentDocs,
  clinicDoc,
  isHeldStatus,
  packageDocs,
  physicianDocs,
  secondClinicDoc,
  secondClinicPackageDocs,
  secondClinicPhysicianDocs,
  specialtyDocs,
  userDoc,
  type AppointmentTargets,
  type SeedUser,
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
  /** Every seeded account; `clinic` names the clinic of an admin, staff or doctor (null: a platform account). */
  accounts: { email: string; role: Role; clinic: { slug: string; name: string } | null }[];
  /** The seeded physicians' appointments by status (the ones created, or the ones already there). */
  appointmentsByStatus?: Partial<Record<AppointmentStatus, number>>;
}

/**
 * Idempotent: creates what is missing and leaves existing records alone. Natural keys: users by
 * email, specialties by slug (`_id`), physicians by `userId` (doctors with a login) or by
 * `fullName` (the others), Al Noor's packages by name and Al Reem's by clinic and name, the clinics
 * by their slugs. Each clinic's appointments are only generated when none of its seeded physicians
 * has any.
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

  // The clinics first: staff accounts belong to them. By their slugs (a database from before clinics had its clinic_info
  // migrated by connectDatabase). Al Noor before Al Reem, so that Al Noor stays the platform's first clinic.
  const upsertClinic = async (seed: Omit<ClinicDoc, '_id'>): Promise<ClinicDoc> => {
    const res = await cols.clinics.updateOne({ slug: seed.slug }, { $setOnInsert: { _id: new ObjectId(), ...seed } }, { upsert: true });
    tally('clinics', res.upsertedCount, res.upsertedCount ? 0 : 1);
    return (await cols.clinics.findOne({ slug: seed.slug }))!;
  };
  const clinic = await upsertClinic(clinicDoc(now, timeZone));
  const second = await upsertClinic(secondClinicDoc(now, timeZone));
  const clinicOf = (u: SeedUser): ClinicDoc | null =>
    u.role === 'patient' || u.role === 'operator' ? null : u.clinicSlug === SEED_SECOND_CLINIC_SLUG ? second : clinic;

  // Users (staff in the clinic; patients in none). Hash only when some account is missing (argon2 is deliberately slow).
  const emails = SEED_USERS.map((u) => u.email);
  const present = new Set((await cols.users.find({ email: { $in: emails } }, { projection: { email: 1 } }).toArray()).map((u) => u.email));
  if (present.size < SEED_USERS.length) {
    const passwordHash = await opts.hashPassword(opts.password);
    const ops: AnyBulkWriteOperation<UserDoc>[] = SEED_USERS.filter((u) => !present.has(u.email)).map((u) => ({
      updateOne: { filter: { email: u.email }, update: { $setOnInsert: { _id: new ObjectId(), ...userDoc(u, passwordHash, now, clinicOf(u)?._id ?? null) } }, upsert: true },
    }));
    const res = await cols.users.bulkWrite(ops, { ordered: false });
    tally('users', res.upsertedCount, SEED_USERS.length - res.upsertedCount);
  } else {
    tally('users', 0, SEED_USERS.length);
  }
  report.accounts = SEED_USERS.map((u) => {
    const c = clinicOf(u);
    return { email: u.email, role: u.role, clinic: c ? { slug: c.slug, name: c.name } : null };
  });
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
  const firstSeeds = physicianDocs(now, timeZone, userIds, clinic._id);
  const seeds = [...firstSeeds, ...secondClinicPhysicianDocs(now, timeZone, userIds, second._id)];
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
  // A record from a seed before Arabic names gains its own (a name an admin gave is kept). By _id, one at a time:
  // FerretDB 1.24 hung on the same fill as a third batch of filtered updates in the bulk write above.
  for (const p of physDocs) {
    const nameAr = p.fullNameAr ? null : seeds.find((s) => s.doc.fullName === p.fullName)?.doc.fullNameAr;
    if (nameAr) await cols.physicians.updateOne({ _id: p._id, fullNameAr: { $exists: false } }, { $set: { fullNameAr: nameAr } });
  }
  const found = (list: typeof seeds) =>
    list.flatMap((s) => {
      const doc = physDocs.find((p) => (s.doc.userId ? p.userId?.equals(s.doc.userId) : p.userId === null && p.fullName === s.doc.fullName));
      return doc ? [doc] : [];
    });
  const physicians = found(firstSeeds);
  const secondPhysicians = found(seeds.slice(firstSeeds.length));

  // Medical packages.
  const packages = packageDocs(now, clinic._id);
  const pkgRes = await cols.medicalPackages.bulkWrite(
    packages.map((p): AnyBulkWriteOperation<MedicalPackageDoc> => ({ updateOne: { filter: { name: p.name }, update: { $setOnInsert: { _id: new ObjectId(), ...p } }, upsert: true } })),
    { ordered: false },
  );
  tally('medical_packages', pkgRes.upsertedCount, packages.length - pkgRes.upsertedCount);
  const pkgDocs = await cols.medicalPackages.find({ name: { $in: packages.map((p) => p.name) } }).toArray();
  const packagesInOrder = packages.flatMap((p) => pkgDocs.filter((d) => d.name === p.name).slice(0, 1));
  // Al Reem's own packages, by clinic and name.
  const secondPackages = secondClinicPackageDocs(now, second._id);
  const secondPkgRes = await cols.medicalPackages.bulkWrite(
    secondPackages.map((p): AnyBulkWriteOperation<MedicalPackageDoc> => ({ updateOne: { filter: { clinicId: second._id, name: p.name }, update: { $setOnInsert: { _id: new ObjectId(), ...p } }, upsert: true } })),
    { ordered: false },
  );
  tally('medical_packages', secondPkgRes.upsertedCount, secondPackages.length - secondPkgRes.upsertedCount);
  const secondPkgDocs = await cols.medicalPackages.find({ clinicId: second._id, name: { $in: secondPackages.map((p) => p.name) } }).toArray();
  const secondPackagesInOrder = secondPackages.flatMap((p) => secondPkgDocs.filter((d) => d.name === p.name).slice(0, 1));

  // Appointments, clinic by clinic: only into a database where that clinic's seeded physicians have none. The patients
  // (platform accounts) book at both; Al Reem's bookings never overlap a patient's held booking at Al Noor.
  const patients = SEED_USERS.filter((u) => u.role === 'patient').flatMap((u) => {
    const doc = usersByEmail.get(u.email);
    return doc ? [doc] : [];
  });
  const statuses: AppointmentStatus[] = [];
  const appointmentsOf = async (of: PhysicianDoc[], pkgs: MedicalPackageDoc[], extra: { seed?: number; targets?: AppointmentTargets; busy?: boolean }) => {
    const existing = await cols.appointments.find({ physicianId: { $in: of.map((p) => p._id) } }, { projection: { status: 1 } }).toArray();
    if (existing.length > 0) {
      statuses.push(...existing.map((a) => a.status));
      tally('appointments', 0, existing.length);
      return;
    }
    const patientsBusy = extra.busy
      ? (await cols.appointments.find({ patientId: { $in: patients.map((p) => p._id) } }, { projection: { patientId: 1, startsAt: 1, endsAt: 1, status: 1 } }).toArray()).filter((a) => isHeldStatus(a.status))
      : [];
    const appointments = appointmentDocs({ now, timeZone, physicians: of, patients, packages: pkgs, seed: extra.seed, targets: extra.targets, patientsBusy });
    if (appointments.length > 0) await cols.appointments.insertMany(appointments, { ordered: false });
    statuses.push(...appointments.map((a) => a.status));
    tally('appointments', appointments.length, 0);
  };
  await appointmentsOf(physicians, packagesInOrder, {});
  await appointmentsOf(secondPhysicians, secondPackagesInOrder, { seed: 0xa1_5ee0, targets: SECOND_CLINIC_APPOINTMENT_TARGETS, busy: true });
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
    ...accountLines(r.accounts),
  ].join('\n');
}

/** The accounts clinic by clinic (in the order seeded), then the platform's: the operator and the patients. */
function accountLines(accounts: SeedReport['accounts']): string[] {
  const line = (a: SeedReport['accounts'][number]) => `    ${a.role.padEnd(8)} ${a.email}`;
  const clinics = [...new Map(accounts.flatMap((a) => (a.clinic ? [[a.clinic.slug, a.clinic] as const] : []))).values()];
  const platform = accounts.filter((a) => !a.clinic);
  return [
    ...clinics.flatMap((c) => [`  ${c.name} (${c.slug}):`, ...accounts.filter((a) => a.clinic?.slug === c.slug).map(line)]),
    ...(platform.length ? ['  Platform (patients book at every clinic):', ...platform.filter((a) => a.role === 'operator').map(line), ...platform.filter((a) => a.role !== 'operator').map(line)] : []),
  ];
}
