import type { Db, ObjectId } from 'mongodb';
import { collections, type Collections } from './collections.ts';
import { EMIRATES, type ClinicLocationDoc, type Emirate, type PhysicianDoc } from './documents.ts';
import { DEFAULT_CLINIC_POLICIES } from './seed-data.ts';
import { writeUnique } from './unique.ts';

/** A slug from a name: lower-case letters and digits joined by single dashes (`Al Noor Clinic` → `al-noor-clinic`). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

/** `Dubai`, `Abu Dhabi`, `abu-dhabi` → the emirate's slug; Dubai when the text names none. */
export function emirateOf(text: string): Emirate {
  const slug = slugify(text);
  return EMIRATES.find((e) => e === slug) ?? 'dubai';
}

interface Migration {
  name: string;
  run(cols: Collections, now: Date): Promise<void>;
}

/**
 * Data migrations, run in order by connectDatabase at every start-up. Each changes only documents still in the
 * old shape, so one cut short is finished by the next start, and two processes starting together end in the same
 * state. Finished ones are recorded in `migrations`, so a start-up skips them with one query.
 */
const MIGRATIONS: Migration[] = [
  { name: '2026-11-30-clinics', run: clinicsFromClinicInfo },
  { name: '2026-11-30-clinic-ids', run: stampClinicIds },
];

export const MIGRATIONS_COLLECTION = 'migrations';

export async function migrate(db: Db, now = new Date()): Promise<string[]> {
  const cols = collections(db);
  const log = db.collection<{ _id: string; at: Date }>(MIGRATIONS_COLLECTION);
  const done = new Set((await log.find({}).toArray()).map((m) => m._id));
  const ran: string[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.name)) continue;
    await m.run(cols, now);
    await log.updateOne({ _id: m.name }, { $setOnInsert: { at: now } }, { upsert: true });
    ran.push(m.name);
  }
  return ran;
}

type LegacyPhysician = Omit<PhysicianDoc, 'clinicId' | 'locationIds'> & { branch?: string };

/**
 * Clinics become tenants: the single `clinic_info` document becomes the first clinic (same `_id`), each
 * physician's free-text `branch` becomes one of its locations, and physicians gain `clinicId` and
 * `locationIds`. `clinic_info` itself is left as it was. A database without it (new, or seeded with clinics)
 * has nothing to move.
 */
async function clinicsFromClinicInfo(cols: Collections, now: Date): Promise<void> {
  const info = await cols.clinicInfo.findOne({});
  if (!info) return;
  const legacy = (await cols.physicians.find({ clinicId: { $exists: false } }).toArray()) as unknown as LegacyPhysician[];
  const emirate = emirateOf(info.address?.emirate ?? '');
  const locationOf = (name: string): ClinicLocationDoc => ({
    id: slugify(name) || 'main',
    name,
    nameAr: name,
    emirate,
    area: name,
    address: [name, info.address?.city].filter(Boolean).join(', '),
    lat: null,
    lng: null,
    openingHours: info.openingHours ?? [],
  });
  const branches = [...new Set(legacy.map((p) => p.branch?.trim()).filter((b): b is string => !!b))];
  const fromBranches = branches.map(locationOf);
  const locations = fromBranches.length > 0 ? fromBranches : [locationOf(info.address?.area || info.name)];

  await writeUnique(() =>
    cols.clinics.insertOne({
      _id: info._id,
      slug: slugify(info.name) || 'clinic',
      name: info.name,
      nameAr: info.name,
      legalName: info.name,
      vatTrn: null,
      phone: info.phone ?? '',
      email: info.email ?? '',
      timeZone: info.timeZone,
      currency: 'AED',
      vatRatePercent: 5,
      policies: { ...DEFAULT_CLINIC_POLICIES, ...info.policies },
      locations,
      specialties: [...new Set(legacy.map((p) => p.specialty))].sort(),
      status: 'active',
      createdAt: info.createdAt ?? now,
      updatedAt: now,
    }),
  );
  // A run cut short after the insert: branches it had not seen yet become locations now.
  const clinic = await cols.clinics.findOne({ _id: info._id });
  const known = new Set(clinic?.locations.map((l) => l.id));
  const missing = fromBranches.filter((l) => !known.has(l.id));
  if (missing.length > 0) await cols.clinics.updateOne({ _id: info._id }, { $push: { locations: { $each: missing } }, $set: { updatedAt: now } });

  const fallback = clinic?.locations[0]?.id ?? locations[0]!.id;
  for (const p of legacy) {
    const locationId = p.branch?.trim() ? slugify(p.branch.trim()) || 'main' : fallback;
    await cols.physicians.updateOne(
      { _id: p._id, clinicId: { $exists: false } },
      { $set: { clinicId: info._id, locationIds: [locationId], updatedAt: now }, $unset: { branch: '' } },
    );
  }
}

