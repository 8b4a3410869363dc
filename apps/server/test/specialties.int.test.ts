/**
 * Specialties are the platform's master data, edited by the operator only; each clinic's admin picks the ones the
 * clinic offers, and its physicians practise only those (a clinic offering nothing yet takes its first physician's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@clinic/api';
import { DEFAULT_CLINIC_POLICIES, ObjectId, userDoc, type ClinicDoc } from '@clinic/db';
import { EVERY_DAY_8_TO_20, createPhysician, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

const CARDIOLOGY = { slug: 'cardiology', name: 'Cardiology', nameAr: 'أمراض القلب', subSpecialties: [{ slug: 'interventional-cardiology', name: 'Interventional Cardiology' }] };

let s: TestServer;
/** The platform's first clinic (the test server's own): its admin, staff member and doctor, and a patient. */
const tokensA = {} as Record<'admin' | 'staff' | 'doctor' | 'patient', string>;
let operator: string;
let clinicB: ClinicDoc;
let adminB: string;
let physicianA: string;

const physicianInput = (fullName: string, specialty: string, locationIds: string[]) => ({
  fullName,
  title: 'Consultant',
  gender: 'male',
  specialty,
  languages: ['en'],
  yearsOfExperience: 15,
  price: { amount: 40000, currency: 'AED' },
  locationIds,
  schedule: EVERY_DAY_8_TO_20,
});
const offered = async (id: ObjectId) => (await s.database.cols.clinics.findOne({ _id: id }))?.specialties;
const clinicA = async () => (await s.services.clinic.current())._id;

beforeAll(async () => {
  s = await startTestServer();
  // Clinic A offers family medicine: its first physician's specialty.
  physicianA = (await createPhysician(s, { fullName: 'Dr. Amal Family' })).id;
  tokensA.admin = (await makeStaff(s, 'admin')).accessToken;
  tokensA.staff = (await makeStaff(s, 'staff')).accessToken;
  tokensA.doctor = (await makeStaff(s, 'doctor')).accessToken;
  tokensA.patient = (await makePatients(s, 1))[0]!.accessToken;
  clinicB = await insertSecondClinic(s);
  adminB = (await makeClinicStaff(s, clinicB._id, 'admin')).accessToken;
  // The operator, as the seed creates it: a verified account of no clinic.
  const email = uniqueEmail('operator');
  await s.database.cols.users.insertOne({ _id: new ObjectId(), ...userDoc({ email, fullName: 'Platform Operator', role: 'operator', phone: '+971501000098' }, await hashPassword('operator-pass-1'), s.clock.now()) });
  const login = await s.rest('POST', '/auth/login', { email, password: 'operator-pass-1' });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  operator = login.body.accessToken;
});
afterAll(() => s?.close());

describe('the master list is the operator’s', () => {
  it('the operator creates and replaces a specialty with its sub-specialties; everyone sees it', async () => {
    const created = await s.rest('PUT', '/operator/specialties/cardiology', CARDIOLOGY, operator);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toEqual(CARDIOLOGY);
    const renamed = await s.rest('PUT', '/operator/specialties/cardiology', { ...CARDIOLOGY, name: 'Cardiology & Vascular' }, operator);
    expect(renamed.status).toBe(200);
    const list = await s.rest('GET', '/specialties');
    expect(list.body.find((x: { slug: string }) => x.slug === 'cardiology')).toEqual({ ...CARDIOLOGY, name: 'Cardiology & Vascular' });
    await s.rest('PUT', '/operator/specialties/cardiology', CARDIOLOGY, operator);
  });

  it('a bad specialty is a 400 naming the field, and nothing is stored', async () => {
    const res = await s.rest('PUT', '/operator/specialties/neurology', { name: 'Neurology', nameAr: '', subSpecialties: [] }, operator);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data.fieldErrors)).toEqual(['nameAr']);
    expect((await s.rest('GET', '/specialties')).body.map((x: { slug: string }) => x.slug)).not.toContain('neurology');
  });

  it('clinic admins, staff, doctors and patients get 403 on the operator’s path; the old admin path is gone', async () => {
    for (const [role, token] of Object.entries(tokensA)) {
      const res = await s.rest('PUT', '/operator/specialties/cardiology', { ...CARDIOLOGY, name: `Changed by ${role}` }, token);
      expect(res.status, role).toBe(403);
    }
    expect((await s.rest('PUT', '/operator/specialties/cardiology', CARDIOLOGY)).status).toBe(401);
    expect((await s.rest('PUT', '/admin/specialties/cardiology', { ...CARDIOLOGY, name: 'Changed by an admin' }, tokensA.admin)).status).toBe(404);
    const list = await s.rest('GET', '/specialties');
    expect(list.body.find((x: { slug: string }) => x.slug === 'cardiology').name).toBe('Cardiology');
  });
});

