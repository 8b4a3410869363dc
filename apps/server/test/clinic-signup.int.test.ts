import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@clinic/api';
import { ObjectId, userDoc } from '@clinic/db';
import { EVERY_DAY_8_TO_20, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

// A clinic signs itself up (the clinic, pending, and its first admin), opens when the admin verifies the email, and
// the platform's operator lists, suspends and reactivates clinics.

let s: TestServer;
let operator: { email: string; accessToken: string };
const PASSWORD = 'clinic-owner-pass-1';

/** The claims of an access token, as a client could read them. */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function signup(clinicName: string, email = uniqueEmail('owner')) {
  const res = await s.rest('POST', '/auth/signup-clinic', { clinicName, fullName: 'Layla Haddad', email, password: PASSWORD, phone: '+971501234567' });
  return { res, email };
}

/** Signs a clinic up and verifies its admin's email with the code from the inbox; the verify answer. */
async function signupVerified(clinicName: string) {
  const { res, email } = await signup(clinicName);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const code = await s.inbox.codeFor(email, /verification code/);
  const verified = await s.rest('POST', '/auth/verify', { email, code });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return { signup: res.body, email, ...(verified.body as { accessToken: string; refreshToken: string; user: { id: string; clinicId: string; role: string } }) };
}

const physicianInput = (fullName: string, locationIds: string[]) => ({
  fullName,
  title: 'General Practitioner',
  gender: 'female',
  specialty: 'family-medicine',
  languages: ['en', 'ar'],
  yearsOfExperience: 9,
  price: { amount: 30000, currency: 'AED' },
  locationIds,
  schedule: EVERY_DAY_8_TO_20,
});

const searchNames = async (slug?: string) => {
  const res = await s.rest('GET', `/physicians?limit=50${slug ? `&clinic=${slug}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as { fullName: string }[]).map((p) => p.fullName);
};

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(dubaiDate(1), '09:05'));
  // The platform's first clinic exists before any signup (the one a new database gets from its configuration).
  await s.services.clinic.current();
  await s.services.specialties.upsert({ slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] });
  // The operator, as the seed creates it: a verified account of no clinic.
  const email = uniqueEmail('operator');
  await s.database.cols.users.insertOne({
    _id: new ObjectId(),
    ...userDoc({ email, fullName: 'Platform Operator', role: 'operator', phone: '+971501000099' }, await hashPassword(PASSWORD), s.clock.now(), new ObjectId()),
  });
  const login = await s.rest('POST', '/auth/login', { email, password: PASSWORD });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  expect(login.body.user).toMatchObject({ role: 'operator', clinicId: null });
  operator = { email, accessToken: login.body.accessToken };
});
afterAll(() => s.close());

