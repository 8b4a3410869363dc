import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext, hashPassword } from '@clinic/api';
import { SEED_SECOND_CLINIC_SLUG, seedDatabase } from '@clinic/db';
import { dubaiDate } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await seedDatabase(s.database, { hashPassword, password: 'seed-password-1', now: s.clock.now() });
});
afterAll(() => s.close());

type Item = { id: string; fullName: string; specialty: string; price: { amount: number }; languages: string[]; nextFreeSlot: { start: string } | null };

async function allPages(query: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res = await s.rest('GET', `/physicians?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end');
}

describe('physician catalogue on the seeded clinic', () => {
  it('lists specialties with sub-specialties, the clinic and packages', async () => {
    const specialties = await s.rest('GET', '/specialties');
    expect(specialties.body.length).toBeGreaterThanOrEqual(10);
    expect(specialties.body.find((x: { slug: string }) => x.slug === 'cardiology').subSpecialties.length).toBeGreaterThan(0);
    const clinic = await s.rest('GET', '/clinic');
    expect(clinic.body).toMatchObject({ slug: 'al-noor-family-clinic', nameAr: 'عيادة النور العائلية', vatTrn: '100234567800003', timeZone: 'Asia/Dubai', policies: { cancellationCutoffHours: 24 } });
    expect(clinic.body.locations.map((l: { id: string; emirate: string }) => `${l.id}/${l.emirate}`)).toEqual(['dubai-healthcare-city/dubai', 'jumeirah/dubai', 'al-barsha/dubai']);
    const pkgs = await s.rest('GET', '/packages');
    expect(pkgs.body.length).toBeGreaterThanOrEqual(5);
    const one = await s.rest('GET', `/packages/${pkgs.body[0].id}`);
    expect(one.body.name).toBe(pkgs.body[0].name);
    expect((await s.rest('GET', '/packages/000000000000000000000000')).status).toBe(404);
    expect((await s.rest('GET', '/packages/not-an-id')).status).toBe(400);
  });

  it('pages through every active physician without skipping or repeating, for each sort', async () => {
    const everyone = await allPages('sort=name', 50);
    expect(everyone.length).toBeGreaterThanOrEqual(20);
    for (const sort of ['name', 'price', 'rating', 'next_available']) {
      const paged = await allPages(`sort=${sort}`, 4);
      const ids = paged.map((x) => x.id);
      expect(new Set(ids).size, sort).toBe(ids.length);
      expect([...ids].sort(), sort).toEqual(everyone.map((x) => x.id).sort());
    }
    const byPrice = await allPages('sort=price&order=desc', 7);
    for (let i = 1; i < byPrice.length; i++) expect(byPrice[i - 1]!.price.amount).toBeGreaterThanOrEqual(byPrice[i]!.price.amount);
  });

  it('combines specialty, price range, language and availability filters', async () => {
    const all = await allPages('sort=name', 50);
    const specialty = all[0]!.specialty;
    const inSpecialty = all.filter((x) => x.specialty === specialty);
    const prices = inSpecialty.map((x) => x.price.amount).sort((a, b) => a - b);
    const [min, max] = [prices[0]!, prices.at(-1)!];
    const day = dubaiDate(3, s.clock.now());
    const filtered = await allPages(`specialty=${specialty}&minPrice=${min}&maxPrice=${max}&availableOn=${day}&language=en`, 2);
    expect(filtered.length).toBeGreaterThan(0);
    for (const p of filtered) {
      expect(p.specialty).toBe(specialty);
      expect(p.price.amount).toBeGreaterThanOrEqual(min);
      expect(p.price.amount).toBeLessThanOrEqual(max);
      expect(p.languages).toContain('en');
      // "available that day" means the slot list for that day is not empty.
      const slots = await s.rest('GET', `/physicians/${p.id}/slots?from=${encodeURIComponent(`${day}T00:00:00+04:00`)}&to=${encodeURIComponent(`${day}T23:59:59+04:00`)}`);
      expect(slots.body.slots.length).toBeGreaterThan(0);
    }
    const cheap = await allPages(`maxPrice=${min - 1}&specialty=${specialty}`, 5);
    expect(cheap).toEqual([]);
    const nameSearch = await allPages(`q=${encodeURIComponent(all[0]!.fullName.split(' ').at(-1)!.toUpperCase())}`, 5);
    expect(nameSearch.map((x) => x.id)).toContain(all[0]!.id);
  });

  it('each item carries its next free slot, which the slot list confirms', async () => {
    const page = await s.rest('GET', '/physicians?limit=5');
    const withSlot = page.body.items.find((x: Item) => x.nextFreeSlot);
    expect(withSlot).toBeDefined();
    const start = new Date(withSlot.nextFreeSlot.start);
    const slots = await s.rest('GET', `/physicians/${withSlot.id}/slots?from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(new Date(start.getTime() + 3_600_000).toISOString())}`);
    expect(slots.body.slots[0].start).toBe(withSlot.nextFreeSlot.start);
    expect(withSlot.nextFreeSlot.start).toMatch(/\+04:00$/);
  });

  it('bad filters → 400 naming the field', async () => {
    const res = await s.rest('GET', '/physicians?limit=500');
    expect(res.status).toBe(400);
    expect(res.body.issues?.[0]?.path ?? Object.keys(res.body.data.fieldErrors ?? {})).toContain('limit');
    expect((await s.rest('GET', '/physicians?cursor=garbage')).status).toBe(400);
    expect((await s.rest('GET', '/physicians?availableOn=tomorrow')).status).toBe(400);
  });

  it('every physician names its clinic and the locations where it works', async () => {
    const all = await allPages('specialty=pediatrics', 50);
    expect(all.length).toBeGreaterThan(0);
    const sara = (await s.rest('GET', `/physicians/${all.find((p) => p.fullName === 'Dr. Sara Haddad')!.id}`)).body;
    expect(sara.clinic).toEqual({ id: expect.any(String), slug: 'al-noor-family-clinic', name: 'Al Noor Family Clinic', nameAr: 'عيادة النور العائلية', locations: [{ id: 'jumeirah', name: 'Jumeirah', nameAr: 'جميرا', emirate: 'dubai', area: 'Jumeirah 1' }] });
  });

  it("an admin places a physician only at the clinic's own locations: an unknown one is a 400 naming them, nothing changes", async () => {
    const admin = await s.database.cols.users.findOne({ email: 'admin@clinic.test' });
    const caller = createCaller(createInternalContext(s.services, { userId: admin!._id.toHexString(), role: 'admin', sessionId: null }, 'test'));
    const p = (await caller.physicians.list({ limit: 1 })).items[0]!;
    const err = await caller.physicians.update({ id: p.id, patch: { locationIds: ['dubai-marina'] } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/Unknown location: dubai-marina \(this clinic has dubai-healthcare-city, jumeirah, al-barsha\)/) });
    expect((await caller.physicians.get({ id: p.id })).clinic.locations).toEqual(p.clinic.locations);
    const moved = await caller.physicians.update({ id: p.id, patch: { locationIds: ['al-barsha', 'jumeirah'] } });
    expect(moved.clinic.locations.map((l) => l.id)).toEqual(['jumeirah', 'al-barsha']);
  });

  it('an admin schedule change shows up in the slots at once (through createCaller, as an admin)', async () => {
    const admin = await s.database.cols.users.findOne({ email: 'admin@clinic.test' });
    const caller = createCaller(createInternalContext(s.services, { userId: admin!._id.toHexString(), role: 'admin', sessionId: null }, 'test'));
    const list = await caller.physicians.list({ limit: 1 });
    const p = await caller.physicians.get({ id: list.items[0]!.id });
    // Past the seeded appointments (21 days), so the new hours are all free.
    const day = dubaiDate(30, s.clock.now());
    const range = { id: p.id, from: new Date(`${day}T00:00:00+04:00`), to: new Date(`${day}T23:59:59+04:00`) };
    await caller.physicians.update({ id: p.id, patch: { schedule: { ...p.schedule, overrides: [...p.schedule.overrides.filter((o) => o.date !== day), { date: day, intervals: [{ start: '10:00', end: '11:00' }] }] } } });
    const slots = await caller.physicians.slots(range);
    expect(slots.slots.length).toBe(Math.floor(60 / p.schedule.slotMinutes));
    expect(slots.slots[0]!.start).toBe(`${day}T10:00:00+04:00`);
    expect(slots.slots.every((x) => x.end <= `${day}T11:00:00+04:00`)).toBe(true);
  });
});

describe('the seeded second clinic, Al Reem Family Practice', () => {
  const login = async (email: string) => {
    const res = await s.rest('POST', '/auth/login', { email, password: 'seed-password-1' });
    expect(res.status, email).toBe(200);
    return res.body as { accessToken: string; user: { role: string; clinicId: string | null } };
  };
  type Day = { appointments: { physicianName: string }[] };
  const calendarNames = async (token: string) => {
    const res = await s.rest('GET', `/appointments/calendar?from=${dubaiDate(-10, s.clock.now())}&to=${dubaiDate(19, s.clock.now())}`, undefined, token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return new Set((res.body.days as Day[]).flatMap((d) => d.appointments.map((a) => a.physicianName)));
  };
  const REEM_DOCTORS = ['Dr. Hessa Al Kaabi', 'Dr. Lina Barakat', 'Dr. Rashid Al Nuaimi'];

  it("its admin, reception and doctors sign in to it, and its calendar holds only its doctors' bookings", async () => {
    const clinic = (await s.rest('GET', `/clinics/${SEED_SECOND_CLINIC_SLUG}`)).body;
    expect(clinic).toMatchObject({ name: 'Al Reem Family Practice', physicianCount: 3 });
    for (const email of ['admin@alreem.test', 'reception@alreem.test', 'dr.hessa@alreem.test', 'dr.lina@alreem.test', 'dr.rashid@alreem.test']) {
      expect((await login(email)).user.clinicId, email).toBe(clinic.id);
    }
    const reem = await calendarNames((await login('admin@alreem.test')).accessToken);
    expect(reem.size).toBeGreaterThan(0);
    for (const n of reem) expect(REEM_DOCTORS).toContain(n);
    const noor = await calendarNames((await login('admin@clinic.test')).accessToken);
    expect(noor.size).toBeGreaterThan(3);
    for (const n of REEM_DOCTORS) expect(noor.has(n)).toBe(false);
    const packages = (await s.rest('GET', `/packages?clinic=${SEED_SECOND_CLINIC_SLUG}`)).body as { name: string }[];
    expect(packages.length).toBeGreaterThanOrEqual(2);
    expect(packages.map((p) => p.name)).not.toContain('Executive Health Check');
  });

  it('lists the specialties each clinic offers, and its physicians practise only those', async () => {
    const reem = await s.rest('GET', `/specialties?clinic=${SEED_SECOND_CLINIC_SLUG}`);
    expect(reem.status, JSON.stringify(reem.body)).toBe(200);
    const slugs = (reem.body as { slug: string; name: string }[]).map((x) => x.slug);
    expect([...slugs].sort()).toEqual(['dentistry', 'family-medicine', 'internal-medicine', 'pediatrics']);
    expect(reem.body.every((x: { name: string }) => x.name.length > 0)).toBe(true);
    const all = (await s.rest('GET', '/specialties')).body as unknown[];
    expect(all.length).toBeGreaterThan(slugs.length);
    const practised = (await s.rest('GET', `/physicians?clinic=${SEED_SECOND_CLINIC_SLUG}&limit=50`)).body.items.map((p: { specialty: string }) => p.specialty);
    for (const specialty of practised) expect(slugs).toContain(specialty);
    expect((await s.rest('GET', '/specialties?clinic=no-such-clinic')).status).toBe(404);
  });

  it('a seeded patient sees their bookings at both clinics; seeding again adds nothing', async () => {
    const { cols } = s.database;
    const reem = (await cols.clinics.findOne({ slug: SEED_SECOND_CLINIC_SLUG }))!;
    const atReem = await cols.appointments.distinct('patientId', { clinicId: reem._id });
    const both = await cols.appointments.distinct('patientId', { clinicId: { $ne: reem._id }, patientId: { $in: atReem } });
    expect(both.length).toBeGreaterThan(0);
    const patient = (await cols.users.findOne({ _id: both[0] }))!;
    expect(patient.email).toMatch(/@patient\.test$/);
    const { accessToken } = await login(patient.email!);
    const mine: { physicianName: string }[] = [];
    for (const scope of ['upcoming', 'past', 'cancelled']) {
      const res = await s.rest('GET', `/appointments/mine?scope=${scope}`, undefined, accessToken);
      expect(res.status).toBe(200);
      mine.push(...(res.body.items as { physicianName: string }[]));
    }
    expect(mine.some((a) => REEM_DOCTORS.includes(a.physicianName))).toBe(true);
    expect(mine.some((a) => !REEM_DOCTORS.includes(a.physicianName))).toBe(true);

    const counts = { users: await cols.users.countDocuments({}), appointments: await cols.appointments.countDocuments({}), clinics: await cols.clinics.countDocuments({}) };
    const again = await seedDatabase(s.database, { hashPassword, password: 'seed-password-1', now: s.clock.now() });
    expect(again.created).toEqual({});
    expect({ users: await cols.users.countDocuments({}), appointments: await cols.appointments.countDocuments({}), clinics: await cols.clinics.countDocuments({}) }).toEqual(counts);
  });
});
