import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BSON, MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashPassword } from '@clinic/api';
import { MIGRATIONS_COLLECTION, SEED_SECOND_CLINIC_SLUG, connectDatabase, migrate, seedDatabase, slugify, type ObjectId } from '@clinic/db';
import { startTestServer } from './support/server.ts';

const { EJSON } = BSON;

// A copy of what the seed wrote before clinics were tenants (packages/db/test/fixtures): one clinic_info document,
// physicians with a free-text `branch`, and everything else as it was.
const FIXTURE = EJSON.parse(readFileSync(new URL('../../../packages/db/test/fixtures/seed-2026-11-30.json', import.meta.url), 'utf8')) as Record<string, Document[]>;
// The seed of that day had no payments: two made for its first appointments, in the shape of that day, so that the
// clinic-ids step has payments to stamp too.
FIXTURE.payments = FIXTURE.appointments!.slice(0, 2).map((a, i) => ({
  _id: new BSON.ObjectId(`65f00000000000000000000${i + 1}`),
  appointmentId: a._id,
  patientId: a.patientId,
  provider: 'stripe',
  intentId: `pi_legacy_${i + 1}`,
  clientSecret: `pi_legacy_${i + 1}_secret`,
  amount: a.price,
  fullPrice: a.price,
  coverage: null,
  status: 'succeeded',
  refund: null,
  history: [{ status: 'succeeded', at: a.createdAt, note: null }],
  createdAt: a.createdAt,
  updatedAt: a.createdAt,
}));
const MOVED_BY_MIGRATION = new Set(['physicians', 'clinics', MIGRATIONS_COLLECTION]);
/** Collections whose documents gain `clinicId` (staff users only) and nothing else. */
const STAMPED = ['appointments', 'medical_packages', 'payments', 'users'] as const;
const withoutClinicId = (docs: Document[]) => docs.map(({ clinicId: _, ...rest }) => rest);

const dbName = `migrate_${randomBytes(5).toString('hex')}`;
let client: MongoClient;

/** Every collection's documents, in `_id` order, as EJSON text: equal snapshots mean nothing changed. */
async function snapshot(): Promise<Record<string, string>> {
  const db = client.db(dbName);
  const out: Record<string, string> = {};
  for (const c of await db.listCollections().toArray()) {
    out[c.name] = EJSON.stringify(await db.collection(c.name).find({}).sort({ _id: 1 }).toArray(), { relaxed: false });
  }
  return out;
}

beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'), { maxPoolSize: 1 });
  const db = client.db(dbName);
  for (const [name, docs] of Object.entries(FIXTURE)) if (docs.length > 0) await db.collection(name).insertMany(docs);
});
afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
});

