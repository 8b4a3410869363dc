// Prepares the bench's own database: the normal seed, a specialty topped up to 25 active physicians,
// patients, and the baseline's copy of the appointments collection.
import { hashPassword } from '@clinic/api';
import { INDEXES, ObjectId, seedDatabase, userDoc, type AppointmentDoc, type AppointmentStatus, type Database, type PhysicianDoc, type UserDoc } from '@clinic/db';
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
