/**
 * Cross-clinic matrix: clinic B has a physician, a medical package, a patient's appointments and a payment; clinic A's staff member,
 * doctor and admin walk every operation of the served OpenAPI document (read at run time, so a new operation joins
 * without editing this file) whose path has an id parameter, with B's ids of the kind the path's first segment
 * names, and every list operation. Nothing of B may come back, and B's documents must not change: B's id answers
 * exactly as an id that was never stored (404 where the role may call the operation at all).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@clinic/api';
import { ObjectId, userDoc, type ClinicDoc } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { intentObject, sendWebhook, stripeEvent } from './support/stripe-events.ts';
import { makePatients, makeStaff, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

type Kind = 'appointment' | 'payment' | 'package' | 'physician' | 'thread' | 'webhook' | 'outbox';
/** The kind of id an operation's path takes, by the path's first segment (`admin/<x>` for admin paths). */
const KIND_OF_SEGMENT: Record<string, Kind> = { appointments: 'appointment', payments: 'payment', 'admin/packages': 'package', 'admin/physicians': 'physician', chat: 'thread', 'admin/webhooks': 'webhook', 'admin/notifications': 'outbox' };
/** Operations with an id that are legitimately cross-clinic, or not scoped yet, with the reason. */
const NOT_CLINIC_SCOPED: Record<string, string> = {
  physicians: 'public catalogue: anyone sees any clinic’s physician and free slots (a patient books any clinic)',
  packages: 'public catalogue: medical packages are shown to every patient',
  clinics: 'public directory of active clinics, by slug',
  staff: "the staff inbox is keyed by phone number, not by a clinic's record: the shared WhatsApp number's hand-overs belong to the first clinic's staff (staff-conversations.int.test.ts shows another clinic's staff see none and release none)",
  operator: 'the platform operator steers every clinic; clinic roles get 403 (test/clinic-signup.int.test.ts)',
  notifications: "a user's own notification centre, whatever their clinic: another user's notification is a 404 (test/notifications.int.test.ts)",
  devices: "a user's own phones, not a clinic's: another user's device is a 404 (test/devices.int.test.ts)",
};
const NEVER_STORED_ID = 'f0f0f0f0f0f0f0f0f0f0f0f0';
const ROLES = ['staff', 'doctor', 'admin'] as const;
type Role = (typeof ROLES)[number];

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: { name: string; required: boolean }[];
  body: any;
}

let s: TestServer;
let doc: { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, any> } };
let clinicB: ClinicDoc;
const tokensA = {} as Record<Role, string>;
let physicianA: string;
let physicianB: string;
let adminB: string;
let patient: { userId: string; accessToken: string };
const idsB: Record<Kind, string[]> = { appointment: [], payment: [], package: [], physician: [], thread: [], webhook: [], outbox: [] };
let ownAppointmentA: string;
const day2 = dubaiDate(2);
const day3 = dubaiDate(3);

const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]) : schema?.allOf?.length === 1 ? resolve(schema.allOf[0]) : (schema ?? {}));

/** A plausible value for a schema (required fields only), as the fuzz suite builds its valid base. */
function sample(schema: any, name = ''): unknown {
  const sc = resolve(schema);
  if (sc.const !== undefined) return sc.const;
  if (sc.enum?.length) return sc.enum[0];
  if (sc.anyOf || sc.oneOf) return sample((sc.anyOf ?? sc.oneOf).find((o: any) => resolve(o).type !== 'null'), name);
  const type = Array.isArray(sc.type) ? sc.type.find((t: string) => t !== 'null') : (sc.type ?? (sc.properties ? 'object' : 'string'));
  if (type === 'object') return Object.fromEntries((sc.required ?? []).map((k: string) => [k, sample(sc.properties?.[k], k)]));
  if (type === 'array') return Array.from({ length: sc.minItems ?? 0 }, () => sample(sc.items, name));
  if (type === 'integer' || type === 'number') return Math.max(sc.minimum ?? 1, Math.min(sc.maximum ?? 1, 1));
  if (type === 'boolean') return false;
  if (sc.format === 'date-time') return dubai(day3, '10:00').toISOString();
  if (sc.format === 'date') return day2;
  return 'Cross-clinic probe'.slice(0, sc.maxLength ?? 40).padEnd(sc.minLength ?? 1, 'x');
}

