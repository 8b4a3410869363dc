import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServices } from '@clinic/api';
import { ObjectId, connectDatabase } from '@clinic/db';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let physicianId: string;
let physicianName: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
let admin: Awaited<ReturnType<typeof makeStaff>>;
let staff: Awaited<ReturnType<typeof makeStaff>>;
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);
const MIN = 60_000;

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(day1, '09:05'));
  const physician = await createPhysician(s);
  physicianId = physician.id;
  physicianName = physician.fullName;
  patients = await makePatients(s, 40);
  admin = await makeStaff(s, 'admin');
  staff = await makeStaff(s, 'staff');
});
afterAll(() => s.close());

const book = (token: string, start: Date) => s.rest('POST', '/appointments', { physicianId, start: start.toISOString(), reason: 'Check-up' }, token);
const stored = (id: string) => s.database.cols.appointments.findOne({ _id: new ObjectId(id) });
const remindersTo = (email: string) => s.inbox.mails.filter((m) => m.to.includes(email) && /reminder/i.test(m.subject));
const setPolicies = (patch: Record<string, unknown>) => s.rest('PATCH', '/admin/clinic/policies', patch, admin.accessToken);
/** Back to the defaults; the clock must be back too, or the admin's 15-minute token has lapsed. */
const restorePolicies = async () => expect((await setPolicies({ paymentRequired: false, holdMinutes: 15, reminderLeadMinutes: 180 })).status).toBe(200);
const slotsOn = async (day: string) =>
  (await s.rest('GET', `/physicians/${physicianId}/slots?from=${encodeURIComponent(dubai(day, '00:00').toISOString())}&to=${encodeURIComponent(dubai(day, '23:59').toISOString())}`)).body.slots.map(
    (x: { start: string }) => x.start,
  );

describe('clinic policies (admin)', () => {
  it('an admin changes booking policies; others cannot; bad values are named and change nothing', async () => {
    expect((await setPolicies({ holdMinutes: 0 })).status).toBe(400);
    const bad = await setPolicies({ holdMinutes: 0 });
    expect(bad.body.data.fieldErrors).toHaveProperty('holdMinutes');
    expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, staff.accessToken)).status).toBe(403);
    expect((await s.rest('GET', '/clinic')).body.policies).toMatchObject({ paymentRequired: false, holdMinutes: 15, reminderLeadMinutes: 180 });
    const ok = await setPolicies({ holdMinutes: 20 });
    expect(ok.status).toBe(200);
    expect(ok.body.policies).toMatchObject({ holdMinutes: 20, paymentRequired: false });
    expect((await setPolicies({ holdMinutes: 15 })).status).toBe(200);
  });
});

describe('hold expiry', () => {
  it('an unpaid hold lapses → expired, the slot is offered again and can be booked', async () => {
    await setPolicies({ paymentRequired: true, holdMinutes: 5 });
    try {
      const start = dubai(day2, '10:00');
      const held = await book(patients[0]!.accessToken, start);
      expect(held.status).toBe(200);
      expect(held.body.status).toBe('pending_payment');
      expect(await slotsOn(day2)).not.toContain(`${day2}T10:00:00+04:00`);

      // 4 minutes in, the hold still stands.
      s.clock.advance(4 * MIN);
      expect((await s.services.jobs.runDue()).expired).toBe(0);
      expect((await stored(held.body.id))!.status).toBe('pending_payment');

      s.clock.advance(2 * MIN);
      expect((await s.services.jobs.runDue()).expired).toBe(1);
      const after = await stored(held.body.id);
      expect(after!.status).toBe('expired');
      expect(after!.history.at(-1)).toMatchObject({ status: 'expired', by: null });
      expect(await slotsOn(day2)).toContain(`${day2}T10:00:00+04:00`);
      expect((await book(patients[1]!.accessToken, start)).status).toBe(200);
      // The patient sees it among cancelled/expired bookings, not upcoming ones.
      const mine = await s.rest('GET', '/appointments/mine?scope=cancelled', undefined, patients[0]!.accessToken);
      expect(mine.body.items.map((a: { id: string; status: string }) => [a.id, a.status])).toContainEqual([held.body.id, 'expired']);
    } finally {
      s.clock.set(dubai(day1, '09:05'));
      await restorePolicies();
    }
  });

  it('a hold confirmed at the desk before it lapses is not expired', async () => {
    await setPolicies({ paymentRequired: true });
    try {
      const held = await book(patients[2]!.accessToken, dubai(day2, '10:30'));
      expect((await s.rest('POST', `/appointments/${held.body.id}/confirm`, {}, staff.accessToken)).status).toBe(200);
      s.clock.advance(30 * MIN);
      await s.services.jobs.runDue();
      expect((await stored(held.body.id))!.status).toBe('confirmed');
    } finally {
      s.clock.set(dubai(day1, '09:05'));
      await restorePolicies();
    }
  });
});

