import type { PhysicianSchedule } from '@clinic/contracts';
import { hashPassword } from '@clinic/api';
import { DEFAULT_CLINIC_POLICIES, ObjectId, userDoc, type ClinicDoc, type ClinicPolicies } from '@clinic/db';
import { uniqueEmail, type TestServer } from './server.ts';

export const EVERY_DAY_8_TO_20: PhysicianSchedule = {
  weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, intervals: [{ start: '08:00', end: '13:00' }, { start: '14:00', end: '20:00' }] })),
  overrides: [],
  slotMinutes: 30,
  bufferMinutes: 0,
};

/**
 * A physician (and the specialty it needs) created through the admin service, as an admin would: in the server's
 * own clinic at its `main` location, or in `clinic` (e.g. insertSecondClinic's) at its first location.
 */
export async function createPhysician(
  server: TestServer,
  overrides: Partial<{ schedule: PhysicianSchedule; fullName: string; userId: string | null; clinic: ClinicDoc }> = {},
) {
  await server.services.specialties.upsert({ slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] });
  return server.services.physicians.create(
    {
      fullName: overrides.fullName ?? `Dr. Test ${new ObjectId().toHexString().slice(-6)}`,
      title: 'Specialist',
      gender: 'female',
      specialty: 'family-medicine',
      subSpecialties: [],
      languages: ['en', 'ar'],
      bio: '',
      yearsOfExperience: 10,
      price: { amount: 30000, currency: 'AED' },
      photoUrl: null,
      // The clinic a new database gets from the configuration has one location, `main`.
      locationIds: [overrides.clinic?.locations[0]?.id ?? 'main'],
      userId: overrides.userId ?? null,
      schedule: overrides.schedule ?? EVERY_DAY_8_TO_20,
    },
    overrides.clinic?._id.toHexString() ?? null,
  );
}

/** A Dubai wall-clock time as an instant (Dubai is UTC+4 all year). */
export const dubai = (date: string, time: string) => new Date(`${date}T${time}:00+04:00`);

/** The local date `days` after today in Dubai. */
export function dubaiDate(days: number, from = new Date()): string {
  return new Date(from.getTime() + 4 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Free half hours of EVERY_DAY_8_TO_20's working day (08:00–13:00, 14:00–20:00) one after another, from `firstDay`
 * days after today on: each call gives the next, so the bookings of one file never collide.
 */
export function workingDaySlots(firstDay: number): () => Date {
  let n = 0;
  return () => {
    const i = n % 20;
    const minutes = (i < 10 ? 8 * 60 : 14 * 60) + (i % 10) * 30;
    const day = dubaiDate(firstDay + Math.floor(n++ / 20));
    return dubai(day, `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);
  };
}

/**
 * A second clinic, Gulf Care in Sharjah (one located location, `al-majaz`; offering family medicine), written straight
 * into the database as a signed-up, verified clinic would be, with any field replaced by `fields`. Created after the
 * test server's own clinic, which stays the platform's first.
 */
export async function insertSecondClinic(server: TestServer, policies: Partial<ClinicPolicies> = {}, fields: Partial<ClinicDoc> = {}): Promise<ClinicDoc> {
  const now = server.clock.now();
  const clinic: ClinicDoc = {
    _id: new ObjectId(),
    slug: 'gulf-care-sharjah',
    name: 'Gulf Care Clinic',
    nameAr: 'عيادة الخليج',
    legalName: 'Gulf Care Clinic L.L.C.',
    vatTrn: '100123456700003',
    phone: '+97165550000',
    email: 'hello@gulfcare.test',
    timeZone: 'Asia/Dubai',
    currency: 'AED',
    vatRatePercent: 5,
    policies: { ...DEFAULT_CLINIC_POLICIES, ...policies },
    locations: [{ id: 'al-majaz', name: 'Al Majaz', nameAr: 'المجاز', emirate: 'sharjah', area: 'Al Majaz', address: 'Corniche St, Al Majaz 3', lat: 25.3256, lng: 55.3876, openingHours: [] }],
    specialties: ['family-medicine'],
    status: 'active',
    createdAt: new Date(now.getTime() + 1000),
    updatedAt: now,
    ...fields,
  };
  await server.services.clinic.current(); // the server's own clinic exists first
  await server.database.cols.clinics.insertOne(clinic);
  return clinic;
}

/** A staff, doctor or admin account of `clinicId` written straight into the database (as that clinic's admin would make it), signed in over REST. */
export async function makeClinicStaff(server: TestServer, clinicId: ObjectId, role: 'staff' | 'doctor' | 'admin', password = 'staff-pass-123') {
  const email = uniqueEmail(`${role}-${clinicId.toHexString().slice(-4)}`);
  const _id = new ObjectId();
  await server.database.cols.users.insertOne({ _id, ...userDoc({ email, fullName: `Test ${role} ${clinicId.toHexString().slice(-4)}`, phone: '+971501777777', role }, await hashPassword(password), server.clock.now(), clinicId) });
  const login = await server.rest('POST', '/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return { userId: _id.toHexString(), email, accessToken: login.body.accessToken as string };
}