/** Valid bodies where the schema's sample would be refused for another reason than the record's clinic. */
const VALID_BODIES: Record<string, () => unknown> = {
  // A free slot of B's physician: unscoped, the move would succeed.
  'POST /appointments/{id}/reschedule': () => ({ start: dubai(day3, '10:00').toISOString() }),
  'POST /appointments/{id}/cancel': () => ({ reason: 'Cross-clinic probe' }),
  // Changes that would succeed unscoped: a new name, a new biography.
  'PATCH /admin/packages/{id}': () => ({ name: 'Cross-clinic probe', active: false }),
  'PATCH /admin/physicians/{id}': () => ({ patch: { bio: 'Cross-clinic probe' } }),
  'PATCH /admin/webhooks/{id}': () => ({ enabled: false, description: 'Cross-clinic probe' }),
  // Changes to the caller's own clinic that succeed: a specialty of the master list added, a longer cutoff.
  'PUT /admin/clinic/specialties': () => ({ specialties: ['family-medicine', 'cardiology'] }),
  'PATCH /admin/clinic/policies': () => ({ cancellationCutoffHours: 48 }),
  // Marks up to a message: the thread decides before the message is looked for.
  'POST /chat/threads/{threadId}/read': () => ({ upTo: NEVER_STORED_ID }),
  'POST /chat/threads/{threadId}/delivered': () => ({ upTo: NEVER_STORED_ID }),
};

function operationsOf(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const body = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p: any) => p.in === 'path').map((p: any) => p.name),
        query: params.filter((p: any) => p.in === 'query').map((p: any) => ({ name: p.name, required: !!p.required })),
        body: body ? resolve(body) : null,
      });
    }
  }
  return ops;
}

