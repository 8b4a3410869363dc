import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@clinic/api';
import { ObjectId, SEED_CLINIC_SLUG, SEED_SECOND_CLINIC_SLUG, seedDatabase, type ClinicDoc, type ClinicLocationDoc, type PhysicianDoc } from '@clinic/db';
import { startTestServer, type TestServer } from './support/server.ts';

// Search across clinics, and the physician search by clinic, emirate, area and distance, on the seeded
// Al Noor (three located Dubai locations) and Al Reem Family Practice (one Al Reem Island location, three doctors)
// plus clinics inserted here: an active Abu Dhabi heart centre with an unlocated Sharjah branch, a suspended Dubai
// clinic and a pending one.

let s: TestServer;
const SECOND = SEED_SECOND_CLINIC_SLUG;
/** The seeded Al Reem Family Practice's doctors, by name. */
const SECOND_DOCTORS = ['Dr. Hessa Al Kaabi', 'Dr. Lina Barakat', 'Dr. Rashid Al Nuaimi'];
const REEM = 'reem-heart-centre';
const SUSPENDED = 'gulf-suspended-clinic';
const PENDING = 'pending-care-clinic';
const DHCC = '25.2305,55.3235';
/** Every database command the server sends, while `commands` is an array. */
let commands: string[] | null = null;

type Loc = { id: string; emirate: string; area: string };
type Item = { id: string; fullName: string; price: { amount: number }; distanceKm: number | null; clinic: { slug: string; locations: Loc[] } };

