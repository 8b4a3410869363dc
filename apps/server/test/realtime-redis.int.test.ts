import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DEFAULT_AUTH_SETTINGS, createEventStore, createHttpInsuranceProvider, hashPassword, type ApiDeps, type EventBus, type EventNote, type StoredEvent } from '@clinic/api';
import { ObjectId, connectDatabase, userDoc, type Database } from '@clinic/db';
import { createClinicClient } from '@clinic/sdk';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { createRedisBus } from '../src/realtime-redis.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import type { TestServer } from './support/server.ts';

/** CI starts Redis (.ci/run); a machine without it fails here, saying so, rather than skipping. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const arrive = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

async function redisBus(): Promise<EventBus> {
  try {
    return await createRedisBus(REDIS_URL);
  } catch (err) {
    throw new Error(`These tests need Redis at ${REDIS_URL} (start redis-server or set REDIS_URL): ${(err as Error).message}`, { cause: err });
  }
}

const buses: EventBus[] = [];
async function openBus() {
  const bus = await redisBus();
  buses.push(bus);
  return bus;
}
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
});

describe('the Redis event bus', () => {
  it('carries a note from one process to the subscribers of its stream in another, and no event data', async () => {
    // Two bus instances: two connections each, as two server processes would have.
    const [one, two] = [await openBus(), await openBus()];
    const stream = `test:${randomBytes(4).toString('hex')}:agenda`;
    const got: EventNote[] = [];
    const other: EventNote[] = [];
    await two.subscribe(stream, (n) => got.push(n));
    await two.subscribe(`${stream}:other`, (n) => other.push(n));

    const event: StoredEvent = { stream, seq: 7, clinicId: new ObjectId().toHexString(), kind: 'booked', data: { patient: 'Amal' }, at: new Date() };
    await one.publish({ stream, seq: 7, event });
    await arrive(() => expect(got).toEqual([{ stream, seq: 7 }]));
    expect(other).toEqual([]);
  });

  it('a follower in another process reads the event from the store when the note arrives', async () => {
    const database = await connectDatabase({ uri: inject('mongoUri'), dbName: `test_${randomBytes(6).toString('hex')}` });
    try {
      // One connection, two stores with their own buses: what two processes see of one database.
      const writer = createEventStore(database.cols, await openBus(), () => new Date());
      const reader = createEventStore(database.cols, await openBus(), () => new Date());
      const stream = `clinic:${new ObjectId().toHexString()}:agenda`;
      const clinicId = new ObjectId();
      const stop = new AbortController();
      const seen: StoredEvent[] = [];
      const following = (async () => {
        for await (const e of reader.follow(stream, 0, stop.signal)) seen.push(e);
      })();
      await writer.append(stream, clinicId, 'booked', { n: 1 });
      await writer.append(stream, clinicId, 'cancelled', { n: 2 });
      await arrive(() => expect(seen.map((e) => [e.seq, e.kind, e.data])).toEqual([[1, 'booked', { n: 1 }], [2, 'cancelled', { n: 2 }]]));
      stop.abort();
      await following;
    } finally {
      await database.db.dropDatabase();
      await database.close();
    }
  });
});

describe('a server with REDIS_URL', () => {
  let database: Database;
  let app: Awaited<ReturnType<typeof buildApp>>['app'];
  let services: Awaited<ReturnType<typeof buildApp>>['services'];
  let baseUrl: string;

  beforeAll(async () => {
    database = await connectDatabase({ uri: inject('mongoUri'), dbName: `test_${randomBytes(6).toString('hex')}` });
    const deps: ApiDeps = {
      db: database,
      mailer: { send: async () => undefined },
      clock: () => new Date(),
      auth: { ...DEFAULT_AUTH_SETTINGS, secretKey: randomBytes(32).toString('hex') },
      insurance: { provider: createHttpInsuranceProvider({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1_000 }), encryptionKey: randomBytes(32) },
      payments: { stripe: null, webhookSecret: null },
      clinicName: 'Redis Clinic',
      timeZone: 'Asia/Dubai',
      bus: await openBus(),
    };
    const built = await buildApp({ deps, database, logger: createLogger('silent'), corsOrigins: [], bodyLimit: 100_000, publicBaseUrl: 'http://127.0.0.1' });
    ({ app, services } = built);
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.db.dropDatabase();
    await database?.close();
  });

  async function signIn(role: 'staff' | 'patient') {
    const email = `${role}.${randomBytes(4).toString('hex')}@example.test`;
    const password = 'redis-pass-123';
    const clinicId = role === 'staff' ? (await services.clinic.current())._id : null;
    await database.cols.users.insertOne({ _id: new ObjectId(), ...userDoc({ email, fullName: `Redis ${role}`, phone: '+971501234567', role }, await hashPassword(password), new Date(), clinicId) });
    const res = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const body = (await res.json()) as { accessToken?: string };
    if (!body.accessToken) throw new Error(`login failed: ${JSON.stringify(body)}`);
    return body.accessToken;
  }

  it('delivers a booking to a WebSocket subscriber through Redis, and Redis saw the note', async () => {
    // createPhysician reads only the server's services.
    const physician = await createPhysician({ services } as unknown as TestServer);
    const staff = await signIn('staff');
    const patient = await signIn('patient');

    // A third connection listening on the physician's stream, as another process would.
    const watcher = await openBus();
    const notes: EventNote[] = [];
    await watcher.subscribe(`physician:${physician.id}:agenda`, (n) => notes.push(n));

    const client = createClinicClient({ baseUrl, getAccessToken: () => staff, webSocket: true });
    const kinds: string[] = [];
    let started = false;
    const sub = client.agenda.onChange.subscribe({ physicianId: physician.id }, { onStarted: () => void (started = true), onData: (e) => void kinds.push(e.data.kind) });
    await arrive(() => expect(started).toBe(true));

    const res = await fetch(`${baseUrl}/api/v1/appointments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${patient}` },
      body: JSON.stringify({ physicianId: physician.id, start: dubai(dubaiDate(2), '09:00').toISOString(), reason: 'Check-up' }),
    });
    expect(res.status).toBe(200);
    await arrive(() => expect(kinds).toEqual(['booked']));
    await arrive(() => expect(notes).toEqual([{ stream: `physician:${physician.id}:agenda`, seq: 1 }]));
    sub.unsubscribe();
  });
});