/** The path's owner segment: `admin/<x>` for admin paths, else its first segment. */
const segmentOf = (path: string) => {
  const parts = path.split('/').filter(Boolean);
  return parts[0] === 'admin' ? `admin/${parts[1]}` : parts[0]!;
};

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${s.baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** B's clinic (its offered specialties, policies…), appointments, payments, packages and physicians as stored: any change shows. */
async function fingerprintB(): Promise<string> {
  const clinic = await s.database.cols.clinics.findOne({ _id: clinicB._id });
  const appts = await s.database.cols.appointments.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const pays = await s.database.cols.payments.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const packages = await s.database.cols.medicalPackages.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const physicians = await s.database.cols.physicians.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const chats = await s.database.cols.chatThreads.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const webhooks = await s.database.cols.webhookEndpoints.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const deliveries = await s.database.cols.webhookDeliveries.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  const outbox = await s.database.cols.notifications.find({ clinicId: clinicB._id }).sort({ _id: 1 }).toArray();
  return createHash('sha256').update(JSON.stringify([clinic, appts, pays, packages, physicians, chats, webhooks, deliveries, outbox])).digest('hex');
}

beforeAll(async () => {
  // Loopback webhook endpoints allowed, so that B's admin registers one over REST (nothing listens there).
  s = await startTestServer({ webhooks: { allowLoopback: true } });
  s.clock.set(dubai(dubaiDate(1), '09:05'));
  // Clinic A: the platform's first clinic, with its staff member, admin and a doctor linked to A's physician.
  tokensA.staff = (await makeStaff(s, 'staff')).accessToken;
  tokensA.admin = (await makeStaff(s, 'admin')).accessToken;
  const doctor = await makeStaff(s, 'doctor');
  tokensA.doctor = doctor.accessToken;
  physicianA = (await createPhysician(s, { userId: doctor.userId })).id;
  await s.services.specialties.upsert({ slug: 'cardiology', name: 'Cardiology', nameAr: 'أمراض القلب', subSpecialties: [] });

  // Clinic B, which takes payment online, its admin and its physician.
  clinicB = await insertSecondClinic(s, { paymentRequired: true, holdMinutes: 600 });
  adminB = (await makeClinicStaff(s, clinicB._id, 'admin')).accessToken;
  const created = await createPhysician(s, { clinic: clinicB, fullName: 'Dr. Mariam Sharjah' });
  physicianB = created.id;
  idsB.physician.push(physicianB);
  const pkg = await s.rest('POST', '/admin/packages', { name: 'Sharjah Wellness Check', description: 'Blood panel and consultation', price: { amount: 45000, currency: 'AED' }, includedServices: ['Blood panel'] }, adminB);
  expect(pkg.status, JSON.stringify(pkg.body)).toBe(200);
  idsB.package.push(pkg.body.id as string);
  const endpoint = await s.rest('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/gulf-care', events: ['appointment.booked'] }, adminB);
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
  idsB.webhook.push(endpoint.body.id as string);

  // A patient (a platform account) books at B three times: one paid, one waiting for payment, one confirmed at B's
  // desk; and once at A.
  patient = (await makePatients(s, 1))[0]!;
  const book = async (physicianId: string, time: string) => {
    const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(day2, time).toISOString(), reason: 'Check-up' }, patient.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.id as string;
  };
  const paid = await book(physicianB, '10:00');
  const intent = await s.rest('POST', '/payments/intents', { appointmentId: paid }, patient.accessToken);
  expect(intent.status, JSON.stringify(intent.body)).toBe(200);
  const hook = await sendWebhook(s, stripeEvent('payment_intent.succeeded', intentObject(intent.body.paymentIntentId, intent.body.amount, 'succeeded')));
  expect(hook.status).toBe(200);
  const waiting = await book(physicianB, '11:00');
  const desk = await book(physicianB, '12:00');
  expect((await s.rest('POST', `/appointments/${desk}/confirm`, {}, adminB)).status).toBe(200);
  idsB.appointment.push(paid, waiting, desk);
  idsB.payment.push(intent.body.paymentId as string);
  ownAppointmentA = await book(physicianA, '14:00');
  // The patient's chat thread with B's physician.
  const thread = await s.rest('POST', '/chat/threads', { physicianId: physicianB }, patient.accessToken);
  expect(thread.status, JSON.stringify(thread.body)).toBe(200);
  idsB.thread.push(thread.body.id as string);

  const stored = await s.database.cols.appointments.find({ clinicId: clinicB._id }).toArray();
  expect(stored.map((a) => a.status).sort()).toEqual(['confirmed', 'confirmed', 'pending_payment']);
  expect((await s.database.cols.payments.findOne({ _id: new ObjectId(idsB.payment[0]) }))?.status).toBe('succeeded');

  // The confirmations started in the background settle their bookkeeping before B's records are fingerprinted.
  await s.services.jobs.idle();
  // B's desk confirmation as the outbox leaves it after a day of failed retries (a given-up entry staff may retry).
  const given = `confirmation|${desk}|${dubai(day2, '12:00').toISOString()}`;
  const failedAt = s.clock.now();
  await s.database.cols.notifications.updateOne(
    { _id: given },
    { $set: { status: 'failed', nextAttemptAt: null, lastError: 'smtp 451', updatedAt: failedAt } },
  );
  expect((await s.database.cols.notifications.findOne({ _id: given }))?.clinicId?.equals(clinicB._id)).toBe(true);
  idsB.outbox.push(Buffer.from(given).toString('base64url'));
  doc = (await (await fetch(`${s.baseUrl}/api/v1/openapi.json`)).json()) as typeof doc;
}, 60_000);
afterAll(() => s?.close());

