// Prepares the bench's own database: the normal seed, a specialty topped up to 25 active physicians,
// more clinics for a while (the search by location at several clinic counts), patients, and the baseline's
// copy of the appointments collection.
import { hashPassword } from '@clinic/api';
import {
  INDEXES,
  ObjectId,
  SEED_SECOND_CLINIC_SLUG,
  seedDatabase,
  slugify,
  userDoc,
  type AppointmentDoc,
  type AppointmentStatus,
  type ClinicDoc,
  type ClinicLocationDoc,
  type Database,
  type PhysicianDoc,
  type UserDoc,
} from '@clinic/db';
import { BASELINE_APPOINTMENTS } from './ipc.ts';

const DAY_MS = 86_400_000;
/** Statuses that occupy a slot (as HOLDING in appointments.repository.ts). */
const HOLDING: AppointmentStatus[] = ['pending_payment', 'confirmed', 'checked_in', 'completed', 'no_show'];

export const SEED_PASSWORD = 'Bench-Seed-2026!';
export const PATIENT_PASSWORD = 'bench-patient-pass';

export async function seed(database: Database): Promise<void> {
  await seedDatabase(database, { hashPassword, password: SEED_PASSWORD, timeZone: 'Asia/Dubai' });
}

const FIRST = ['Aaliyah', 'Bilal', 'Chitra', 'Daniel', 'Elena', 'Faisal', 'Gita', 'Hassan', 'Ines', 'Jamal', 'Kavya', 'Leila', 'Mateo', 'Nour', 'Omid', 'Parisa', 'Qasim', 'Rana', 'Samir', 'Tala', 'Usman', 'Vera', 'Waleed', 'Yara', 'Zaid'];
const LAST = ['Al Amiri', 'Bose', 'Costa', 'Darwish', 'Eapen', 'Farouk', 'Ghosh', 'Haddad', 'Ismail', 'Joshi', 'Kapoor', 'Lopez', 'Mansour'];

/** A primary-care specialty is where a clinic plausibly has 25 doctors. */
export const BENCH_SPECIALTY = 'family-medicine';

/**
 * Tops the specialty up to `target` active physicians. New physicians copy a seeded colleague's document
 * (the seed's shape) and take the weekly schedules of the seeded physicians in turn, so next-free-slot
 * has varied calendars to work through.
 */
export async function topUpSpecialty(database: Database, target: number): Promise<{ specialty: string; physicians: number; added: number }> {
  const { physicians } = database.cols;
  const specialty = BENCH_SPECIALTY;
  const active = await physicians.find({ active: true }).toArray();
  const members = active.filter((p) => p.specialty === specialty);
  if (!members.length) throw new Error(`the seed has no active ${specialty} physician`);

  const proto = members[0]!;
  const now = new Date();
  const missing = Math.max(0, target - members.length);
  const docs: PhysicianDoc[] = Array.from({ length: missing }, (_, i) => {
    const source = active[i % active.length]!;
    const fullName = `Dr. ${FIRST[i % FIRST.length]} ${LAST[i % LAST.length]}`;
    const ratingCount = 20 + ((i * 37) % 90);
    const ratingSum = Math.round(ratingCount * (3.6 + ((i * 13) % 14) / 10));
    return {
      ...proto,
      _id: new ObjectId(),
      userId: null,
      fullName,
      title: i % 3 === 0 ? 'Consultant Family Physician' : 'General Practitioner',
      gender: i % 2 === 0 ? 'female' : 'male',
      languages: source.languages,
      bio: `${fullName} sees adults and children for everyday illnesses, check-ups and long-term conditions.`,
      yearsOfExperience: 4 + ((i * 7) % 25),
      price: { amount: 15_000 + ((i * 2_500) % 40_000), currency: 'AED' },
      rating: { sum: ratingSum, count: ratingCount },
      ratingAverage: Math.round((ratingSum / ratingCount) * 10) / 10,
      schedule: { ...source.schedule, overrides: [] },
      active: true,
      createdAt: now,
      updatedAt: now,
    };
  });
  if (docs.length) await physicians.insertMany(docs);
  return { specialty, physicians: members.length + docs.length, added: docs.length };
}