describe('a clinic signs up', () => {
  let owner: Awaited<ReturnType<typeof signupVerified>>;

  it('signup → the code by email → verify: tokens of the new clinic, the clinic active, users.me an admin of it', async () => {
    const { res, email } = await signup('Palm Family Clinic');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ email, clinicSlug: 'palm-family-clinic', clinicStatus: 'pending', verificationRequired: true });
    // Pending: not in the directory yet, and the admin cannot sign in before verifying.
    expect((await s.rest('GET', '/clinics/palm-family-clinic')).status).toBe(404);
    const early = await s.rest('POST', '/auth/login', { email, password: PASSWORD });
    expect(early.status).toBe(403);
    expect(early.body.data.appCode).toBe('EMAIL_NOT_VERIFIED');

    const code = await s.inbox.codeFor(email, /verification code/);
    const verified = await s.rest('POST', '/auth/verify', { email, code });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.user).toMatchObject({ email, role: 'admin', clinicId: res.body.clinicId, emailVerified: true });
    expect(claimsOf(verified.body.accessToken)).toMatchObject({ role: 'admin', cid: res.body.clinicId });

    const me = await s.rest('GET', '/users/me', undefined, verified.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'admin', clinicId: res.body.clinicId });

    const page = await s.rest('GET', '/clinics/palm-family-clinic');
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body).toMatchObject({ id: res.body.clinicId, name: 'Palm Family Clinic', timeZone: 'Asia/Dubai', physicianCount: 0 });
    expect(page.body.locations).toHaveLength(1);
    owner = { signup: res.body, email, ...verified.body };

    // Verifying again changes nothing (the code is spent), and the clinic stays active.
    expect((await s.rest('POST', '/auth/verify', { email, code })).status).toBe(422);
    expect((await s.rest('GET', '/clinics/palm-family-clinic')).status).toBe(200);
  });

  it('the new admin creates a physician at the clinic’s location: it shows on the clinic page and in the search', async () => {
    const locationId = ((await s.rest('GET', '/clinics/palm-family-clinic')).body.locations as { id: string }[])[0]!.id;
    const created = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Noor Palm', [locationId]), owner.accessToken);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.clinic).toMatchObject({ id: owner.signup.clinicId, slug: 'palm-family-clinic' });
    expect((await s.rest('GET', '/clinics/palm-family-clinic')).body.physicianCount).toBe(1);
    expect(await searchNames('palm-family-clinic')).toEqual(['Dr. Noor Palm']);
    expect(await searchNames()).toContain('Dr. Noor Palm');
    // A location of another clinic is refused, naming this clinic's.
    const wrong = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Elsewhere', ['nowhere']), owner.accessToken);
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.fieldErrors.locationIds.join(' ')).toContain(locationId);
  });

  it('a taken email → 409 EMAIL_TAKEN, and no clinic nor account is created', async () => {
    const clinicsBefore = await s.database.cols.clinics.countDocuments();
    const usersBefore = await s.database.cols.users.countDocuments();
    const { res } = await signup('Duplicate Owner Clinic', owner.email);
    expect(res.status).toBe(409);
    expect(res.body.data.appCode).toBe('EMAIL_TAKEN');
    expect(await s.database.cols.clinics.countDocuments()).toBe(clinicsBefore);
    expect(await s.database.cols.users.countDocuments()).toBe(usersBefore);
    expect(await s.database.cols.clinics.findOne({ name: 'Duplicate Owner Clinic' })).toBeNull();
    // The owner's clinic and account are as they were.
    expect((await s.rest('GET', '/users/me', undefined, owner.accessToken)).body.clinicId).toBe(owner.signup.clinicId);
  });

  it('clinics with the same name get distinct slugs, even signing up at once', async () => {
    const [a, b, c] = await Promise.all([signup('Oasis Dental Care'), signup('Oasis Dental Care'), signup('Oasis  Dental Care!')]);
    for (const x of [a, b, c]) expect(x.res.status, JSON.stringify(x.res.body)).toBe(200);
    const slugs = [a, b, c].map((x) => x.res.body.clinicSlug as string);
    expect(new Set(slugs).size).toBe(3);
    expect([...slugs].sort()).toEqual(['oasis-dental-care', 'oasis-dental-care-2', 'oasis-dental-care-3']);
    expect(new Set([a, b, c].map((x) => x.res.body.clinicId)).size).toBe(3);
  });

  it('bad input → 400 naming the fields, nothing created', async () => {
    const clinicsBefore = await s.database.cols.clinics.countDocuments();
    const res = await s.rest('POST', '/auth/signup-clinic', { clinicName: ' ', fullName: '', email: 'not-an-email', password: 'short', phone: '0501' });
    expect(res.status).toBe(400);
    expect(res.body.data.appCode).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.data.fieldErrors).sort()).toEqual(['clinicName', 'email', 'fullName', 'password', 'phone']);
    const extra = await s.rest('POST', '/auth/signup-clinic', { clinicName: 'Sneaky Clinic', fullName: 'X Y', email: uniqueEmail(), password: PASSWORD, role: 'operator' });
    expect(extra.status).toBe(400);
    expect(await s.database.cols.clinics.countDocuments()).toBe(clinicsBefore);
  });
});

