import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext } from '@clinic/api';
import type { PhysicianSchedule } from '@clinic/contracts';
import { createPhysician, dubai, dubaiDate, insertSecondClinic } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

/** Open round the clock, so a booking can sit at 01:00 Dubai time — the previous day in UTC. */
const ROUND_THE_CLOCK: PhysicianSchedule = {
  weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, intervals: [{ start: '00:00', end: '24:00' }] })),
  overrides: [],
  slotMinutes: 30,
  bufferMinutes: 0,
};

let s: TestServer;
let patients: Awaited<ReturnType<typeof makePatients>>;
let staff: Awaited<ReturnType<typeof makeStaff>>;
let admin: Awaited<ReturnType<typeof makeStaff>>;
/** Dr. Night (round the clock) and Dr. Day (08–20), each with a doctor login. */
let night: { id: string; doctor: Awaited<ReturnType<typeof makeStaff>> };
let day: { id: string; doctor: Awaited<ReturnType<typeof makeStaff>> };

// The server believes it is 09:05 in Dubai on day 1. Statistics use days 2–4, the calendar days 5–8,
// so the no-show sweep of the statistics (run at 12:00 on day 2) leaves the calendar's bookings alone.
const day1 = dubaiDate(1);
const NOW = dubai(day1, '09:05');

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(NOW);
  patients = await makePatients(s, 10);
  staff = await makeStaff(s, 'staff');
  admin = await makeStaff(s, 'admin');
  const nightDoctor = await makeStaff(s, 'doctor');
  night = { id: (await createPhysician(s, { userId: nightDoctor.userId, schedule: ROUND_THE_CLOCK, fullName: 'Dr. Night' })).id, doctor: nightDoctor };
  const dayDoctor = await makeStaff(s, 'doctor');
  day = { id: (await createPhysician(s, { userId: dayDoctor.userId, fullName: 'Dr. Day' })).id, doctor: dayDoctor };
});
afterAll(() => s.close());

async function book(patient: number, physicianId: string, start: Date) {
  const res = await s.rest('POST', '/appointments', { physicianId, start: start.toISOString(), reason: 'Check-up' }, patients[patient]!.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; start: string; status: string };
}

type CalendarBody = { timeZone: string; from: string; to: string; days: { date: string; appointments: { id: string; start: string; physicianId: string; patientId: string }[] }[] };
const calendar = (query: string, token: string) => s.rest('GET', `/appointments/calendar?${query}`, undefined, token);
/** date → ids of that day, for every day of the answer. */
const idsByDay = (body: CalendarBody) => Object.fromEntries(body.days.map((d) => [d.date, d.appointments.map((a) => a.id)]));