describe('a clinic picks the specialties it offers', () => {
  it('the admin sets their own clinic’s list; another clinic’s stays as it was', async () => {
    const res = await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['family-medicine', 'cardiology'] }, tokensA.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.specialties).toEqual(['family-medicine', 'cardiology']);
    expect((await s.rest('GET', '/clinic')).body.specialties).toEqual(['family-medicine', 'cardiology']);
    expect(await offered(clinicB._id)).toEqual(['family-medicine']);
  });

  it('staff, doctors and patients cannot change it (403)', async () => {
    for (const role of ['staff', 'doctor', 'patient'] as const) {
      expect((await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['family-medicine'] }, tokensA[role])).status, role).toBe(403);
    }
    expect(await offered(await clinicA())).toEqual(['family-medicine', 'cardiology']);
  });

  it('an unknown or repeated slug is a 400 naming it; nothing changes', async () => {
    const unknown = await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['family-medicine', 'astrology', 'alchemy'] }, tokensA.admin);
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('astrology, alchemy');
    expect(unknown.body.data.fieldErrors.specialties[0]).toContain('astrology, alchemy');
    const twice = await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['cardiology', 'cardiology'] }, tokensA.admin);
    expect(twice.status).toBe(400);
    expect(Object.keys(twice.body.data.fieldErrors)).toEqual(['specialties']);
    const tooMany = await s.rest('PUT', '/admin/clinic/specialties', { specialties: Array.from({ length: 101 }, (_, i) => `s-${i}`) }, tokensA.admin);
    expect(tooMany.status).toBe(400);
    expect(await offered(await clinicA())).toEqual(['family-medicine', 'cardiology']);
  });

  it('a specialty the clinic’s active physicians practise cannot be removed (409 naming how many and which); nothing changes', async () => {
    const res = await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['cardiology'] }, tokensA.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.message).toContain('1 active physician practises Family Medicine');
    expect(await offered(await clinicA())).toEqual(['family-medicine', 'cardiology']);
    // B's physicians do not count for A: B's own practise family medicine too, A removes cardiology freely.
    await createPhysician(s, { clinic: clinicB, fullName: 'Dr. Basma Family' });
    const fine = await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['family-medicine'] }, tokensA.admin);
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);
    expect(await offered(clinicB._id)).toEqual(['family-medicine']);
  });

  it('a deactivated physician no longer holds the specialty', async () => {
    const off = await s.rest('PATCH', `/admin/physicians/${physicianA}`, { patch: { active: false } }, tokensA.admin);
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    const res = await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['cardiology'] }, tokensA.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Practising again needs the clinic to offer it again.
    const on = await s.rest('PATCH', `/admin/physicians/${physicianA}`, { patch: { active: true } }, tokensA.admin);
    expect(on.status).toBe(400);
    expect(on.body.message).toBe('Test Clinic does not offer Family Medicine; add it under PUT /admin/clinic/specialties first.');
    expect((await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['cardiology', 'family-medicine'] }, tokensA.admin)).status).toBe(200);
    expect((await s.rest('PATCH', `/admin/physicians/${physicianA}`, { patch: { active: true } }, tokensA.admin)).status).toBe(200);
  });
});