describe('the platform operator steers clinics', () => {
  let owner: Awaited<ReturnType<typeof signupVerified>>;
  let staff: { email: string; accessToken: string };
  let patient: { accessToken: string };
  let appointmentId: string;
  let physicianId: string;
  const SLUG = 'cedar-medical-centre';

  beforeAll(async () => {
    owner = await signupVerified('Cedar Medical Centre');
    const staffEmail = uniqueEmail('cedar.staff');
    const created = await s.rest('POST', '/admin/users', { email: staffEmail, password: PASSWORD, fullName: 'Cedar Reception', role: 'staff' }, owner.accessToken);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const login = await s.rest('POST', '/auth/login', { email: staffEmail, password: PASSWORD });
    staff = { email: staffEmail, accessToken: login.body.accessToken };
    const physician = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Cedar Grove', ['main']), owner.accessToken);
    expect(physician.status, JSON.stringify(physician.body)).toBe(200);
    physicianId = physician.body.id;
    patient = (await makePatients(s, 1))[0]!;
    const booked = await s.rest('POST', '/appointments', { physicianId: physician.body.id, start: dubai(dubaiDate(3), '10:00').toISOString(), reason: 'Check-up' }, patient.accessToken);
    expect(booked.status, JSON.stringify(booked.body)).toBe(200);
    appointmentId = booked.body.id;
  });

  it('lists every clinic with its status and counts', async () => {
    const res = await s.rest('GET', '/operator/clinics', undefined, operator.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const cedar = res.body.items.find((c: { slug: string }) => c.slug === SLUG);
    expect(cedar).toMatchObject({ id: owner.signup.clinicId, status: 'active', staffCount: 2, physicianCount: 1, suspendedReason: null });
    expect(res.body.items.map((c: { status: string }) => c.status)).toContain('pending');
  });

  it('suspends: staff cannot sign in, old tokens stop, physicians leave the search, the page is 404; patients keep their bookings', async () => {
    const res = await s.rest('POST', `/operator/clinics/${owner.signup.clinicId}/suspend`, { reason: 'Trade licence expired' }, operator.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'suspended', suspendedReason: 'Trade licence expired' });

    const login = await s.rest('POST', '/auth/login', { email: staff.email, password: PASSWORD });
    expect(login.status).toBe(403);
    expect(login.body.data.appCode).toBe('CLINIC_SUSPENDED');
    expect(login.body.message).toMatch(/Cedar Medical Centre is suspended/);
    expect((await s.rest('POST', '/auth/login', { email: owner.email, password: PASSWORD })).status).toBe(403);

    for (const token of [staff.accessToken, owner.accessToken]) {
      const me = await s.rest('GET', '/users/me', undefined, token);
      expect(me.status).toBe(403);
      expect(me.body.data.appCode).toBe('CLINIC_SUSPENDED');
    }
    const refreshed = await s.rest('POST', '/auth/refresh', { refreshToken: owner.refreshToken });
    expect(refreshed.status).toBe(403);

    expect(await searchNames()).not.toContain('Dr. Cedar Grove');
    // Nor can the physician be reached directly, nor booked.
    expect((await s.rest('GET', `/physicians/${physicianId}`)).status).toBe(404);
    const from = dubai(dubaiDate(4), '00:00').toISOString();
    expect((await s.rest('GET', `/physicians/${physicianId}/slots?from=${encodeURIComponent(from)}&to=${encodeURIComponent(dubai(dubaiDate(5), '00:00').toISOString())}`)).status).toBe(404);
    const book = await s.rest('POST', '/appointments', { physicianId, start: dubai(dubaiDate(4), '11:00').toISOString(), reason: 'Check-up' }, patient.accessToken);
    expect(book.status).toBe(404);
    expect(await s.database.cols.appointments.countDocuments({ physicianId: new ObjectId(physicianId) })).toBe(1);
    expect((await s.rest('GET', `/clinics/${SLUG}`)).status).toBe(404);
    expect(((await s.rest('GET', '/clinics?limit=50')).body.items as { slug: string }[]).map((c) => c.slug)).not.toContain(SLUG);

    const mine = await s.rest('GET', `/appointments/${appointmentId}`, undefined, patient.accessToken);
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    const list = await s.rest('GET', '/appointments/mine', undefined, patient.accessToken);
    expect(list.status).toBe(200);
    expect((list.body.items as { id: string }[]).map((a) => a.id)).toContain(appointmentId);

    const listed = await s.rest('GET', '/operator/clinics', undefined, operator.accessToken);
    expect(listed.body.items.find((c: { slug: string }) => c.slug === SLUG)).toMatchObject({ status: 'suspended', suspendedReason: 'Trade licence expired' });
  });

  it('reactivates: sign-in, the old tokens, the search and the page come back', async () => {
    const res = await s.rest('POST', `/operator/clinics/${owner.signup.clinicId}/reactivate`, {}, operator.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', suspendedReason: null });
    expect((await s.rest('POST', '/auth/login', { email: staff.email, password: PASSWORD })).status).toBe(200);
    const me = await s.rest('GET', '/users/me', undefined, staff.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.clinicId).toBe(owner.signup.clinicId);
    expect(await searchNames()).toContain('Dr. Cedar Grove');
    expect((await s.rest('GET', `/physicians/${physicianId}`)).status).toBe(200);
    expect((await s.rest('GET', `/clinics/${SLUG}`)).status).toBe(200);
  });

  it('only operators: admins, staff, doctors and patients get 403; no token 401; unknown or bad ids 404/400', async () => {
    const doctor = await makeStaff(s, 'doctor');
    const id = owner.signup.clinicId;
    for (const token of [owner.accessToken, staff.accessToken, doctor.accessToken, patient.accessToken]) {
      expect((await s.rest('GET', '/operator/clinics', undefined, token)).status).toBe(403);
      expect((await s.rest('POST', `/operator/clinics/${id}/suspend`, { reason: 'Not allowed' }, token)).status).toBe(403);
      expect((await s.rest('POST', `/operator/clinics/${id}/reactivate`, {}, token)).status).toBe(403);
    }
    expect((await s.rest('GET', '/operator/clinics')).status).toBe(401);
    expect((await s.database.cols.clinics.findOne({ _id: new ObjectId(id) }))?.status).toBe('active');

    expect((await s.rest('POST', `/operator/clinics/${new ObjectId().toHexString()}/suspend`, { reason: 'No such clinic' }, operator.accessToken)).status).toBe(404);
    const bad = await s.rest('POST', '/operator/clinics/nope/suspend', { reason: '' }, operator.accessToken);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors).sort()).toEqual(['id', 'reason']);
  });

  it('a pending clinic suspended and reactivated is pending again: only its admin verifying opens it', async () => {
    const { res, email } = await signup('Dune Dental Studio');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const id = res.body.clinicId as string;
    const suspended = await s.rest('POST', `/operator/clinics/${id}/suspend`, { reason: 'Documents under review' }, operator.accessToken);
    expect(suspended.body).toMatchObject({ status: 'suspended' });
    const back = await s.rest('POST', `/operator/clinics/${id}/reactivate`, {}, operator.accessToken);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ status: 'pending', suspendedReason: null, suspendedAt: null });
    // Reactivating again has nothing to undo.
    expect((await s.rest('POST', `/operator/clinics/${id}/reactivate`, {}, operator.accessToken)).status).toBe(409);
    const code = await s.inbox.codeFor(email, /verification code/);
    expect((await s.rest('POST', '/auth/verify', { email, code })).status).toBe(200);
    expect((await s.database.cols.clinics.findOne({ _id: new ObjectId(id) }))?.status).toBe('active');
  });

  it("connects a clinic's own WhatsApp sender and Stripe account; a number has one clinic; only operators", async () => {
    const id = owner.signup.clinicId as string;
    const res = await s.rest('PATCH', `/operator/clinics/${id}/integrations`, { whatsappNumber: '+97145550177', stripeAccountId: 'acct_1CedarMedical' }, operator.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ whatsappNumber: '+97145550177', stripeAccountId: 'acct_1CedarMedical', status: 'active' });
    // Patients see the number on the clinic's page; the Stripe account is the operator's business only.
    const page = await s.rest('GET', `/clinics/${SLUG}`);
    expect(page.body.whatsappNumber).toBe('+97145550177');
    expect(JSON.stringify(page.body)).not.toContain('acct_');

    const other = (await signupVerified('Oasis Skin Clinic')).signup.clinicId as string;
    const taken = await s.rest('PATCH', `/operator/clinics/${other}/integrations`, { whatsappNumber: '+97145550177' }, operator.accessToken);
    expect(taken.status).toBe(409);
    expect(taken.body.message).toMatch(/already belongs to another clinic/);
    const bad = await s.rest('PATCH', `/operator/clinics/${other}/integrations`, { whatsappNumber: '04 555 0177', stripeAccountId: 'sk_live_oops' }, operator.accessToken);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors).sort()).toEqual(['stripeAccountId', 'whatsappNumber']);
    expect((await s.rest('PATCH', `/operator/clinics/${id}/integrations`, { whatsappNumber: null }, owner.accessToken)).status).toBe(403);
    expect(await s.database.cols.clinics.findOne({ _id: new ObjectId(other) })).not.toHaveProperty('whatsappNumber');

    // Absent leaves a field as it is; null disconnects.
    const off = await s.rest('PATCH', `/operator/clinics/${id}/integrations`, { whatsappNumber: null }, operator.accessToken);
    expect(off.body).toMatchObject({ whatsappNumber: null, stripeAccountId: 'acct_1CedarMedical' });
  });

  it('a clinic admin cannot create an operator', async () => {
    const res = await s.rest('POST', '/admin/users', { email: uniqueEmail('op'), password: PASSWORD, fullName: 'Would Be Operator', role: 'operator' }, owner.accessToken);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data.fieldErrors)).toEqual(['role']);
    expect(await s.database.cols.users.countDocuments({ role: 'operator' })).toBe(1);
  });
});