describe('calendar grouped by local day', () => {
  const [d5, d6, d7, d8] = [dubaiDate(5), dubaiDate(6), dubaiDate(7), dubaiDate(8)];
  const range = `from=${d5}&to=${d8}`;
  let lateEvening: { id: string; start: string };
  let earlyMorning: { id: string; start: string };
  let dayVisit: { id: string; start: string };

  beforeAll(async () => {
    lateEvening = await book(1, night.id, dubai(d5, '23:30')); // 19:30 UTC on d5
    earlyMorning = await book(0, night.id, dubai(d6, '01:00')); // 21:00 UTC on d5, yet d6 in Dubai
    dayVisit = await book(1, day.id, dubai(d7, '10:00'));
  });

  it('files each appointment under its Dubai date (01:00 on d6 is d5 in UTC), every day present, empty days too', async () => {
    expect(new Date(earlyMorning.start).toISOString().slice(0, 10)).toBe(d5);
    const res = await calendar(range, staff.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = res.body as CalendarBody;
    expect(body).toMatchObject({ timeZone: 'Asia/Dubai', from: d5, to: d8 });
    expect(body.days.map((d) => d.date)).toEqual([d5, d6, d7, d8]);
    expect(idsByDay(body)).toEqual({ [d5]: [lateEvening.id], [d6]: [earlyMorning.id], [d7]: [dayVisit.id], [d8]: [] });
    expect(body.days[1]!.appointments[0]!.start).toBe(`${d6}T01:00:00+04:00`);
    // Staff may narrow it to one physician.
    const one = await calendar(`${range}&physicianId=${day.id}`, staff.accessToken);
    expect(idsByDay(one.body)).toEqual({ [d5]: [], [d6]: [], [d7]: [dayVisit.id], [d8]: [] });
  });

  it('a patient sees only their own bookings', async () => {
    const p0 = await calendar(range, patients[0]!.accessToken);
    expect(p0.status).toBe(200);
    expect(idsByDay(p0.body)).toEqual({ [d5]: [], [d6]: [earlyMorning.id], [d7]: [], [d8]: [] });
    const p1 = await calendar(range, patients[1]!.accessToken);
    expect(idsByDay(p1.body)).toEqual({ [d5]: [lateEvening.id], [d6]: [], [d7]: [dayVisit.id], [d8]: [] });
    // Naming a physician only narrows their own bookings; it never reveals anyone else's.
    const p0Night = await calendar(`${range}&physicianId=${night.id}`, patients[0]!.accessToken);
    expect(idsByDay(p0Night.body)).toEqual({ [d5]: [], [d6]: [earlyMorning.id], [d7]: [], [d8]: [] });
    const stranger = await calendar(range, patients[9]!.accessToken);
    expect(stranger.body.days.every((d: { appointments: unknown[] }) => d.appointments.length === 0)).toBe(true);
  });

  it("a doctor sees only their own physician's appointments; asking for another physician → 403", async () => {
    const own = await calendar(range, night.doctor.accessToken);
    expect(own.status).toBe(200);
    expect(idsByDay(own.body)).toEqual({ [d5]: [lateEvening.id], [d6]: [earlyMorning.id], [d7]: [], [d8]: [] });
    expect(idsByDay((await calendar(`${range}&physicianId=${night.id}`, night.doctor.accessToken)).body)).toEqual(idsByDay(own.body));
    const other = await calendar(`${range}&physicianId=${day.id}`, night.doctor.accessToken);
    expect(other.status).toBe(403);
    expect(other.body.data.appCode).toBe('FORBIDDEN');
  });

  it('bad ranges → 400 naming the field; no token → 401', async () => {
    const tooLong = await calendar(`from=${d5}&to=${dubaiDate(5 + 31)}`, staff.accessToken); // 32 days
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.data.fieldErrors).toHaveProperty('to');
    const longest = await calendar(`from=${d5}&to=${dubaiDate(5 + 30)}`, staff.accessToken); // 31 days
    expect(longest.status).toBe(200);
    expect(longest.body.days).toHaveLength(31);
    const reversed = await calendar(`from=${d8}&to=${d5}`, staff.accessToken);
    expect(reversed.status).toBe(400);
    expect(reversed.body.data.fieldErrors).toHaveProperty('to');
    const notADate = await calendar(`from=tomorrow&to=${d5}`, staff.accessToken);
    expect(notADate.status).toBe(400);
    expect(notADate.body.data.fieldErrors).toHaveProperty('from');
    expect((await calendar(`from=2026-02-30&to=2026-03-02`, staff.accessToken)).body.data.fieldErrors).toHaveProperty('from');
    expect((await calendar(`to=${d5}`, staff.accessToken)).status).toBe(400);
    expect((await calendar(range, '')).status).toBe(401);
  });

  it('gives the same answer through createCaller (the WhatsApp path), under the same ownership rule', async () => {
    const caller = createCaller(createInternalContext(s.services, { userId: patients[0]!.userId, role: 'patient', sessionId: null }, 'test', 'whatsapp'));
    const viaCaller = await caller.appointments.calendar({ from: d5, to: d8 });
    expect(viaCaller).toEqual((await calendar(range, patients[0]!.accessToken)).body);
    expect(viaCaller.days.find((d) => d.date === d6)!.appointments.map((a) => a.id)).toEqual([earlyMorning.id]);
  });
});

