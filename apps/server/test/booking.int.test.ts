import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId } from '@clinic/db';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let physicianId: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
// The server believes it is 09:05 in Dubai on "day 1"; bookings target day 2 and later.
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(day1, '09:05'));
  physicianId = (await createPhysician(s)).id;
  patients = await makePatients(s, 50);
});
afterAll(() => s.close());

const book = (token: string, start: string, pid = physicianId) =>
  s.rest('POST', '/appointments', { physicianId: pid, start, reason: 'Check-up' }, token);

const countAt = (start: Date) => s.database.cols.appointments.countDocuments({ physicianId: new ObjectId(physicianId), startsAt: start, status: { $nin: ['cancelled', 'expired'] } });

describe('no double booking, by construction', () => {
  it('50 concurrent bookings of one slot → exactly 1 success, 49 × 409, one appointment stored', async () => {
    const start = dubai(day2, '10:00');
    const results = await Promise.all(patients.map((p) => book(p.accessToken, start.toISOString())));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(49);
    expect(results.find((r) => r.status === 409)!.body.data.appCode).toBe('SLOT_TAKEN');
    expect(await countAt(start)).toBe(1);
    // The slot list no longer offers it.
    const slots = await s.rest('GET', `/physicians/${physicianId}/slots?from=${encodeURIComponent(dubai(day2, '00:00').toISOString())}&to=${encodeURIComponent(dubai(day2, '23:59').toISOString())}`);
    expect(slots.status).toBe(200);
    expect(slots.body.slots.map((x: { start: string }) => x.start)).not.toContain(`${day2}T10:00:00+04:00`);
    expect(slots.body.slots[0].start).toBe(`${day2}T08:00:00+04:00`);
  });

  it('the same race split across two server instances on one database → exactly 1 success', async () => {
    // A second process of the same deployment: same database, same secret, its own HTTP server.
    const second = await buildApp({
      deps: s.deps,
      database: s.database,
      logger: createLogger('silent'),
      corsOrigins: [],
      bodyLimit: 100_000,
      publicBaseUrl: 'http://127.0.0.1',
    });
    await second.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base2 = `http://127.0.0.1:${(second.app.server.address() as { port: number }).port}/api/v1`;
      const start = dubai(day2, '11:00').toISOString();
      const results = await Promise.all(
        patients.map((p, i) =>
          i % 2
            ? book(p.accessToken, start).then((r) => r.status)
            : fetch(`${base2}/appointments`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${p.accessToken}` },
                body: JSON.stringify({ physicianId, start, reason: 'Check-up' }),
              }).then((r) => r.status),
        ),
      );
      expect(results.filter((x) => x === 200)).toHaveLength(1);
      expect(results.filter((x) => x === 409)).toHaveLength(49);
      expect(await countAt(new Date(start))).toBe(1);
    } finally {
      await second.app.close();
    }
  });

  it('50 concurrent reschedules into one free slot → 1 moves, 49 stay exactly where they were', async () => {
    // Each patient first books a slot of their own on days 3–5, taken from the slot list.
    const free = await s.rest('GET', `/physicians/${physicianId}/slots?from=${encodeURIComponent(dubai(dubaiDate(3), '00:00').toISOString())}&to=${encodeURIComponent(dubai(dubaiDate(6), '00:00').toISOString())}`);
    const own = [];
    for (const [i, p] of patients.entries()) {
      const res = await book(p.accessToken, free.body.slots[i].start);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      own.push({ p, id: res.body.id as string, start: res.body.start as string });
    }
    const target = dubai(day2, '15:00').toISOString();
    const results = await Promise.all(own.map((o) => s.rest('POST', `/appointments/${o.id}/reschedule`, { start: target }, o.p.accessToken)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    for (const [i, o] of own.entries()) {
      if (results[i]!.status === 200) continue;
      const again = await s.rest('GET', `/appointments/${o.id}`, undefined, o.p.accessToken);
      expect(again.body.start).toBe(o.start);
      expect(again.body.status).toBe('confirmed');
    }
    expect(await countAt(new Date(target))).toBe(1);
  });
});

describe('reschedule and cancel', () => {
  it('reschedule into a taken slot leaves the original unchanged; into a free one keeps the id', async () => {
    const [a, b] = patients;
    const mine = await book(a!.accessToken, dubai(day2, '16:00').toISOString());
    const theirs = await book(b!.accessToken, dubai(day2, '16:30').toISOString());
    expect(mine.status).toBe(200);
    expect(theirs.status).toBe(200);
    // The booking confirmations go out in the background and mark the appointments when sent: let them settle, so
    // that what is compared below is what the refused reschedule could have changed.
    await s.services.jobs.idle();
    const before = await s.database.cols.appointments.findOne({ _id: new ObjectId(mine.body.id) });
    const clash = await s.rest('POST', `/appointments/${mine.body.id}/reschedule`, { start: dubai(day2, '16:30').toISOString() }, a!.accessToken);
    expect(clash.status).toBe(409);
    expect(await s.database.cols.appointments.findOne({ _id: new ObjectId(mine.body.id) })).toEqual(before);

    const moved = await s.rest('POST', `/appointments/${mine.body.id}/reschedule`, { start: dubai(day2, '17:00').toISOString() }, a!.accessToken);
    expect(moved.status).toBe(200);
    expect(moved.body.id).toBe(mine.body.id);
    expect(moved.body.start).toBe(`${day2}T17:00:00+04:00`);
    // The old time is free again.
    expect((await book(b!.accessToken, dubai(day2, '16:00').toISOString())).status).toBe(200);
  });

  it('cancel frees the slot and it can be booked again; the cancellation records who and why', async () => {
    const [, , c, d] = patients;
    const start = dubai(day2, '18:00').toISOString();
    const first = await book(c!.accessToken, start);
    const cancelled = await s.rest('POST', `/appointments/${first.body.id}/cancel`, { reason: 'Travelling' }, c!.accessToken);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.cancellation).toMatchObject({ by: 'patient', reason: 'Travelling' });
    expect((await book(d!.accessToken, start)).status).toBe(200);
    // Cancelling twice is refused, not repeated.
    expect((await s.rest('POST', `/appointments/${first.body.id}/cancel`, { reason: 'again' }, c!.accessToken)).status).toBe(409);
  });

  it('patients cannot cancel inside the 24 h cutoff (the clinic can)', async () => {
    const [, , , , e] = patients;
    const soon = await book(e!.accessToken, dubai(day1, '19:00').toISOString());
    expect(soon.status).toBe(200);
    const res = await s.rest('POST', `/appointments/${soon.body.id}/cancel`, { reason: 'x' }, e!.accessToken);
    expect(res.status).toBe(422);
    expect(res.body.data.appCode).toBe('CANCELLATION_CLOSED');
  });

  it('a patient cannot hold two appointments at the same time', async () => {
    const other = (await createPhysician(s)).id;
    const [, , , , , f] = patients;
    expect((await book(f!.accessToken, dubai(day2, '19:00').toISOString())).status).toBe(200);
    const twice = await book(f!.accessToken, dubai(day2, '19:00').toISOString(), other);
    expect(twice.status).toBe(409);
    expect(twice.body.data.appCode).toBe('OVERLAPPING_APPOINTMENT');
  });

  it('one patient booking the same time with 8 physicians at once → 1 booking, 7 × OVERLAPPING_APPOINTMENT (not SLOT_TAKEN: those slots are free)', async () => {
    const doctors = await Promise.all(Array.from({ length: 8 }, () => createPhysician(s)));
    const patient = patients[30]!;
    const start = dubai(dubaiDate(7), '10:00').toISOString();
    const results = await Promise.all(doctors.map((d) => book(patient.accessToken, start, d.id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.map((r) => [r.status, r.body.data.appCode])).toEqual(Array.from({ length: 7 }, () => [409, 'OVERLAPPING_APPOINTMENT']));
    const winner = results.find((r) => r.status === 200)!.body.physicianId as string;
    for (const d of doctors.filter((d) => d.id !== winner)) {
      const slots = await s.rest('GET', `/physicians/${d.id}/slots?from=${encodeURIComponent(start)}&to=${encodeURIComponent(new Date(Date.parse(start) + 3_600_000).toISOString())}`);
      expect(slots.body.slots.map((x: { start: string }) => Date.parse(x.start))).toContain(Date.parse(start));
    }
  });
});

describe('booking re-checks every slot rule → 422 naming the reason, nothing stored', () => {
  const cases: [string, () => Date, RegExp][] = [
    ['in the past', () => dubai(day1, '08:30'), /past/i],
    ['inside the minimum notice', () => dubai(day1, '10:00'), /notice|advance/i],
    ['outside working hours', () => dubai(day2, '21:00'), /hours/i],
    ['in the lunch break', () => dubai(day2, '13:30'), /hours/i],
    ['not on the slot grid', () => dubai(day2, '12:10'), /grid|:00|:30|start/i],
    ['beyond the booking horizon', () => dubai(dubaiDate(65), '10:00'), /horizon|days ahead|advance|far/i],
  ];
  for (const [label, at, pattern] of cases) {
    it(label, async () => {
      const before = await s.database.cols.appointments.countDocuments();
      const res = await book(patients[10]!.accessToken, at().toISOString());
      expect(res.status).toBe(422);
      expect(res.body.data.appCode).toBe('SLOT_UNAVAILABLE');
      expect(res.body.message).toMatch(pattern);
      expect(await s.database.cols.appointments.countDocuments()).toBe(before);
    });
  }

  it('on a day off (an override) — and the slot list shows nothing that day', async () => {
    const off = dubaiDate(5);
    const p = await createPhysician(s);
    await s.services.physicians.update({ userId: new ObjectId().toHexString(), role: 'admin', sessionId: null, clinicId: null }, { id: p.id, patch: { schedule: { ...p.schedule, overrides: [{ date: off, intervals: [] }] } } });
    const res = await book(patients[11]!.accessToken, dubai(off, '10:00').toISOString(), p.id);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/day off|does not work/i);
    const slots = await s.rest('GET', `/physicians/${p.id}/slots?from=${encodeURIComponent(dubai(off, '00:00').toISOString())}&to=${encodeURIComponent(dubai(off, '23:59').toISOString())}`);
    expect(slots.body.slots).toEqual([]);
  });

  it('slot ranges over 31 days or reversed → 400', async () => {
    const from = dubai(day2, '00:00');
    const far = new Date(from.getTime() + 32 * 86_400_000);
    expect((await s.rest('GET', `/physicians/${physicianId}/slots?from=${from.toISOString()}&to=${far.toISOString()}`)).status).toBe(400);
    expect((await s.rest('GET', `/physicians/${physicianId}/slots?from=${from.toISOString()}&to=${from.toISOString()}`)).status).toBe(400);
    expect((await s.rest('GET', `/physicians/${physicianId}/slots?from=yesterday&to=${from.toISOString()}`)).status).toBe(400);
  });
});

describe('ownership', () => {
  it("patient B cannot see, cancel or reschedule patient A's appointment (REST and tRPC)", async () => {
    const [, , , , , , , a, b] = patients;
    const mine = await book(a!.accessToken, dubai(day2, '12:00').toISOString());
    expect(mine.status).toBe(200);
    expect((await s.rest('GET', `/appointments/${mine.body.id}`, undefined, b!.accessToken)).status).toBe(404);
    expect((await s.rest('POST', `/appointments/${mine.body.id}/cancel`, { reason: 'x' }, b!.accessToken)).status).toBe(404);
    expect((await s.rest('POST', `/appointments/${mine.body.id}/reschedule`, { start: dubai(day2, '12:30').toISOString() }, b!.accessToken)).status).toBe(404);
    const trpc = await fetch(`${s.baseUrl}/trpc/appointments.get?input=${encodeURIComponent(JSON.stringify({ json: { id: mine.body.id } }))}`, {
      headers: { authorization: `Bearer ${b!.accessToken}` },
    });
    expect(trpc.status).toBe(404);
    const stored = await s.database.cols.appointments.findOne({ _id: new ObjectId(mine.body.id) });
    expect(stored!.status).toBe('confirmed');
    // B's own list does not include it; A's does.
    const bList = await s.rest('GET', '/appointments/mine?scope=upcoming', undefined, b!.accessToken);
    expect(bList.body.items.map((x: { id: string }) => x.id)).not.toContain(mine.body.id);
    const aList = await s.rest('GET', '/appointments/mine?scope=upcoming', undefined, a!.accessToken);
    expect(aList.body.items.map((x: { id: string }) => x.id)).toContain(mine.body.id);
  });

  it('a doctor sees only their own agenda', async () => {
    const admin = await s.services.users.createStaffUser({ email: `doc.${Date.now()}@clinic.test`, password: 'doctor-pass-1', fullName: 'Dr. Own', role: 'doctor' });
    const own = await createPhysician(s, { userId: admin.id });
    const token = (await s.rest('POST', '/auth/login', { email: admin.email, password: 'doctor-pass-1' })).body.accessToken;
    await book(patients[20]!.accessToken, dubai(day2, '09:00').toISOString(), own.id);
    const agenda = await s.rest('GET', `/appointments/agenda?date=${day2}`, undefined, token);
    expect(agenda.status).toBe(200);
    expect(agenda.body.items).toHaveLength(1);
    expect(agenda.body.items[0].physicianId).toBe(own.id);
    const other = await s.rest('GET', `/appointments/agenda?date=${day2}&physicianId=${physicianId}`, undefined, token);
    expect(other.status).toBe(403);
    const asPatient = await s.rest('GET', `/appointments/agenda?date=${day2}&physicianId=${physicianId}`, undefined, patients[0]!.accessToken);
    expect(asPatient.status).toBe(403);
  });
});

describe("a patient's own lists", () => {
  it('upcoming soonest first; once over, an appointment moves to past (latest first); cancelled ones are listed apart', async () => {
    const [patient] = await makePatients(s, 1);
    const doctor = (await createPhysician(s)).id;
    const day = dubaiDate(8);
    const at = (hhmm: string) => book(patient!.accessToken, dubai(day, hhmm).toISOString(), doctor).then((r) => r.body.id as string);
    const eleven = await at('11:00');
    const ten = await at('10:00');
    const nine = await at('09:00');
    const noon = await at('12:00');
    expect((await s.rest('POST', `/appointments/${noon}/cancel`, { reason: 'No longer needed' }, patient!.accessToken)).status).toBe(200);
    let token = patient!.accessToken;
    const list = async (scope: string) => ((await s.rest('GET', `/appointments/mine?scope=${scope}`, undefined, token)).body.items as { id: string }[]).map((a) => a.id);
    expect(await list('upcoming')).toEqual([nine, ten, eleven]);
    expect(await list('past')).toEqual([]);
    expect(await list('cancelled')).toEqual([noon]);
    s.clock.set(dubai(day, '10:45'));
    try {
      token = (await s.rest('POST', '/auth/login', { email: patient!.email, password: 'patient-pass-1' })).body.accessToken;
      expect(await list('upcoming')).toEqual([eleven]);
      expect(await list('past')).toEqual([ten, nine]);
      expect(await list('cancelled')).toEqual([noon]);
    } finally {
      s.clock.set(dubai(day1, '09:05'));
    }
  });
});
