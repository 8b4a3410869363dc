import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventBus } from '@clinic/api';
import { DEFAULT_CLINIC_POLICIES } from '@clinic/db';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { createRedisBus } from '../src/realtime-redis.ts';
import { createPhysician, dubai, dubaiDate, EVERY_DAY_8_TO_20 } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let s: TestServer;
let physicianId: string;
let patients: { accessToken: string }[];
let admin: { accessToken: string };
/** The collection of every command this process's server sent since the last reset. */
let commands: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ monitorCommands: true });
  s.database.client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    commands.push(typeof target === 'string' ? target : e.commandName);
  });
  physicianId = (await createPhysician(s)).id;
  patients = await makePatients(s, 30);
  admin = await makeStaff(s, 'admin');
});
afterAll(() => s?.close());

const day = dubaiDate(2);
const listed = async (base: string, id = physicianId): Promise<string[]> => {
  const q = `from=${encodeURIComponent(dubai(day, '00:00').toISOString())}&to=${encodeURIComponent(dubai(day, '23:59').toISOString())}`;
  const res = await fetch(`${base}/api/v1/physicians/${id}/slots?${q}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { slots: { start: string }[] }).slots.map((x) => x.start);
};
const at = (time: string) => `${day}T${time}:00+04:00`;
const book = (base: string, token: string, time: string) =>
  fetch(`${base}/api/v1/appointments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ physicianId, start: dubai(day, time).toISOString(), reason: 'Check-up' }),
  });

describe('slots served from memory', () => {
  it('warm slot lists, physician pages and searches send no database command at all', async () => {
    await listed(s.baseUrl);
    await s.rest('GET', '/physicians');
    await s.rest('GET', `/physicians/${physicianId}`);
    commands = [];
    for (let i = 0; i < 5; i++) await listed(s.baseUrl);
    const search = await s.rest('GET', '/physicians');
    expect(search.status).toBe(200);
    expect(search.body.items.find((p: { id: string }) => p.id === physicianId)?.nextFreeSlot).not.toBeNull();
    const page = await s.rest('GET', `/physicians/${physicianId}`);
    expect(page.body.nextFreeSlot).not.toBeNull();
    // The physician, their clinic and their bookings all come from memory: one process, its versions in memory.
    expect(commands).toEqual([]);
  });

  it('a booking is gone from the next slot list and from the next free slot; its cancellation brings it back', async () => {
    const next = async () => (await s.rest('GET', `/physicians/${physicianId}`)).body.nextFreeSlot.start as string;
    expect(await listed(s.baseUrl)).toContain(at('10:00'));
    const res = await book(s.baseUrl, patients[0]!.accessToken, '10:00');
    expect(res.status).toBe(200);
    const booked = (await res.json()) as { id: string };
    expect(await listed(s.baseUrl)).not.toContain(at('10:00'));

    // The physician's own page offers the first free slot; booking it moves the offer on.
    const first = await next();
    const taken = await s.rest('POST', '/appointments', { physicianId, start: first, reason: 'Check-up' }, patients[1]!.accessToken);
    expect(taken.status).toBe(200);
    expect(await next()).not.toBe(first);

    const cancel = await s.rest('POST', `/appointments/${booked.id}/cancel`, { reason: 'Feeling better' }, patients[0]!.accessToken);
    expect(cancel.status).toBe(200);
    expect(await listed(s.baseUrl)).toContain(at('10:00'));
  });

  it("a schedule change shows in the very next slot list, though the physician's bookings did not change", async () => {
    const before = await listed(s.baseUrl);
    expect(before).toContain(at('15:00'));
    const mornings = { ...EVERY_DAY_8_TO_20, weekly: EVERY_DAY_8_TO_20.weekly.map((w) => ({ ...w, intervals: [{ start: '08:00', end: '09:00' }] })) };
    const patch = await s.rest('PATCH', `/admin/physicians/${physicianId}`, { patch: { schedule: mornings } }, admin.accessToken);
    expect(patch.status).toBe(200);
    expect(await listed(s.baseUrl)).toEqual([at('08:00'), at('08:30')].filter((x) => before.includes(x)));
    expect((await s.rest('PATCH', `/admin/physicians/${physicianId}`, { patch: { schedule: EVERY_DAY_8_TO_20 } }, admin.accessToken)).status).toBe(200);
    expect(await listed(s.baseUrl)).toEqual(before);
  });

  it('the next free slot moves on once the notice period reaches it, though nothing changed', async () => {
    const next = async () => (await s.rest('GET', `/physicians/${physicianId}`)).body.nextFreeSlot.start as string;
    const first = await next();
    const notice = DEFAULT_CLINIC_POLICIES.minNoticeMinutes * 60_000;
    try {
      s.clock.set(new Date(Date.parse(first) - notice - 5_000));
      expect(await next()).toBe(first);
      s.clock.set(new Date(Date.parse(first) - notice + 5_000));
      expect(Date.parse(await next())).toBeGreaterThan(Date.parse(first));
    } finally {
      s.clock.set(new Date());
    }
  });

  it("the clinic's booking horizon and a physician leaving show in the next slot list and search", async () => {
    const before = await listed(s.baseUrl);
    expect(before.length).toBeGreaterThan(0);
    // Two days ahead is beyond a one-day horizon: nothing to offer, though nothing was booked.
    expect((await s.rest('PATCH', '/admin/clinic/policies', { horizonDays: 1 }, admin.accessToken)).status).toBe(200);
    try {
      expect(await listed(s.baseUrl)).toEqual([]);
    } finally {
      expect((await s.rest('PATCH', '/admin/clinic/policies', { horizonDays: DEFAULT_CLINIC_POLICIES.horizonDays }, admin.accessToken)).status).toBe(200);
    }
    expect(await listed(s.baseUrl)).toEqual(before);

    const searched = async () => ((await s.rest('GET', '/physicians')).body.items as { id: string }[]).map((p) => p.id);
    expect(await searched()).toContain(physicianId);
    expect((await s.rest('PATCH', `/admin/physicians/${physicianId}`, { patch: { active: false } }, admin.accessToken)).status).toBe(200);
    try {
      expect(await searched()).not.toContain(physicianId);
      expect((await s.rest('GET', `/physicians/${physicianId}/slots?from=${encodeURIComponent(dubai(day, '00:00').toISOString())}&to=${encodeURIComponent(dubai(day, '23:59').toISOString())}`)).status).toBe(404);
    } finally {
      expect((await s.rest('PATCH', `/admin/physicians/${physicianId}`, { patch: { active: true } }, admin.accessToken)).status).toBe(200);
    }
    expect(await searched()).toContain(physicianId);
  });
});