async function allPages(query: string, limit = 50): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res = await s.rest('GET', `/physicians?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end');
}

const names = (items: { fullName: string }[]) => items.map((x) => x.fullName).sort();
const slugs = (res: { body: { items: { slug: string }[] } }) => res.body.items.map((x) => x.slug);

beforeAll(async () => {
  s = await startTestServer({ monitorCommands: true });
  await seedDatabase(s.database, { hashPassword, password: 'seed-password-1', now: s.clock.now() });
  const cols = s.database.cols;
  const alNoor = (await cols.clinics.findOne({ slug: SEED_CLINIC_SLUG }))!;
  const template = (await cols.physicians.findOne({ clinicId: alNoor._id, active: true }))!;
  const loc = (l: Partial<ClinicLocationDoc> & Pick<ClinicLocationDoc, 'id' | 'name' | 'emirate' | 'area' | 'lat' | 'lng'>): ClinicLocationDoc => ({
    nameAr: l.name,
    address: `${l.area}, ${l.emirate}`,
    openingHours: alNoor.locations[0]!.openingHours,
    ...l,
  });
  const clinic = (slug: string, name: string, nameAr: string, status: ClinicDoc['status'], specialties: string[], locations: ClinicLocationDoc[]): ClinicDoc => ({
    ...alNoor,
    _id: new ObjectId(),
    slug,
    name,
    nameAr,
    legalName: `${name} L.L.C.`,
    status,
    specialties,
    locations,
  });
  const reem = clinic(REEM, 'Reem Heart Centre', 'مركز الريم للقلب', 'active', ['cardiology', 'family-medicine'], [
    loc({ id: 'al-reem-island', name: 'Al Reem Island', emirate: 'abu-dhabi', area: 'Al Reem Island', lat: 24.4989, lng: 54.404 }),
    loc({ id: 'al-majaz', name: 'Al Majaz', emirate: 'sharjah', area: 'Al Majaz', lat: null, lng: null }),
  ]);
  // A suspended clinic right next to Dubai Healthcare City, and a pending one in Al Barsha.
  const suspended = clinic(SUSPENDED, 'Gulf Suspended Clinic', 'عيادة الخليج', 'suspended', ['cardiology'], [
    loc({ id: 'oud-metha', name: 'Oud Metha', emirate: 'dubai', area: 'Oud Metha', lat: 25.231, lng: 55.324 }),
  ]);
  const pending = clinic(PENDING, 'Pending Care Clinic', 'عيادة قيد الانتظار', 'pending', ['cardiology'], [
    loc({ id: 'barsha', name: 'Barsha', emirate: 'dubai', area: 'Al Barsha 1', lat: 25.1131, lng: 55.1958 }),
  ]);
  await cols.clinics.insertMany([reem, suspended, pending]);
  const physician = (of: ClinicDoc, fullName: string, specialty: string, locationIds: string[]): PhysicianDoc => ({
    ...template,
    _id: new ObjectId(),
    userId: null,
    clinicId: of._id,
    fullName,
    specialty,
    subSpecialties: [],
    locationIds,
  });
  await cols.physicians.insertMany([
    physician(reem, 'Dr. Omar Al Reem', 'cardiology', ['al-reem-island']),
    physician(reem, 'Dr. Noura Majaz', 'family-medicine', ['al-majaz']),
    physician(suspended, 'Dr. Hidden Suspended', 'cardiology', ['oud-metha']),
    physician(suspended, 'Dr. Hidden Second', 'family-medicine', ['oud-metha']),
    physician(pending, 'Dr. Hidden Pending', 'cardiology', ['barsha']),
  ]);
  s.database.client.on('commandStarted', (e: CommandStartedEvent) => commands?.push(e.commandName));
});
afterAll(() => s.close());

describe('GET /clinics: search across active clinics', () => {
  it('lists active clinics only, each with its emirates, areas, specialties and location count', async () => {
    const res = await s.rest('GET', '/clinics');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(slugs(res)).toEqual([SEED_CLINIC_SLUG, SECOND, REEM]);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items[1]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      slug: SECOND,
      name: 'Al Reem Family Practice',
      nameAr: 'عيادة الريم لطب الأسرة',
      emirates: ['abu-dhabi'],
      areas: ['Al Reem Island'],
      specialties: ['family-medicine', 'pediatrics', 'dentistry', 'internal-medicine'],
      locationCount: 1,
    });
    expect(res.body.items[2]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      slug: REEM,
      name: 'Reem Heart Centre',
      nameAr: 'مركز الريم للقلب',
      emirates: ['abu-dhabi', 'sharjah'],
      areas: ['Al Reem Island', 'Al Majaz'],
      specialties: ['cardiology', 'family-medicine'],
      locationCount: 2,
    });
    expect(res.body.items[0]).toMatchObject({ emirates: ['dubai'], areas: ['Oud Metha', 'Jumeirah 1', 'Al Barsha 1'], locationCount: 3 });
  });

  it('filters by emirate, specialty and name in English or Arabic', async () => {
    expect(slugs(await s.rest('GET', '/clinics?emirate=abu-dhabi'))).toEqual([SECOND, REEM]);
    expect(slugs(await s.rest('GET', '/clinics?emirate=sharjah'))).toEqual([REEM]);
    expect(slugs(await s.rest('GET', '/clinics?emirate=dubai'))).toEqual([SEED_CLINIC_SLUG]);
    expect(slugs(await s.rest('GET', '/clinics?emirate=fujairah'))).toEqual([]);
    expect(slugs(await s.rest('GET', '/clinics?specialty=cardiology'))).toEqual([SEED_CLINIC_SLUG, REEM]);
    expect(slugs(await s.rest('GET', '/clinics?specialty=orthopaedics'))).toEqual([SEED_CLINIC_SLUG]);
    expect(slugs(await s.rest('GET', '/clinics?specialty=dentistry&emirate=abu-dhabi'))).toEqual([SECOND]);
    expect(slugs(await s.rest('GET', `/clinics?q=${encodeURIComponent('الريم')}`))).toEqual([SECOND, REEM]);
    expect(slugs(await s.rest('GET', '/clinics?q=family%20practice'))).toEqual([SECOND]);
    expect(slugs(await s.rest('GET', `/clinics?q=${encodeURIComponent('النور')}`))).toEqual([SEED_CLINIC_SLUG]);
    expect(slugs(await s.rest('GET', '/clinics?q=heart%20CENTRE&emirate=abu-dhabi&specialty=cardiology'))).toEqual([REEM]);
    expect(slugs(await s.rest('GET', '/clinics?q=heart&emirate=dubai'))).toEqual([]);
    // Suspended and pending clinics are not found by name either; regex characters are taken literally.
    expect(slugs(await s.rest('GET', '/clinics?q=Suspended'))).toEqual([]);
    expect(slugs(await s.rest('GET', '/clinics?q=Pending'))).toEqual([]);
    expect(slugs(await s.rest('GET', '/clinics?q=.*'))).toEqual([]);
  });

  it('pages with a cursor', async () => {
    const first = await s.rest('GET', '/clinics?limit=1');
    expect(slugs(first)).toEqual([SEED_CLINIC_SLUG]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await s.rest('GET', `/clinics?limit=1&cursor=${first.body.nextCursor}`);
    expect(slugs(second)).toEqual([SECOND]);
    expect(second.body.nextCursor).toEqual(expect.any(String));
    const third = await s.rest('GET', `/clinics?limit=1&cursor=${second.body.nextCursor}`);
    expect(slugs(third)).toEqual([REEM]);
    expect(third.body.nextCursor).toBeNull();
  });

  it('answers bad input with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=51', 'limit'],
      ['limit=0', 'limit'],
      ['emirate=mars', 'emirate'],
      ['specialty=Not%20A%20Slug', 'specialty'],
      ['cursor=nonsense', 'cursor'],
      [`q=${'x'.repeat(81)}`, 'q'],
      ['colour=red', 'colour'],
    ] as const) {
      const res = await s.rest('GET', `/clinics?${query}`);
      expect(res.status, query).toBe(400);
      expect(Object.keys(res.body.data.fieldErrors), query).toContain(field);
    }
  });
});

describe('GET /clinics/{slug}', () => {
  it("shows an active clinic's details with its active physicians count", async () => {
    const res = await s.rest('GET', `/clinics/${REEM}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ slug: REEM, name: 'Reem Heart Centre', timeZone: 'Asia/Dubai', physicianCount: 2, specialties: ['cardiology', 'family-medicine'] });
    expect(res.body.locations).toEqual([
      expect.objectContaining({ id: 'al-reem-island', emirate: 'abu-dhabi', lat: 24.4989, lng: 54.404 }),
      expect.objectContaining({ id: 'al-majaz', emirate: 'sharjah', lat: null, lng: null }),
    ]);
    const alNoor = await s.rest('GET', `/clinics/${SEED_CLINIC_SLUG}`);
    expect(alNoor.status).toBe(200);
    expect(alNoor.body.physicianCount).toBe((await allPages(`clinic=${SEED_CLINIC_SLUG}`)).length);
    expect(alNoor.body).toMatchObject((await s.rest('GET', '/clinic')).body);
    const seeded = await s.rest('GET', `/clinics/${SECOND}`);
    expect(seeded.status).toBe(200);
    expect(seeded.body).toMatchObject({ slug: SECOND, name: 'Al Reem Family Practice', legalName: 'Al Reem Family Practice Medical Centre L.L.C.', physicianCount: 3 });
    expect(seeded.body.vatTrn).not.toBe(alNoor.body.vatTrn);
    expect(seeded.body.locations).toEqual([expect.objectContaining({ id: 'al-reem-island', emirate: 'abu-dhabi', area: 'Al Reem Island', lat: 24.4989, lng: 54.404 })]);
  });

  it('answers 404 in the one error shape for an unknown, suspended or pending clinic, 400 for a malformed slug', async () => {
    for (const slug of ['no-such-clinic', SUSPENDED, PENDING]) {
      const res = await s.rest('GET', `/clinics/${slug}`);
      expect(res.status, slug).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String), data: { appCode: 'NOT_FOUND', httpStatus: 404 } });
    }
    const bad = await s.rest('GET', '/clinics/Not_A_Slug');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors)).toEqual(['slug']);
  });
});