describe('auto no-show', () => {
  it('15 minutes after the start, confirmed but not checked in → no_show; checked-in and completed ones stay', async () => {
    const absent = await book(patients[3]!.accessToken, dubai(day2, '12:00'));
    const present = await book(patients[4]!.accessToken, dubai(day2, '14:00'));
    expect((await s.rest('POST', `/appointments/${present.body.id}/check-in`, {}, staff.accessToken)).status).toBe(200);
    try {
      s.clock.set(dubai(day2, '12:14'));
      await s.services.jobs.runDue();
      expect((await stored(absent.body.id))!.status).toBe('confirmed');
      s.clock.set(dubai(day2, '14:20'));
      const report = await s.services.jobs.runDue();
      expect(report.noShows).toBeGreaterThanOrEqual(1);
      expect((await stored(absent.body.id))!.status).toBe('no_show');
      expect((await stored(present.body.id))!.status).toBe('checked_in');
    } finally {
      s.clock.set(dubai(day1, '09:05'));
    }
    const mine = await s.rest('GET', `/appointments/${absent.body.id}`, undefined, patients[3]!.accessToken);
    expect(mine.body.status).toBe('no_show');
  });
});

describe('reminders', () => {
  it('3 h before the start one reminder email goes out, with the physician and the clinic time; never twice', async () => {
    const p = patients[5]!;
    const appt = await book(p.accessToken, dubai(day2, '15:30'));
    try {
      s.clock.set(dubai(day2, '12:29'));
      await s.services.jobs.runDue();
      expect(remindersTo(p.email)).toHaveLength(0);
      s.clock.set(dubai(day2, '12:31'));
      expect((await s.services.jobs.runDue()).remindersSent).toBeGreaterThanOrEqual(1);
      const mails = remindersTo(p.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.raw).toContain(physicianName);
      expect(mails[0]!.raw).toContain('15:30');
      await s.services.jobs.runDue();
      s.clock.advance(10 * MIN);
      await s.services.jobs.runDue();
      expect(remindersTo(p.email)).toHaveLength(1);
      expect((await stored(appt.body.id))!.reminderSentAt).not.toBeNull();
    } finally {
      s.clock.set(dubai(day1, '09:05'));
    }
  });

  it('a cancelled appointment gets no reminder', async () => {
    const p = patients[6]!;
    const appt = await book(p.accessToken, dubai(day2, '16:00'));
    expect((await s.rest('POST', `/appointments/${appt.body.id}/cancel`, { reason: 'Travelling' }, p.accessToken)).status).toBe(200);
    try {
      s.clock.set(dubai(day2, '13:30'));
      await s.services.jobs.runDue();
      expect(remindersTo(p.email)).toHaveLength(0);
    } finally {
      s.clock.set(dubai(day1, '09:05'));
    }
  });

  it('a rescheduled appointment is reminded of its new time only, once', async () => {
    const p = patients[7]!;
    const appt = await book(p.accessToken, dubai(day2, '17:00'));
    expect((await s.rest('POST', `/appointments/${appt.body.id}/reschedule`, { start: dubai(day2, '19:00').toISOString() }, p.accessToken)).status).toBe(200);
    try {
      s.clock.set(dubai(day2, '14:01'));
      await s.services.jobs.runDue();
      expect(remindersTo(p.email)).toHaveLength(0);
      s.clock.set(dubai(day2, '16:01'));
      await s.services.jobs.runDue();
      const mails = remindersTo(p.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.raw).toContain('19:00');
    } finally {
      s.clock.set(dubai(day1, '09:05'));
    }
  });

  it('a booking made inside the reminder window is not reminded (the patient was just told)', async () => {
    const p = patients[8]!;
    try {
      const appt = await book(p.accessToken, dubai(day1, '11:30'));
      expect(appt.status).toBe(200);
      expect((await stored(appt.body.id))!.reminderDueAt).toBeNull();
      s.clock.set(dubai(day1, '11:00'));
      await s.services.jobs.runDue();
      expect(remindersTo(p.email)).toHaveLength(0);
    } finally {
      s.clock.set(dubai(day1, '09:05'));
    }
  });
});