/** Staff roles: accounts that belong to a clinic (patients are platform accounts). */
const STAFF_ROLES = ['admin', 'staff', 'doctor'] as const;

/**
 * Clinic-owned records and staff accounts name their clinic: appointments take their physician's `clinicId`
 * (physicians read once, in one query), payments their appointment's, and packages and staff accounts the single
 * clinic. With several clinics a package or staff account without `clinicId` cannot be attributed, so it is left
 * alone; there are none, since everything created after clinics became documents carries it, and a database from
 * before them had one clinic (the first migration's). Patients keep none. Only documents without `clinicId` are
 * written, so a second run changes nothing.
 */
async function stampClinicIds(cols: Collections): Promise<void> {
  const missing = { clinicId: { $exists: false } };

  const appointments = await cols.appointments.find(missing, { projection: { _id: 1, physicianId: 1 } }).toArray();
  if (appointments.length > 0) {
    const physicianIds = [...new Map(appointments.map((a) => [a.physicianId.toHexString(), a.physicianId])).values()];
    const physicians = await cols.physicians.find({ _id: { $in: physicianIds } }, { projection: { _id: 1, clinicId: 1 } }).toArray();
    // One update per physician: all of its appointments without a clinic at once.
    for (const p of physicians) {
      if (p.clinicId) await cols.appointments.updateMany({ physicianId: p._id, ...missing }, { $set: { clinicId: p.clinicId } });
    }
  }

  const payments = await cols.payments.find(missing, { projection: { _id: 1, appointmentId: 1 } }).toArray();
  if (payments.length > 0) {
    const owners = await cols.appointments
      .find({ _id: { $in: payments.map((p) => p.appointmentId) }, clinicId: { $exists: true } }, { projection: { _id: 1, clinicId: 1 } })
      .toArray();
    const clinicOf = new Map(owners.map((a) => [a._id.toHexString(), a.clinicId]));
    // One update per clinic: its payments without a clinic at once.
    const byClinic = new Map<string, { clinicId: ObjectId; ids: ObjectId[] }>();
    for (const p of payments) {
      const clinicId = clinicOf.get(p.appointmentId.toHexString());
      if (!clinicId) continue;
      const group = byClinic.get(clinicId.toHexString()) ?? { clinicId, ids: [] };
      group.ids.push(p._id);
      byClinic.set(clinicId.toHexString(), group);
    }
    for (const { clinicId, ids } of byClinic.values()) await cols.payments.updateMany({ _id: { $in: ids }, ...missing }, { $set: { clinicId } });
  }

  const clinics = await cols.clinics.find({}, { projection: { _id: 1 } }).limit(2).toArray();
  if (clinics.length !== 1) return;
  const clinicId = clinics[0]!._id;
  await cols.medicalPackages.updateMany(missing, { $set: { clinicId } });
  await cols.users.updateMany({ role: { $in: [...STAFF_ROLES] }, ...missing }, { $set: { clinicId } });
}
