import type { PhysicianSchedule } from '@clinic/contracts';
import { ObjectId } from '@clinic/db';
import type { TestServer } from './server.ts';

export const EVERY_DAY_8_TO_20: PhysicianSchedule = {
  weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, intervals: [{ start: '08:00', end: '13:00' }, { start: '14:00', end: '20:00' }] })),
  overrides: [],
  slotMinutes: 30,
  bufferMinutes: 0,
};

/** A physician (and the specialty it needs) created through the admin service, as an admin would. */
export async function createPhysician(server: TestServer, overrides: Partial<{ schedule: PhysicianSchedule; fullName: string; userId: string | null }> = {}) {
  await server.services.specialties.upsert({ slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] });
  return server.services.physicians.create({
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
    locationIds: ['main'],
    userId: overrides.userId ?? null,
    schedule: overrides.schedule ?? EVERY_DAY_8_TO_20,
  });
}

/** A Dubai wall-clock time as an instant (Dubai is UTC+4 all year). */
export const dubai = (date: string, time: string) => new Date(`${date}T${time}:00+04:00`);

/** The local date `days` after today in Dubai. */
export function dubaiDate(days: number, from = new Date()): string {
  return new Date(from.getTime() + 4 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}