describe('the migration to clinics, on a copy of the seed of 2026-11-30', () => {
  it('makes clinic_info the first clinic and branches its locations; every other record stays exactly as it was', async () => {
    const database = await connectDatabase({ uri: inject('mongoUri'), dbName });
    try {
      const info = FIXTURE.clinic_info![0]!;
      const clinics = await database.cols.clinics.find({}).toArray();
      expect(clinics).toHaveLength(1);
      const clinic = clinics[0]!;
      expect(clinic._id).toEqual(info._id);
      expect(clinic).toMatchObject({ slug: 'al-noor-family-clinic', name: info.name, phone: info.phone, email: info.email, timeZone: info.timeZone, policies: info.policies, status: 'active', currency: 'AED' });
      const branches = [...new Set(FIXTURE.physicians!.map((p) => p.branch as string))];
      expect(clinic.locations.map((l) => l.id).sort()).toEqual(['al-barsha', 'dubai-healthcare-city', 'jumeirah']);
      expect(clinic.locations.map((l) => l.name).sort()).toEqual([...branches].sort());
      expect(clinic.locations.every((l) => l.emirate === 'dubai')).toBe(true);
      expect(clinic.specialties).toEqual([...new Set(FIXTURE.physicians!.map((p) => p.specialty as string))].sort());

      const physicians = await database.cols.physicians.find({}).sort({ _id: 1 }).toArray();
      expect(physicians).toHaveLength(FIXTURE.physicians!.length);
      for (const [i, p] of physicians.entries()) {
        const before = FIXTURE.physicians![i]!;
        expect(p._id).toEqual(before._id);
        expect(p.clinicId).toEqual(clinic._id);
        expect(p.locationIds).toEqual([slugify(before.branch as string)]);
        expect(p).not.toHaveProperty('branch');
        const kept = Object.fromEntries(Object.entries(before).filter(([k]) => k !== 'branch' && k !== 'updatedAt'));
        expect(p).toMatchObject(kept);
      }

      const after = await snapshot();
      for (const [name, docs] of Object.entries(FIXTURE)) {
        if (MOVED_BY_MIGRATION.has(name) || (STAMPED as readonly string[]).includes(name)) continue;
        expect(after[name], name).toBe(EJSON.stringify(docs, { relaxed: false }));
      }

      // Every appointment, package, payment and staff account now names the clinic; patients name none; nothing
      // else about them changed.
      const db = client.db(dbName);
      const stamped: Record<string, number> = {};
      for (const name of STAMPED) {
        const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
        expect(docs, name).toHaveLength(FIXTURE[name]!.length);
        expect(EJSON.stringify(withoutClinicId(docs), { relaxed: false }), name).toBe(EJSON.stringify(FIXTURE[name], { relaxed: false }));
        for (const d of docs) {
          if (name === 'users' && d.role === 'patient') expect(d, `patient ${d.email}`).not.toHaveProperty('clinicId');
          else expect(d.clinicId, `${name} ${d._id}`).toEqual(clinic._id);
        }
        stamped[name] = docs.filter((d) => d.clinicId).length;
      }
      const staff = FIXTURE.users!.filter((u) => u.role !== 'patient').length;
      expect(staff).toBeGreaterThan(0);
      expect(stamped).toEqual({ appointments: FIXTURE.appointments!.length, medical_packages: FIXTURE.medical_packages!.length, payments: 2, users: staff });
      expect(stamped).toEqual({ appointments: 200, medical_packages: 6, payments: 2, users: 7 });
      expect(await db.collection(MIGRATIONS_COLLECTION).find({}).sort({ _id: 1 }).map((m) => m._id).toArray()).toEqual(['2026-11-30-clinic-ids', '2026-11-30-clinics']);
    } finally {
      await database.close();
    }
  });

  it('is idempotent: starting again, or running the step again, changes nothing', async () => {
    const first = await snapshot();
    const again = await connectDatabase({ uri: inject('mongoUri'), dbName });
    await again.close();
    expect(await snapshot()).toEqual(first);
    // As if a start-up had been cut short after the step but before it was recorded.
    await client.db(dbName).collection(MIGRATIONS_COLLECTION).deleteMany({});
    expect(await migrate(client.db(dbName))).toEqual(['2026-11-30-clinics', '2026-11-30-clinic-ids']);
    const rerun = await snapshot();
    expect({ ...rerun, [MIGRATIONS_COLLECTION]: '' }).toEqual({ ...first, [MIGRATIONS_COLLECTION]: '' });
  });

  it('the server runs on the migrated data: the clinic, its physicians with their locations, their slots', async () => {
    const s = await startTestServer({ dbName });
    try {
      const clinic = await s.rest('GET', '/clinic');
      expect(clinic.status).toBe(200);
      expect(clinic.body).toMatchObject({ slug: 'al-noor-family-clinic', name: 'Al Noor Family Clinic' });
      const page = await s.rest('GET', '/physicians?specialty=cardiology');
      expect(page.status).toBe(200);
      const khalid = page.body.items.find((p: { fullName: string }) => p.fullName === 'Dr. Khalid Al Hashimi');
      expect(khalid.clinic).toMatchObject({ slug: 'al-noor-family-clinic', locations: [{ id: 'dubai-healthcare-city', name: 'Dubai Healthcare City', emirate: 'dubai' }] });
      const from = new Date(Date.now() + 86_400_000);
      const slots = await s.rest('GET', `/physicians/${khalid.id}/slots?from=${from.toISOString()}&to=${new Date(from.getTime() + 7 * 86_400_000).toISOString()}`);
      expect(slots.status).toBe(200);
      expect(slots.body.timeZone).toBe('Asia/Dubai');
      const stored = await s.database.cols.physicians.findOne({ _id: (FIXTURE.physicians![0]!._id as ObjectId) });
      expect(stored?.clinicId.toHexString()).toBe(clinic.body.id);
    } finally {
      await s.close();
    }
  });

  it("the seed on the migrated data adds the Abu Dhabi practice and leaves Al Noor's records alone; a second run adds nothing", async () => {
    // A fresh copy of the fixture (the server test above drops its database when it closes), migrated at connect.
    const seedDbName = `${dbName}_seed`;
    for (const [name, docs] of Object.entries(FIXTURE)) if (docs.length > 0) await client.db(seedDbName).collection(name).insertMany(docs);
    const database = await connectDatabase({ uri: inject('mongoUri'), dbName: seedDbName });
    const snapshot = async () => {
      const out: Record<string, string> = {};
      for (const c of await database.db.listCollections().toArray()) {
        out[c.name] = EJSON.stringify(await database.db.collection(c.name).find({}).sort({ _id: 1 }).toArray(), { relaxed: false });
      }
      return out;
    };
    try {
      const { cols } = database;
      const before = await snapshot();
      const alNoor = (await cols.clinics.findOne({ slug: 'al-noor-family-clinic' }))!;
      const report = await seedDatabase(database, { hashPassword, password: 'seed-password-1' });
      expect(report.created.clinics).toBe(1);
      expect(report.existing.clinics).toBe(1);
      const second = (await cols.clinics.findOne({ slug: SEED_SECOND_CLINIC_SLUG }))!;
      expect(second.locations.map((l) => `${l.id}/${l.emirate}`)).toEqual(['al-reem-island/abu-dhabi']);
      expect(await cols.clinics.countDocuments({})).toBe(2);
      // Al Noor's clinic, physicians, packages, appointments and accounts are exactly as the migration left them,
      // but for the Arabic name the seed gives a physician who has none (the seed before Arabic names had no field).
      const after = await snapshot();
      expect(after.clinics).toContain(EJSON.stringify(alNoor, { relaxed: false }).slice(1, -1));
      const alNoorPhysicians = await cols.physicians.find({ clinicId: alNoor._id }).toArray();
      for (const p of alNoorPhysicians) expect(p.fullNameAr, p.fullName).toMatch(/^[\u0600-\u06FF .]+$/);
      const withoutArabicName = ({ fullNameAr: _, ...d }: Document) => d;
      for (const name of ['users', 'physicians', 'medical_packages', 'appointments'] as const) {
        const kept = (EJSON.parse(before[name]!) as Document[]).map((d) => EJSON.stringify(d, { relaxed: false }));
        const now = new Set((EJSON.parse(after[name]!) as Document[]).map((d) => EJSON.stringify(name === 'physicians' ? withoutArabicName(d) : d, { relaxed: false })));
        for (const d of kept) expect(now.has(d), `${name} ${d.slice(0, 60)}`).toBe(true);
      }
      expect(await cols.appointments.countDocuments({ clinicId: alNoor._id })).toBe(FIXTURE.appointments!.length);
      expect(await cols.physicians.countDocuments({ clinicId: alNoor._id })).toBe(FIXTURE.physicians!.length);
      expect(await cols.medicalPackages.countDocuments({ clinicId: alNoor._id })).toBe(FIXTURE.medical_packages!.length);
      // The practice's own people, physicians, packages and bookings.
      expect((await cols.users.find({ clinicId: second._id }).toArray()).map((u) => u.role).sort()).toEqual(['admin', 'doctor', 'doctor', 'doctor', 'staff']);
      expect(await cols.physicians.countDocuments({ clinicId: second._id })).toBe(3);
      expect(await cols.medicalPackages.countDocuments({ clinicId: second._id })).toBeGreaterThanOrEqual(2);
      const booked = await cols.appointments.find({ clinicId: second._id }).toArray();
      expect(booked.length).toBeGreaterThan(20);
      const patientsAtBoth = await cols.appointments.distinct('patientId', { clinicId: alNoor._id, patientId: { $in: booked.map((a) => a.patientId) } });
      expect(patientsAtBoth.length).toBeGreaterThan(0);

      const again = await seedDatabase(database, { hashPassword, password: 'seed-password-1' });
      expect(again.created).toEqual({});
      expect(await snapshot()).toEqual(after);
    } finally {
      await database.db.dropDatabase();
      await database.close();
    }
  });
});