/** The seeded physician with the most held appointments in the next 14 days (the busiest calendar to compute). */
export async function busiestPhysician(database: Database): Promise<{ id: string; name: string; held: number }> {
  const now = new Date();
  const held = await database.cols.appointments
    .find({ status: { $in: HOLDING }, startsAt: { $gte: now, $lt: new Date(now.getTime() + 14 * DAY_MS) } }, { projection: { physicianId: 1 } })
    .toArray();
  const counts = new Map<string, number>();
  for (const a of held) counts.set(a.physicianId.toHexString(), (counts.get(a.physicianId.toHexString()) ?? 0) + 1);
  const [id, n] = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0] ?? [];
  const doc = id ? await database.cols.physicians.findOne({ _id: new ObjectId(id), active: true }) : await database.cols.physicians.findOne({ active: true });
  if (!doc) throw new Error('no active physician to benchmark');
  return { id: doc._id.toHexString(), name: doc.fullName, held: n ?? 0 };
}

/** Verified patients, straight into the users collection (the shape makePatients in the server's test support uses). */
export async function insertPatients(database: Database, n: number): Promise<{ userId: string; email: string }[]> {
  const passwordHash = await hashPassword(PATIENT_PASSWORD);
  const now = new Date();
  const emails = Array.from({ length: n }, (_, i) => `bench.patient.${i}@patient.test`);
  const docs: UserDoc[] = emails.map((email, i) => ({
    _id: new ObjectId(),
    ...userDoc({ email, fullName: `Bench Patient ${i}`, phone: `+97150${String(1_000_000 + i).slice(-7)}`, role: 'patient' }, passwordHash, now),
  }));
  await database.cols.users.insertMany(docs);
  return docs.map((d, i) => ({ userId: d._id.toHexString(), email: emails[i]! }));
}

/** The baseline's appointments: same indexes, same documents as the real collection at this moment. */
export async function copyAppointmentsForBaseline(database: Database): Promise<number> {
  const copy = database.db.collection<AppointmentDoc>(BASELINE_APPOINTMENTS);
  await copy.createIndexes(INDEXES.appointments);
  const docs = await database.cols.appointments.find({}).toArray();
  if (docs.length) await copy.insertMany(docs);
  return docs.length;
}

/** Places in every emirate (WGS84), for the added clinics' locations: some within 50 km of Dubai Healthcare City, some beyond. */
const PLACES: (Pick<ClinicLocationDoc, 'emirate' | 'area'> & { lat: number; lng: number })[] = [
  { emirate: 'dubai', area: 'Deira', lat: 25.2697, lng: 55.3095 },
  { emirate: 'sharjah', area: 'Al Majaz', lat: 25.326, lng: 55.387 },
  { emirate: 'abu-dhabi', area: 'Al Khalidiya', lat: 24.47, lng: 54.35 },
  { emirate: 'ajman', area: 'Al Nuaimiya', lat: 25.393, lng: 55.446 },
  { emirate: 'dubai', area: 'Dubai Marina', lat: 25.0805, lng: 55.1403 },
  { emirate: 'ras-al-khaimah', area: 'Al Nakheel', lat: 25.7895, lng: 55.9432 },
  { emirate: 'umm-al-quwain', area: 'Al Salamah', lat: 25.5647, lng: 55.5552 },
  { emirate: 'fujairah', area: 'Fujairah City', lat: 25.1288, lng: 56.3265 },
  { emirate: 'abu-dhabi', area: 'Al Ain', lat: 24.2075, lng: 55.7447 },
];

export interface AddedClinics {
  clinicIds: ObjectId[];
  physicianIds: ObjectId[];
}

/**
 * Adds active clinics until there are `total` active clinics, each a copy of the second seeded clinic's document
 * with one or two locations (in turn through every emirate, a few hundred metres apart) and two active physicians
 * (copies of seeded physicians, their specialties and weekly schedules in turn; one works at the first location,
 * the other at all of them). Returns what it added, so that it can be removed again.
 */