describe("a patient's calendar across clinics in different time zones", () => {
  const [d9, d10] = [dubaiDate(9), dubaiDate(10)];
  const patient = 8;
  let london: { id: string; start: string };
  let dubaiEarly: { id: string; start: string };

  beforeAll(async () => {
    const thames = await insertSecondClinic(s, {}, { slug: 'thames-family-clinic', name: 'Thames Family Clinic', nameAr: 'عيادة التايمز', timeZone: 'Europe/London' });
    const physician = await createPhysician(s, { clinic: thames, schedule: ROUND_THE_CLOCK, fullName: 'Dr. Thames' });
    // 23:30 in London on d9, as its slot list offers it (GMT or BST, whichever d9 falls in): d10 in Dubai.
    const slots = await s.rest('GET', `/physicians/${physician.id}/slots?from=${dubai(d9, '00:00').toISOString()}&to=${dubai(d10, '12:00').toISOString()}`);
    expect(slots.status, JSON.stringify(slots.body)).toBe(200);
    expect(slots.body.timeZone).toBe('Europe/London');
    const slot = (slots.body.slots as { start: string }[]).find((x) => x.start.startsWith(`${d9}T23:30:00`))!;
    london = await book(patient, physician.id, new Date(slot.start));
    dubaiEarly = await book(patient, night.id, dubai(d10, '01:00')); // d9 in London
  });

  it("files and shows each booking in its own clinic's zone, naming the clinic", async () => {
    const res = await calendar(`from=${d9}&to=${d10}`, patients[patient]!.accessToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(idsByDay(res.body)).toEqual({ [d9]: [london.id], [d10]: [dubaiEarly.id] });
    const [inLondon] = res.body.days[0].appointments;
    expect(inLondon.start).toBe(london.start);
    expect(inLondon.start).toMatch(new RegExp(`^${d9}T23:30:00\\+0[01]:00$`));
    expect(inLondon.clinic).toMatchObject({ slug: 'thames-family-clinic', name: 'Thames Family Clinic', timeZone: 'Europe/London' });
    const [inDubai] = res.body.days[1].appointments;
    expect(inDubai.start).toBe(`${d10}T01:00:00+04:00`);
    expect(inDubai.clinic).toMatchObject({ name: 'Test Clinic', timeZone: 'Asia/Dubai' });
    // The first clinic's staff see their own booking, in Dubai time, and not the other clinic's.
    const desk = await calendar(`from=${d9}&to=${d10}`, staff.accessToken);
    expect(idsByDay(desk.body)).toEqual({ [d9]: [], [d10]: [dubaiEarly.id] });
  });
});

describe('per-doctor statistics', () => {
  const [d2, d3, d4] = [dubaiDate(2), dubaiDate(3), dubaiDate(4)];
  const period = `from=${d2}&to=${d4}`;
  const stats = (query: string, token: string) => s.rest('GET', `/appointments/stats?${query}`, undefined, token);
  const post = async (path: string, token: string, body: unknown = {}) => {
    const res = await s.rest('POST', path, body, token);
    expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(200);
    return res.body as { status: string };
  };

  beforeAll(async () => {
    // completed: checked in by staff, completed by the doctor.
    const completed = await book(2, night.id, dubai(d2, '10:00'));
    await post(`/appointments/${completed.id}/check-in`, staff.accessToken);
    expect((await post(`/appointments/${completed.id}/complete`, night.doctor.accessToken)).status).toBe('completed');
    // checked_in
    const arrived = await book(3, night.id, dubai(d2, '10:30'));
    expect((await post(`/appointments/${arrived.id}/check-in`, staff.accessToken)).status).toBe('checked_in');
    // cancelled by the patient
    const cancelled = await book(4, night.id, dubai(d2, '11:00'));
    expect((await post(`/appointments/${cancelled.id}/cancel`, patients[4]!.accessToken, { reason: 'Travelling' })).status).toBe('cancelled');
    // confirmed, never checked in → no_show by the sweep
    await book(5, night.id, dubai(d2, '11:30'));
    // confirmed, still ahead
    await book(6, night.id, dubai(d3, '10:00'));
    // completed straight from confirmed; 01:00 on d3 in Dubai is d2 in UTC, and counts for d3
    const early = await book(7, night.id, dubai(d3, '01:00'));
    await post(`/appointments/${early.id}/complete`, night.doctor.accessToken);
    // pending_payment, left unpaid → expired by the sweep
    const patch = await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, admin.accessToken);
    expect(patch.status).toBe(200);
    expect((await book(8, night.id, dubai(d2, '12:00'))).status).toBe('pending_payment');

    // Noon on d2: the hold has lapsed and the 11:30 visit is 30 minutes late.
    s.clock.set(dubai(d2, '12:00'));
    const report = await s.services.jobs.runDue();
    expect(report).toMatchObject({ expired: 1, noShows: 1 });
    // Back to day 1 before any REST call: access tokens live 15 minutes of server time.
    s.clock.set(dubai(day1, '09:10'));

    // pending_payment, still within its hold
    expect((await book(9, night.id, dubai(d2, '14:00'))).status).toBe('pending_payment');
    expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: false }, admin.accessToken)).status).toBe(200);
    // Dr. Day's booking in the period must not count for Dr. Night.
    await book(2, day.id, dubai(d3, '15:00'));
  });

  const expected = () => ({
    physicianId: night.id,
    physicianName: 'Dr. Night',
    timeZone: 'Asia/Dubai',
    from: d2,
    to: d4,
    days: 3,
    total: 8,
    byStatus: { pending_payment: 1, confirmed: 1, checked_in: 1, completed: 2, cancelled: 1, no_show: 1, expired: 1 },
    // 1 no-show out of 4 known outcomes (2 completed + 1 checked in + 1 no-show).
    noShowRate: 0.25,
    // d2: completed, checked in, no-show, pending (cancelled and expired do not count); d3: confirmed, completed.
    bookingsPerDay: [
      { date: d2, count: 4 },
      { date: d3, count: 2 },
      { date: d4, count: 0 },
    ],
    averagePerDay: 2,
  });

  it('a doctor gets exact counts by every status, the no-show rate and bookings per local day of their own', async () => {
    const own = await stats(period, night.doctor.accessToken);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body).toEqual(expected());
    expect((await stats(`${period}&physicianId=${night.id}`, night.doctor.accessToken)).body).toEqual(expected());
  });

  it("staff and admins see any physician's statistics; the physician must be named", async () => {
    expect((await stats(`${period}&physicianId=${night.id}`, staff.accessToken)).body).toEqual(expected());
    const dayStats = await stats(`${period}&physicianId=${day.id}`, admin.accessToken);
    expect(dayStats.status).toBe(200);
    expect(dayStats.body).toMatchObject({ total: 1, byStatus: { confirmed: 1, no_show: 0, completed: 0 }, noShowRate: null });
    expect(dayStats.body.bookingsPerDay.map((d: { count: number }) => d.count)).toEqual([0, 1, 0]);
    const unnamed = await stats(period, staff.accessToken);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.data.fieldErrors).toHaveProperty('physicianId');
    expect((await stats(`${period}&physicianId=000000000000000000000000`, staff.accessToken)).status).toBe(404);
  });

  it('an empty period has every status at zero and no no-show rate', async () => {
    const quiet = await stats(`from=${dubaiDate(20)}&to=${dubaiDate(21)}`, night.doctor.accessToken);
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({
      total: 0,
      byStatus: { pending_payment: 0, confirmed: 0, checked_in: 0, completed: 0, cancelled: 0, no_show: 0, expired: 0 },
      noShowRate: null,
      averagePerDay: 0,
      bookingsPerDay: [
        { date: dubaiDate(20), count: 0 },
        { date: dubaiDate(21), count: 0 },
      ],
    });
  });

  it("a doctor asking for another physician's statistics → 403; patients → 403; periods over 92 days → 400", async () => {
    const other = await stats(`${period}&physicianId=${day.id}`, night.doctor.accessToken);
    expect(other.status).toBe(403);
    expect(other.body.data.appCode).toBe('FORBIDDEN');
    expect((await stats(`${period}&physicianId=${night.id}`, patients[2]!.accessToken)).status).toBe(403);
    const tooLong = await stats(`from=${d2}&to=${dubaiDate(2 + 92)}&physicianId=${night.id}`, staff.accessToken); // 93 days
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.data.fieldErrors).toHaveProperty('to');
    expect((await stats(`from=${d2}&to=${dubaiDate(2 + 91)}&physicianId=${night.id}`, staff.accessToken)).body.days).toBe(92);
    expect((await stats(`from=${d4}&to=${d2}`, night.doctor.accessToken)).status).toBe(400);
  });

  it('gives the same figures through createCaller, and refuses another physician there too', async () => {
    const asDoctor = createCaller(createInternalContext(s.services, { userId: night.doctor.userId, role: 'doctor', sessionId: null }, 'test'));
    expect(await asDoctor.appointments.stats({ from: d2, to: d4 })).toEqual(expected());
    await expect(asDoctor.appointments.stats({ from: d2, to: d4, physicianId: day.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const asPatient = createCaller(createInternalContext(s.services, { userId: patients[2]!.userId, role: 'patient', sessionId: null }, 'test'));
    await expect(asPatient.appointments.stats({ from: d2, to: d4, physicianId: night.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