/**
 * Two server processes on one database with Redis, as a deployment would run them. FerretDB (what the tests run on)
 * is unsafe for two processes writing one document at once (docs/ARCHITECTURE.md); here only process A writes —
 * bookings, and the physician's busy version that comes with each — while B only reads.
 */
describe('two processes with Redis', () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  let bus: EventBus;
  let a: Awaited<ReturnType<typeof buildApp>>;
  let aBase: string;
  let b: ChildProcess;
  let bBase: string;

  beforeAll(async () => {
    bus = await createRedisBus(REDIS_URL).catch((err: Error) => {
      throw new Error(`These tests need Redis at ${REDIS_URL} (start redis-server or set REDIS_URL): ${err.message}`, { cause: err });
    });
    // A: the test server's deps (its secret signs the patients' tokens) with the Redis bus.
    a = await buildApp({ deps: { ...s.deps, bus }, database: s.database, logger: createLogger('silent'), corsOrigins: [], bodyLimit: 100_000, publicBaseUrl: 'http://127.0.0.1' });
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    aBase = `http://127.0.0.1:${(a.app.server.address() as { port: number }).port}`;

    // B: the server as `npm start` runs it, in a process of its own.
    const port = await new Promise<number>((res) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => res(port));
      });
    });
    b = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        MONGO_URI: `${inject('mongoUri')}${s.database.db.databaseName}`,
        REDIS_URL,
        SMTP_URL: s.inbox.url,
        JOBS_ENABLED: 'false',
        PUSH_ENABLED: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    b.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    b.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 150 && !out.includes('Server listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('Server listening');
    bBase = `http://127.0.0.1:${port}`;
  }, 30_000);
  afterAll(async () => {
    if (b) {
      b.kill('SIGTERM');
      await once(b, 'exit');
    }
    await a?.app.close();
    await bus?.close();
  });

  it('A, warm, sends no database command for a slot list or a search: its versions come from Redis', async () => {
    await listed(aBase);
    await fetch(`${aBase}/api/v1/physicians`);
    commands = [];
    await listed(aBase);
    expect((await fetch(`${aBase}/api/v1/physicians`)).status).toBe(200);
    expect(commands).toEqual([]);
  });

  it("a schedule change on A shows in B's next slot list, and the old schedule when it is put back", async () => {
    const before = await listed(bBase);
    const mornings = { ...EVERY_DAY_8_TO_20, weekly: EVERY_DAY_8_TO_20.weekly.map((w) => ({ ...w, intervals: [{ start: '08:00', end: '09:00' }] })) };
    const patch = (schedule: typeof EVERY_DAY_8_TO_20) =>
      fetch(`${aBase}/api/v1/admin/physicians/${physicianId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
        body: JSON.stringify({ patch: { schedule } }),
      });
    expect((await patch(mornings)).status).toBe(200);
    expect(await listed(bBase)).toEqual(before.filter((x) => x === at('08:00') || x === at('08:30')));
    expect((await patch(EVERY_DAY_8_TO_20)).status).toBe(200);
    expect(await listed(bBase)).toEqual(before);
  });

  it('once a booking on A has answered, B never offers its slot (20 times, each with B warm)', async () => {
    const free = (await listed(bBase)).slice(0, 20);
    expect(free).toHaveLength(20);
    for (const [i, start] of free.entries()) {
      // B has this slot in memory, free.
      expect(await listed(bBase)).toContain(start);
      const time = start.slice(11, 16);
      const res = await book(aBase, patients[10 + i]!.accessToken, time);
      expect(res.status).toBe(200);
      expect(await listed(bBase)).not.toContain(start);
    }
  }, 60_000);
});