describe('two processes sweeping one database', () => {
  it('20 due reminders and 10 due holds: every reminder sent exactly once, every hold expired once', async () => {
    // The second process: its own connection pool and its own services over the same database.
    const db2 = await connectDatabase({ uri: inject('mongoUri'), dbName: s.database.db.databaseName });
    const second = createServices({ ...s.deps, db: db2 });
    const [day3, day4] = [dubaiDate(3), dubaiDate(4)];
    const reminded = patients.slice(10, 30);
    const holders = patients.slice(30, 40);
    const slot = (day: string, i: number) => new Date(dubai(day, i < 10 ? '08:00' : '14:00').getTime() + (i % 10) * 30 * MIN);
    try {
      // A 12-hour lead makes all 20 reminders due together before the first of them starts.
      await setPolicies({ reminderLeadMinutes: 720 });
      for (const [i, p] of reminded.entries()) expect((await book(p.accessToken, slot(day3, i))).status).toBe(200);
      await setPolicies({ paymentRequired: true });
      for (const [i, p] of holders.entries()) expect((await book(p.accessToken, slot(day4, i))).body.status).toBe('pending_payment');

      s.clock.set(dubai(day3, '07:00'));
      const reports = await Promise.all([s.services.jobs.runDue(), second.jobs.runDue(), s.services.jobs.runDue(), second.jobs.runDue()]);
      for (const p of reminded) expect(remindersTo(p.email)).toHaveLength(1);
      expect(reports.reduce((n, r) => n + r.remindersSent, 0)).toBe(20);
      const holds = await s.database.cols.appointments.find({ patientId: { $in: holders.map((p) => new ObjectId(p.userId)) } }).toArray();
      expect(holds).toHaveLength(10);
      for (const a of holds) {
        expect(a.status).toBe('expired');
        expect(a.slotKey).toBe(`released|${a._id.toHexString()}`);
        expect(a.history.filter((h) => h.status === 'expired')).toHaveLength(1);
      }
    } finally {
      s.clock.set(dubai(day1, '09:05'));
      await restorePolicies();
      await db2.close();
    }
  });
});

describe('jobs survive a restart', () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const freePort = () =>
    new Promise<number>((res) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => res(port));
      });
    });

  async function startProcess(): Promise<{ child: ChildProcess; base: string }> {
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        MONGO_URI: `${inject('mongoUri')}${s.database.db.databaseName}`,
        SMTP_URL: s.inbox.url,
        JOBS_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 150 && !out.includes('Server listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('Server listening');
    return { child, base: `http://127.0.0.1:${port}/api/v1` };
  }
  async function stop(child: ChildProcess) {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };

  it('planned by one process, stopped, started again: the hold expires and the reminder goes out', async () => {
    // A real process with the real clock: book tomorrow, through the process itself.
    s.clock.set(new Date());
    const tomorrow = dubaiDate(1);
    const [payer, visitor] = [patients[38]!, patients[39]!];
    const first = await startProcess();
    const call = async (path: string, token: string, body: unknown) =>
      (await fetch(`${first.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })).json() as Promise<any>;
    const login = async (email: string) => (await call('/auth/login', '', { email, password: 'patient-pass-1' })).accessToken as string;
    let held: { id: string; status: string };
    let confirmed: { id: string; status: string };
    try {
      confirmed = await call('/appointments', await login(visitor.email), { physicianId, start: dubai(tomorrow, '19:00').toISOString(), reason: 'Follow-up' });
      expect(confirmed.status).toBe('confirmed');
      await setPolicies({ paymentRequired: true });
      held = await call('/appointments', await login(payer.email), { physicianId, start: dubai(tomorrow, '19:30').toISOString(), reason: 'Follow-up' });
      expect(held.status).toBe('pending_payment');
      await new Promise((r) => setTimeout(r, 500)); // a few sweeps: nothing is due yet
      expect((await stored(held.id))!.status).toBe('pending_payment');
    } finally {
      await stop(first.child);
      await setPolicies({ paymentRequired: false });
    }

    // While no process runs, time passes: the hold lapses and the reminder falls due.
    const past = new Date(Date.now() - MIN);
    await s.database.cols.appointments.updateOne({ _id: new ObjectId(held.id) }, { $set: { holdExpiresAt: past } });
    await s.database.cols.appointments.updateOne({ _id: new ObjectId(confirmed.id) }, { $set: { reminderDueAt: past } });
    expect(remindersTo(visitor.email)).toHaveLength(0);

    const second = await startProcess();
    try {
      expect(await until(async () => (await stored(held.id))!.status === 'expired')).toBe(true);
      expect(await until(async () => remindersTo(visitor.email).length === 1)).toBe(true);
    } finally {
      await stop(second.child);
      s.clock.set(dubai(day1, '09:05'));
    }
    expect(remindersTo(visitor.email)).toHaveLength(1);
  });
});
