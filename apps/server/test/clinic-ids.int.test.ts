import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLINIC_POLICIES, ObjectId, type ClinicDoc } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

// Clinic-owned records and staff accounts name their clinic, and admins act on their own clinic. The test server's
// clinic is the platform's first; a second clinic and an admin in it are written straight into the database (signing
// up a clinic comes later).

let s: TestServer;
let first: ClinicDoc;
let second: ClinicDoc;
let firstAdmin: Awaited<ReturnType<typeof makeStaff>>;
let secondAdmin: { userId: string; email: string; accessToken: string };
const PASSWORD = 'staff-pass-123';
const day2 = dubaiDate(2);

/** The claims of an access token, as a client could read them. */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(dubaiDate(1), '09:05'));
  firstAdmin = await makeStaff(s, 'admin');
  first = await s.services.clinic.current();
  second = await insertSecondClinic(s);
  secondAdmin = await makeClinicStaff(s, second._id, 'admin', PASSWORD);
});
afterAll(async () => {
  await s?.close();
});

describe('staff accounts belong to a clinic', () => {
  it('a staff account created by an admin belongs to that admin’s clinic: users.me and its token say so', async () => {
    for (const [admin, clinic] of [
      [secondAdmin, second],
      [firstAdmin, first],
    ] as const) {
      const email = uniqueEmail('reception');
      const created = await s.rest('POST', '/admin/users', { email, password: PASSWORD, fullName: 'New Receptionist', role: 'staff' }, admin.accessToken);
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body.clinicId).toBe(clinic._id.toHexString());

      const login = await s.rest('POST', '/auth/login', { email, password: PASSWORD });
      expect(login.status).toBe(200);
      expect(login.body.user.clinicId).toBe(clinic._id.toHexString());
      expect(claimsOf(login.body.accessToken).cid).toBe(clinic._id.toHexString());
      const me = await s.rest('GET', '/users/me', undefined, login.body.accessToken);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email, role: 'staff', clinicId: clinic._id.toHexString() });

      // A refreshed token keeps the clinic.
      const refreshed = await s.rest('POST', '/auth/refresh', { refreshToken: login.body.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed.body.accessToken).cid).toBe(clinic._id.toHexString());
    }
  });

  it('patients are platform accounts: no clinic on users.me nor in their token', async () => {
    const [patient] = await makePatients(s, 1);
    expect(claimsOf(patient!.accessToken)).not.toHaveProperty('cid');
    const me = await s.rest('GET', '/users/me', undefined, patient!.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'patient', clinicId: null });
  });
});

describe('admins act on their own clinic', () => {
  it('an admin of the second clinic changing policies changes their clinic, not the first one', async () => {
    const before = await s.rest('GET', '/clinic');
    expect(before.body.id).toBe(first._id.toHexString());

    const res = await s.rest('PATCH', '/admin/clinic/policies', { cancellationCutoffHours: 6, paymentRequired: true }, secondAdmin.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: second._id.toHexString(), slug: 'gulf-care-sharjah', policies: { cancellationCutoffHours: 6, paymentRequired: true } });

    const after = await s.rest('GET', '/clinic');
    expect(after.body.id).toBe(first._id.toHexString());
    expect(after.body.policies).toEqual(before.body.policies);
    const stored = await s.database.cols.clinics.findOne({ _id: second._id });
    expect(stored?.policies).toEqual({ ...DEFAULT_CLINIC_POLICIES, cancellationCutoffHours: 6, paymentRequired: true });
  });

  it('a package an admin creates belongs to the admin’s clinic', async () => {
    const input = { name: 'Sharjah Wellness Check', description: 'Bloods and a consultation.', price: { amount: 45000, currency: 'AED' }, includedServices: ['Consultation', 'CBC'] };
    const res = await s.rest('POST', '/admin/packages', input, secondAdmin.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const stored = await s.database.cols.medicalPackages.findOne({ _id: new ObjectId(res.body.id as string) });
    expect(stored?.clinicId).toEqual(second._id);
  });

  it('a physician an admin creates works in the admin’s clinic, at its locations only', async () => {
    await s.services.specialties.upsert({ slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] });
    const input = {
      fullName: 'Dr. Mona Saeed',
      title: 'General Practitioner',
      gender: 'female',
      specialty: 'family-medicine',
      languages: ['en', 'ar'],
      yearsOfExperience: 7,
      price: { amount: 25000, currency: 'AED' },
      schedule: { weekly: [{ weekday: 0, intervals: [{ start: '09:00', end: '13:00' }] }], overrides: [], slotMinutes: 30, bufferMinutes: 0 },
    };
    // The first clinic's location is not one of the second's.
    const wrong = await s.rest('POST', '/admin/physicians', { ...input, locationIds: ['main'] }, secondAdmin.accessToken);
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.fieldErrors.locationIds.join(' ')).toMatch(/al-majaz/);
    const res = await s.rest('POST', '/admin/physicians', { ...input, locationIds: ['al-majaz'] }, secondAdmin.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.clinic).toMatchObject({ id: second._id.toHexString(), slug: 'gulf-care-sharjah', locations: [{ id: 'al-majaz', emirate: 'sharjah' }] });
  });
});