export async function addClinics(database: Database, total: number): Promise<AddedClinics> {
  const { clinics, physicians } = database.cols;
  const template = await clinics.findOne({ slug: SEED_SECOND_CLINIC_SLUG });
  if (!template) throw new Error(`the seed has no clinic ${SEED_SECOND_CLINIC_SLUG}`);
  const sources = await physicians.find({ active: true }).toArray();
  const existing = await clinics.countDocuments({ status: 'active' });
  const benchCount = await clinics.countDocuments({ slug: { $regex: '^bench-clinic-' } });
  const now = new Date();
  const clinicDocs: ClinicDoc[] = [];
  const physicianDocs: PhysicianDoc[] = [];
  for (let k = 0; k < total - existing; k++) {
    const i = benchCount + k;
    const name = `Bench Clinic ${i + 1}`;
    const locations: ClinicLocationDoc[] = Array.from({ length: 1 + (i % 2) }, (_, j) => {
      const place = PLACES[(i + j * 4) % PLACES.length]!;
      const jitter = (((i * 7 + j * 3) % 11) - 5) * 0.003; // up to ±1.5 km or so
      return {
        ...place,
        id: `${slugify(place.area)}-${j + 1}`,
        name: `${name} ${place.area}`,
        nameAr: template.locations[0]?.nameAr ?? '',
        address: `Building ${i + 1}, ${place.area}`,
        lat: Math.round((place.lat + jitter) * 1e4) / 1e4,
        lng: Math.round((place.lng - jitter) * 1e4) / 1e4,
        openingHours: template.locations[0]?.openingHours ?? [],
      };
    });
    const clinic: ClinicDoc = {
      ...template,
      _id: new ObjectId(),
      slug: `bench-clinic-${i + 1}`,
      name,
      legalName: `${name} L.L.C.`,
      vatTrn: null,
      phone: `+9714${String(2_000_000 + i).slice(-7)}`,
      email: `clinic${i + 1}@bench.test`,
      locations,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    clinicDocs.push(clinic);
    for (let j = 0; j < 2; j++) {
      const n = i * 2 + j;
      const source = sources[n % sources.length]!;
      const fullName = `Dr. ${FIRST[n % FIRST.length]} ${LAST[(n * 5) % LAST.length]} ${i + 1}`;
      physicianDocs.push({
        ...source,
        _id: new ObjectId(),
        userId: null,
        fullName,
        clinicId: clinic._id,
        locationIds: j === 0 ? [locations[0]!.id] : locations.map((l) => l.id),
        bio: `${fullName} sees patients at ${name}.`,
        schedule: { ...source.schedule, overrides: [] },
        active: true,
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  if (clinicDocs.length) await clinics.insertMany(clinicDocs);
  if (physicianDocs.length) await physicians.insertMany(physicianDocs);
  return { clinicIds: clinicDocs.map((c) => c._id), physicianIds: physicianDocs.map((p) => p._id) };
}

/** Takes out what addClinics added (before the bookings, which then see the seeded data only). */
export async function removeClinics(database: Database, added: AddedClinics[]): Promise<void> {
  const physicianIds = added.flatMap((a) => a.physicianIds);
  const clinicIds = added.flatMap((a) => a.clinicIds);
  if (physicianIds.length) await database.cols.physicians.deleteMany({ _id: { $in: physicianIds } });
  if (clinicIds.length) await database.cols.clinics.deleteMany({ _id: { $in: clinicIds } });
}

/** What the search by location considers at this moment: active physicians of active clinics working at a location that fits. */
export async function countMatching(database: Database, fits: (l: ClinicLocationDoc) => boolean): Promise<{ clinics: number; physicians: number; matching: number }> {
  const clinics = await database.cols.clinics.find({ status: 'active' }).toArray();
  const byId = new Map(clinics.map((c) => [c._id.toHexString(), c]));
  const physicians = (await database.cols.physicians.find({ active: true }).toArray()).filter((p) => byId.has(p.clinicId.toHexString()));
  const matching = physicians.filter((p) => byId.get(p.clinicId.toHexString())!.locations.some((l) => p.locationIds.includes(l.id) && fits(l))).length;
  return { clinics: clinics.length, physicians: physicians.length, matching };
}