describe('physicians practise what their clinic offers', () => {
  it('a physician of a specialty the clinic does not offer is a 400 naming the clinic and the specialty; none is stored', async () => {
    const before = await s.database.cols.physicians.countDocuments({ clinicId: clinicB._id });
    const res = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Karim Heart', 'cardiology', ['al-majaz']), adminB);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toBe('Gulf Care Clinic does not offer Cardiology; add it under PUT /admin/clinic/specialties first.');
    expect(Object.keys(res.body.data.fieldErrors)).toEqual(['specialty']);
    expect(await s.database.cols.physicians.countDocuments({ clinicId: clinicB._id })).toBe(before);
    expect(await offered(clinicB._id)).toEqual(['family-medicine']);

    // Once B offers it, the same physician is added; moving an existing one to an unoffered specialty is refused too.
    expect((await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['family-medicine', 'cardiology'] }, adminB)).status).toBe(200);
    const added = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Karim Heart', 'cardiology', ['al-majaz']), adminB);
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect((await s.rest('PUT', '/admin/clinic/specialties', { specialties: ['family-medicine'] }, adminB)).status).toBe(409);
    await s.rest('PUT', '/operator/specialties/dermatology', { slug: 'dermatology', name: 'Dermatology', nameAr: 'الأمراض الجلدية', subSpecialties: [] }, operator);
    const moved = await s.rest('PATCH', `/admin/physicians/${added.body.id}`, { patch: { specialty: 'dermatology' } }, adminB);
    expect(moved.status).toBe(400);
    expect(moved.body.message).toBe('Gulf Care Clinic does not offer Dermatology; add it under PUT /admin/clinic/specialties first.');
    expect((await s.rest('GET', `/physicians/${added.body.id}`)).body.specialty).toBe('cardiology');
  });

  it('a clinic offering nothing yet (a new one) offers its first physician’s specialty; the next needs the list', async () => {
    const now = s.clock.now();
    const fresh: ClinicDoc = {
      _id: new ObjectId(),
      slug: 'cedar-grove-clinic',
      name: 'Cedar Grove Clinic',
      nameAr: 'Cedar Grove Clinic',
      legalName: 'Cedar Grove Clinic',
      vatTrn: null,
      phone: '',
      email: 'hello@cedar.test',
      timeZone: 'Asia/Dubai',
      currency: 'AED',
      vatRatePercent: 5,
      policies: { ...DEFAULT_CLINIC_POLICIES },
      locations: [{ id: 'main', name: 'Cedar Grove', nameAr: 'Cedar Grove', emirate: 'dubai', area: '', address: '', lat: null, lng: null, openingHours: [] }],
      specialties: [],
      status: 'active',
      createdAt: new Date(now.getTime() + 2000),
      updatedAt: now,
    };
    await s.database.cols.clinics.insertOne(fresh);
    const admin = (await makeClinicStaff(s, fresh._id, 'admin')).accessToken;
    const first = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Cedar Heart', 'cardiology', ['main']), admin);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(await offered(fresh._id)).toEqual(['cardiology']);
    const second = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Cedar Family', 'family-medicine', ['main']), admin);
    expect(second.status).toBe(400);
    expect(second.body.message).toBe('Cedar Grove Clinic does not offer Family Medicine; add it under PUT /admin/clinic/specialties first.');
    expect(await offered(fresh._id)).toEqual(['cardiology']);
  });
});

describe('GET /specialties?clinic=', () => {
  it('lists only what that clinic offers, with names and sub-specialties; without it, the master list', async () => {
    const ofB = await s.rest('GET', `/specialties?clinic=${clinicB.slug}`);
    expect(ofB.status, JSON.stringify(ofB.body)).toBe(200);
    expect(ofB.body).toEqual([CARDIOLOGY, { slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] }]);
    const all = await s.rest('GET', '/specialties');
    expect(all.body.map((x: { slug: string }) => x.slug)).toEqual(['cardiology', 'dermatology', 'family-medicine']);
  });

  it('an unknown or suspended clinic is a 404; a bad slug a 400', async () => {
    expect((await s.rest('GET', '/specialties?clinic=no-such-clinic')).status).toBe(404);
    await s.database.cols.clinics.updateOne({ _id: clinicB._id }, { $set: { status: 'suspended' } });
    try {
      expect((await s.rest('GET', `/specialties?clinic=${clinicB.slug}`)).status).toBe(404);
    } finally {
      await s.database.cols.clinics.updateOne({ _id: clinicB._id }, { $set: { status: 'active' } });
    }
    const bad = await s.rest('GET', '/specialties?clinic=Not%20A%20Slug');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors)).toEqual(['clinic']);
  });
});