describe('bookings and payments name their clinic', () => {
  it('a booking stores its physician’s clinic, and its payment the appointment’s', async () => {
    // Each clinic's own policies decide its bookings: both take payment online, with holds of different lengths.
    expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true, holdMinutes: 15 }, firstAdmin.accessToken)).status).toBe(200);
    expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true, holdMinutes: 45 }, secondAdmin.accessToken)).status).toBe(200);
    const ours = await createPhysician(s);
    const theirs = await createPhysician(s, { clinic: second });
    const [p1, p2] = await makePatients(s, 2);

    const cases = [
      [ours.id, p1!, first, 15],
      [theirs.id, p2!, second, 45],
    ] as const;
    for (const [physicianId, patient, clinic, holdMinutes] of cases) {
      const booked = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, '10:00').toISOString(), reason: 'Consultation' }, patient.accessToken);
      expect(booked.status, JSON.stringify(booked.body)).toBe(200);
      expect(booked.body.status).toBe('pending_payment');
      const held = new Date(booked.body.holdExpiresAt as string).getTime() - s.clock.now().getTime();
      expect(Math.round(held / 60_000)).toBe(holdMinutes);
      const appt = await s.database.cols.appointments.findOne({ _id: new ObjectId(booked.body.id as string) });
      expect(appt?.clinicId).toEqual(clinic._id);

      const intent = await s.rest('POST', '/payments/intents', { appointmentId: booked.body.id }, patient.accessToken);
      expect(intent.status, JSON.stringify(intent.body)).toBe(200);
      const payment = await s.database.cols.payments.findOne({ appointmentId: new ObjectId(booked.body.id as string) });
      expect(payment?.clinicId).toEqual(clinic._id);
    }
  });

  it("a patient's cancellation follows the cutoff of the appointment's own clinic", async () => {
    expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: false, cancellationCutoffHours: 24 }, firstAdmin.accessToken)).status).toBe(200);
    expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: false, cancellationCutoffHours: 72 }, secondAdmin.accessToken)).status).toBe(200);
    const ours = await createPhysician(s);
    const theirs = await createPhysician(s, { clinic: second });
    const [patient] = await makePatients(s, 1);
    // Two days ahead: inside the second clinic's 72 hours, outside the first's 24.
    const book = async (physicianId: string, time: string) => {
      const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(dubaiDate(3), time).toISOString(), reason: 'Consultation' }, patient!.accessToken);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe('confirmed');
      return res.body.id as string;
    };
    const atFirst = await book(ours.id, '10:00');
    const atSecond = await book(theirs.id, '11:00');
    const refused = await s.rest('POST', `/appointments/${atSecond}/cancel`, { reason: 'Plans changed' }, patient!.accessToken);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/up to 72 hours before/);
    expect((await s.rest('POST', `/appointments/${atFirst}/cancel`, { reason: 'Plans changed' }, patient!.accessToken)).status).toBe(200);
  });
});