describe('GET /physicians by clinic, emirate, area and distance', () => {
  it("never lists a suspended or pending clinic's physicians", async () => {
    const everyone = await allPages('sort=name');
    expect(everyone.every((p) => [SEED_CLINIC_SLUG, SECOND, REEM].includes(p.clinic.slug))).toBe(true);
    expect(names(everyone)).toEqual(expect.arrayContaining(['Dr. Omar Al Reem', 'Dr. Noura Majaz']));
    expect(everyone.filter((p) => p.fullName.startsWith('Dr. Hidden'))).toEqual([]);
    expect(await allPages('q=Hidden')).toEqual([]);
    expect(await allPages(`clinic=${SUSPENDED}`)).toEqual([]);
    expect(await allPages(`clinic=${PENDING}`)).toEqual([]);
    expect(await allPages(`near=${DHCC}&radiusKm=500`)).not.toContainEqual(expect.objectContaining({ fullName: 'Dr. Hidden Suspended' }));
    expect(everyone.every((p) => p.distanceKm === null)).toBe(true);
  });

  it('filters by clinic, emirate and area (case-insensitive) of the locations where each physician works', async () => {
    expect(names(await allPages(`clinic=${REEM}`))).toEqual(['Dr. Noura Majaz', 'Dr. Omar Al Reem']);
    expect(names(await allPages(`clinic=${REEM}&specialty=cardiology`))).toEqual(['Dr. Omar Al Reem']);
    expect(names(await allPages(`clinic=${SECOND}`))).toEqual(SECOND_DOCTORS);
    expect(names(await allPages('emirate=abu-dhabi'))).toEqual([...SECOND_DOCTORS, 'Dr. Omar Al Reem'].sort());
    expect(names(await allPages('emirate=sharjah'))).toEqual(['Dr. Noura Majaz']);
    const dubai = await allPages('emirate=dubai');
    expect(dubai.length).toBeGreaterThan(5);
    expect(dubai.every((p) => p.clinic.slug === SEED_CLINIC_SLUG && p.clinic.locations.some((l) => l.emirate === 'dubai'))).toBe(true);
    expect(dubai.length).toBe((await allPages(`clinic=${SEED_CLINIC_SLUG}`)).length);
    expect(await allPages(`emirate=abu-dhabi&clinic=${SEED_CLINIC_SLUG}`)).toEqual([]);

    const barsha = await allPages(`area=${encodeURIComponent('al barsha 1')}`);
    expect(barsha.length).toBeGreaterThan(1);
    expect(barsha.every((p) => p.clinic.locations.some((l) => l.area === 'Al Barsha 1'))).toBe(true);
    const notBarsha = dubai.filter((p) => !p.clinic.locations.some((l) => l.area === 'Al Barsha 1'));
    expect(notBarsha.length).toBeGreaterThan(0);
    expect(barsha.length + notBarsha.length).toBe(dubai.length);
    expect(names(await allPages(`area=${encodeURIComponent('AL REEM ISLAND')}&emirate=abu-dhabi`))).toEqual([...SECOND_DOCTORS, 'Dr. Omar Al Reem'].sort());
    expect(await allPages('area=Barsha')).toEqual([]);
  });

  it('finds physicians near a point, nearest first, within the radius', async () => {
    const near = await allPages(`near=${DHCC}`, 4);
    expect(near.length).toBeGreaterThan(3);
    const d = near.map((p) => p.distanceKm!);
    expect(d).toEqual([...d].sort((a, b) => a - b));
    expect(d[0]).toBe(0);
    expect(Math.max(...d)).toBeLessThanOrEqual(25);
    // Dubai Healthcare City ↔ Al Barsha is some 15–18 km as the crow flies.
    const barshaOnly = near.filter((p) => p.clinic.locations.every((l) => l.id === 'al-barsha'));
    expect(barshaOnly.length).toBeGreaterThan(0);
    for (const p of barshaOnly) {
      expect(p.distanceKm).toBeGreaterThan(12);
      expect(p.distanceKm).toBeLessThan(20);
    }
    expect(names(near)).not.toContain('Dr. Omar Al Reem');

    const wide = await allPages(`near=${DHCC}&radiusKm=200`);
    const omar = wide.find((p) => p.fullName === 'Dr. Omar Al Reem')!;
    expect(omar.distanceKm).toBeGreaterThan(115);
    expect(omar.distanceKm).toBeLessThan(130);
    // The farthest are the Al Reem Island ones, the heart centre's and the seeded practice's alike.
    expect(names(wide.filter((p) => p.distanceKm === omar.distanceKm))).toEqual([...SECOND_DOCTORS, 'Dr. Omar Al Reem'].sort());
    expect(wide.at(-1)!.distanceKm).toBe(omar.distanceKm);
    // A physician whose only location has no coordinates has no distance, so a search near a point leaves them out.
    expect(names(await allPages(`near=${DHCC}&radiusKm=500`))).not.toContain('Dr. Noura Majaz');

    // From Al Reem Island within 10 km: only the Abu Dhabi practices.
    const reem = await allPages('near=24.4989,54.4040&radiusKm=10');
    expect(names(reem)).toEqual([...SECOND_DOCTORS, 'Dr. Omar Al Reem'].sort());
    expect(reem.every((p) => p.distanceKm === 0)).toBe(true);

    // Another sort still carries the distances; filters combine with near.
    const byPrice = await allPages(`near=${DHCC}&sort=price`);
    expect(names(byPrice)).toEqual(names(near));
    expect(byPrice.every((p) => p.distanceKm !== null)).toBe(true);
    for (let i = 1; i < byPrice.length; i++) expect(byPrice[i - 1]!.price.amount).toBeLessThanOrEqual(byPrice[i]!.price.amount);
    const jumeirah = await allPages(`near=${DHCC}&area=Jumeirah%201`);
    expect(jumeirah.length).toBeGreaterThan(0);
    // Jumeirah is some 7 km from Dubai Healthcare City; the distance is to the location that matched.
    for (const p of jumeirah) {
      expect(p.distanceKm).toBeGreaterThan(5);
      expect(p.distanceKm).toBeLessThan(10);
    }
  });

  it('answers bad location input with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['near=somewhere', 'near'],
      ['near=25.2', 'near'],
      ['near=25.2,55.3,1', 'near'],
      ['near=91,55', 'near'],
      ['near=-90.5,55', 'near'],
      ['near=25,181', 'near'],
      ['near=25,-180.01', 'near'],
      [`near=${DHCC}&radiusKm=0`, 'radiusKm'],
      [`near=${DHCC}&radiusKm=-3`, 'radiusKm'],
      [`near=${DHCC}&radiusKm=501`, 'radiusKm'],
      [`near=${DHCC}&radiusKm=far`, 'radiusKm'],
      ['radiusKm=10', 'radiusKm'],
      ['sort=distance', 'sort'],
      ['emirate=mars', 'emirate'],
      ['emirate=Dubai', 'emirate'],
      ['clinic=Al%20Noor', 'clinic'],
      [`area=${'x'.repeat(81)}`, 'area'],
    ] as const) {
      const res = await s.rest('GET', `/physicians?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.data.appCode, query).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.data.fieldErrors), query).toEqual([field]);
    }
  });

  it('reads the database the same number of times for a page of 1 and of 50', async () => {
    const count = async (query: string) => {
      commands = [];
      const res = await s.rest('GET', `/physicians?${query}`);
      const seen = commands;
      commands = null;
      expect(res.status).toBe(200);
      return { seen, items: res.body.items.length as number };
    };
    const small = await count(`near=${DHCC}&radiusKm=500&limit=1`);
    const large = await count(`near=${DHCC}&radiusKm=500&limit=50`);
    expect(small.items).toBe(1);
    expect(large.items).toBeGreaterThan(10);
    expect(large.seen).toEqual(small.seen);
    expect(large.seen.length).toBeLessThanOrEqual(3);
    const byEmirate = await count('emirate=dubai&limit=50');
    expect(byEmirate.seen.length).toBeLessThanOrEqual(3);
    console.log(`round trips: near limit=1 ${small.seen.join('+')}; near limit=50 ${large.seen.join('+')}; emirate=dubai limit=50 ${byEmirate.seen.join('+')}`);
  });
});