describe('another clinic’s records', () => {
  it('every operation with an id answers B’s ids as ids that were never stored, for A’s staff, doctor and admin; B’s records are unchanged', async () => {
    const before = await fingerprintB();
    const ops = operationsOf().filter((op) => op.pathParams.length > 0);
    const unclassified = ops.filter((op) => !KIND_OF_SEGMENT[segmentOf(op.path)] && !NOT_CLINIC_SCOPED[segmentOf(op.path)]);
    expect(unclassified.map((op) => `${op.method} ${op.path}`), 'an operation with an id whose kind this matrix cannot tell').toEqual([]);
    const scoped = ops.filter((op) => KIND_OF_SEGMENT[segmentOf(op.path)]);
    // The plain PDF route is in the document; it must be in the matrix.
    expect(scoped.map((op) => `${op.method} ${op.path}`)).toContain('GET /payments/{id}/receipt.pdf');
    expect(scoped.map((op) => `${op.method} ${op.path}`)).toEqual(expect.arrayContaining(['PATCH /admin/packages/{id}', 'PATCH /admin/physicians/{id}']));

    const problems: string[] = [];
    const outcomes = new Map<number, number>();
    let probes = 0;
    for (const op of scoped) {
      const kind = KIND_OF_SEGMENT[segmentOf(op.path)]!;
      const key = `${op.method} ${op.path}`;
      const body = op.method === 'GET' ? undefined : (VALID_BODIES[key]?.() ?? (op.body ? sample(op.body) : {}));
      const url = (id: string) => op.path.replace(/\{[^}]+\}/g, id);
      for (const role of ROLES) {
        const stranger = await call(op.method, url(NEVER_STORED_ID), tokensA[role], body);
        for (const id of idsB[kind]) {
          probes++;
          const res = await call(op.method, url(id), tokensA[role], body);
          outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
          const label = `${role} ${op.method} ${url(id)}`;
          if (res.status < 400) problems.push(`${label} → ${res.status}`);
          if (res.status !== stranger.status) problems.push(`${label} → ${res.status}, but ${stranger.status} for an id never stored`);
          for (const other of Object.values(idsB).flat()) if (res.text.includes(other)) problems.push(`${label} names B's ${other}`);
        }
      }
    }
    const after = await fingerprintB();
    const successful = [...outcomes].filter(([status]) => status < 300).reduce((n, [, count]) => n + count, 0);
    const summary = [...outcomes].sort(([a], [b]) => a - b).map(([status, n]) => `${n}×${status}`).join(', ');
    console.log(
      `cross-clinic: ${scoped.length} operations with an id × ${ROLES.length} roles (${probes} calls with B's ids): ${summary}; ${successful} successful, B's records ${after === before ? 'unchanged' : 'CHANGED'}` +
        ` (not clinic-scoped: ${ops.length - scoped.length} — ${Object.keys(NOT_CLINIC_SCOPED).join(', ')})`,
    );
    expect(problems).toEqual([]);
    expect(after).toBe(before);
    // Where the role may call the operation at all, B's id is a 404.
    expect(outcomes.get(404) ?? 0).toBeGreaterThan(0);
  });

  it('the list operations never show B’s appointments or payments to A’s staff, doctor and admin; B’s physician is a 404 for staff and admins', async () => {
    const before = await fingerprintB();
    const lists = operationsOf().filter((op) => op.method === 'GET' && op.pathParams.length === 0);
    const values: Record<string, string> = { date: day2, from: dubaiDate(1), to: day3 };
    const problems: string[] = [];
    let calls = 0;
    for (const op of lists) {
      const withPhysician = op.query.some((q) => q.name === 'physicianId');
      for (const role of ROLES) {
        for (const physicianId of withPhysician ? [undefined, physicianA, physicianB] : [undefined]) {
          const q = new URLSearchParams();
          for (const p of op.query) if (p.required && values[p.name]) q.set(p.name, values[p.name]!);
          if (op.query.some((p) => p.name === 'from') && !q.has('from')) q.set('from', values.from!);
          if (op.query.some((p) => p.name === 'to') && !q.has('to')) q.set('to', values.to!);
          if (physicianId) q.set('physicianId', physicianId);
          const url = `${op.path}${q.size ? `?${q}` : ''}`;
          const res = await call('GET', url, tokensA[role]);
          calls++;
          for (const other of [...idsB.appointment, ...idsB.payment, ...idsB.webhook, ...idsB.outbox]) if (res.text.includes(other)) problems.push(`${role} GET ${url} names B's ${other}`);
          if (physicianId === physicianB) {
            const expected = role === 'doctor' ? 403 : 404;
            if (res.status !== expected) problems.push(`${role} GET ${url} → ${res.status}, expected ${expected} for B's physician`);
          }
        }
      }
    }
    console.log(`cross-clinic lists: ${lists.length} list operations × ${ROLES.length} roles (${calls} calls): no B appointment or payment in any answer`);
    expect(problems).toEqual([]);
    expect(await fingerprintB()).toBe(before);

    // The lists do show A's own: the staff calendar has the appointment booked at A.
    const calendar = await s.rest('GET', `/appointments/calendar?from=${day2}&to=${day2}`, undefined, tokensA.staff);
    expect(calendar.status).toBe(200);
    expect(calendar.body.days.flatMap((d: any) => d.appointments.map((a: any) => a.id))).toEqual([ownAppointmentA]);
  });

  it('the operations on the caller’s own clinic (its specialties, its policies) change A’s, never B’s', async () => {
    const before = await fingerprintB();
    const own = operationsOf().filter((op) => op.method !== 'GET' && op.path.startsWith('/admin/clinic/'));
    expect(own.map((op) => `${op.method} ${op.path}`)).toEqual(expect.arrayContaining(['PUT /admin/clinic/specialties', 'PATCH /admin/clinic/policies']));
    const problems: string[] = [];
    for (const op of own) {
      const key = `${op.method} ${op.path}`;
      const body = VALID_BODIES[key]?.() ?? (op.body ? sample(op.body) : {});
      for (const role of ROLES) {
        const res = await call(op.method, op.path, tokensA[role], body);
        const expected = role === 'admin' ? 200 : 403;
        if (res.status !== expected) problems.push(`${role} ${key} → ${res.status} (${res.text}), expected ${expected}`);
      }
    }
    expect(problems).toEqual([]);
    // A's admin changed A's clinic; B's is as it was.
    expect((await s.rest('GET', '/clinic')).body.specialties).toEqual(['family-medicine', 'cardiology']);
    expect((await s.database.cols.clinics.findOne({ _id: clinicB._id }))?.specialties).toEqual(['family-medicine']);
    expect(await fingerprintB()).toBe(before);
  });

  it('a staff token signed before the clinic claim acts in the platform’s first clinic, not in every clinic', async () => {
    const email = uniqueEmail('legacy-staff');
    await s.database.cols.users.insertOne({ _id: new ObjectId(), ...userDoc({ email, fullName: 'Old Reception', phone: '+971501888888', role: 'staff' }, await hashPassword('staff-pass-123'), s.clock.now()) });
    const login = await s.rest('POST', '/auth/login', { email, password: 'staff-pass-123' });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    const token = login.body.accessToken as string;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).not.toHaveProperty('cid');
    expect((await s.rest('GET', `/appointments/${ownAppointmentA}`, undefined, token)).status).toBe(200);
    for (const id of idsB.appointment) expect((await s.rest('GET', `/appointments/${id}`, undefined, token)).status).toBe(404);
    expect((await s.rest('GET', `/payments/${idsB.payment[0]}`, undefined, token)).status).toBe(404);
    const calendar = await s.rest('GET', `/appointments/calendar?from=${day2}&to=${day2}`, undefined, token);
    expect(calendar.body.days.flatMap((d: any) => d.appointments.map((a: any) => a.id))).toEqual([ownAppointmentA]);
  });

  it('each clinic’s staff still reach their own records, and the patient reaches their bookings at both clinics', async () => {
    expect((await s.rest('GET', `/appointments/${ownAppointmentA}`, undefined, tokensA.staff)).status).toBe(200);
    for (const id of idsB.appointment) {
      expect((await s.rest('GET', `/appointments/${id}`, undefined, adminB)).status).toBe(200);
      expect((await s.rest('GET', `/appointments/${id}`, undefined, patient.accessToken)).status).toBe(200);
    }
    expect((await s.rest('GET', `/payments/${idsB.payment[0]}/receipt`, undefined, adminB)).status).toBe(200);
    expect((await s.rest('GET', `/payments/${idsB.payment[0]}/receipt`, undefined, patient.accessToken)).status).toBe(200);
    const mine = await s.rest('GET', '/appointments/mine?scope=upcoming', undefined, patient.accessToken);
    expect(mine.body.items.map((a: any) => a.id).sort()).toEqual([...idsB.appointment, ownAppointmentA].sort());
    const agendaB = await s.rest('GET', `/appointments/agenda?physicianId=${physicianB}&date=${day2}`, undefined, adminB);
    expect(agendaB.status).toBe(200);
    expect(agendaB.body.items.map((a: any) => a.id).sort()).toEqual([...idsB.appointment].sort());
  });

  it('packages and physicians: the public catalogue shows B’s, A’s admin cannot change them, B’s admin can; a package is booked only at its own clinic', async () => {
    const [packageB] = idsB.package;
    // The public catalogue is cross-clinic, and a list may ask for one clinic's packages.
    expect((await s.rest('GET', `/packages/${packageB}`)).status).toBe(200);
    expect((await s.rest('GET', `/physicians/${physicianB}`)).status).toBe(200);
    const all = await s.rest('GET', '/packages');
    expect(all.body.map((p: any) => p.id)).toContain(packageB);
    const ofB = await s.rest('GET', `/packages?clinic=${clinicB.slug}`);
    expect(ofB.status).toBe(200);
    expect(ofB.body.map((p: any) => p.id)).toEqual([packageB]);
    const ofNone = await s.rest('GET', '/packages?clinic=no-such-clinic');
    expect(ofNone.body).toEqual([]);

    // A's admin: another clinic's package or physician is not found (createCaller and REST alike); B's admin changes them.
    expect((await s.rest('PATCH', `/admin/packages/${packageB}`, { active: false }, tokensA.admin)).status).toBe(404);
    expect((await s.rest('PATCH', `/admin/physicians/${physicianB}`, { patch: { yearsOfExperience: 1 } }, tokensA.admin)).status).toBe(404);
    const renamed = await s.rest('PATCH', `/admin/packages/${packageB}`, { name: 'Sharjah Wellness Check Plus' }, adminB);
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.name).toBe('Sharjah Wellness Check Plus');
    const moved = await s.rest('PATCH', `/admin/physicians/${physicianB}`, { patch: { yearsOfExperience: 13 } }, adminB);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.yearsOfExperience).toBe(13);

    // A patient books A's physician with B's package: refused, naming the package; nothing is stored.
    const before = await s.database.cols.appointments.countDocuments();
    const wrong = await s.rest('POST', '/appointments', { physicianId: physicianA, start: dubai(day3, '15:00').toISOString(), reason: 'Check-up', packageId: packageB }, patient.accessToken);
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(400);
    expect(Object.keys(wrong.body.data.fieldErrors)).toEqual(['packageId']);
    expect(await s.database.cols.appointments.countDocuments()).toBe(before);
    // At B's physician the same package books, at the package's price.
    const right = await s.rest('POST', '/appointments', { physicianId: physicianB, start: dubai(day3, '15:00').toISOString(), reason: 'Check-up', packageId: packageB }, patient.accessToken);
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    expect(right.body.price).toEqual({ amount: 45000, currency: 'AED' });
  });
});
