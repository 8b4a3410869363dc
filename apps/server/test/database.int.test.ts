import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId, insertManyUnique, watchForOtherProcesses } from '@clinic/db';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, startTestServer, type TestServer } from './support/server.ts';

// FerretDB 1.x reads, changes and rewrites a document without a lock: with a pool of connections, writes in
// flight together on one document lost each other (a reschedule was undone by the confirmation's bookkeeping
// write). These tests fail on that behaviour and pass on MongoDB and on FerretDB over one connection.

let s: TestServer;
let physicianId: string;
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(day1, '09:05'));
  physicianId = (await createPhysician(s)).id;
});
afterAll(() => s.close());

describe('one process, many writes to one document', () => {
  it('on FerretDB the process talks over a single connection', async () => {
    const info = await s.database.db.admin().command({ buildInfo: 1 });
    expect(s.database.engine).toBe(typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb');
    if (s.database.engine === 'ferretdb') expect(s.database.client.options.maxPoolSize).toBe(1);
  });

  it('200 concurrent increments and 50 concurrent history entries on one appointment all count', async () => {
    const col = s.database.db.collection<{ _id: ObjectId; n: number; history: number[] }>('concurrency_probe');
    const _id = new ObjectId();
    await col.insertOne({ _id, n: 0, history: [] });
    await Promise.all([
      ...Array.from({ length: 200 }, () => col.updateOne({ _id }, { $inc: { n: 1 } })),
      ...Array.from({ length: 50 }, (_, i) => col.updateOne({ _id }, { $push: { history: i } })),
    ]);
    const doc = await col.findOne({ _id });
    expect(doc?.n).toBe(200);
    expect(doc?.history).toHaveLength(50);
  });

  it('of 20 concurrent guarded status changes exactly one wins', async () => {
    const col = s.database.db.collection<{ _id: ObjectId; status: string; winner?: number }>('concurrency_probe');
    const _id = new ObjectId();
    await col.insertOne({ _id, status: 'confirmed' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => col.findOneAndUpdate({ _id, status: 'confirmed' }, { $set: { status: 'checked_in', winner: i } })),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('a reschedule right after booking survives the confirmation being sent in the background', async () => {
    const [patient, other] = await makePatients(s, 2);
    for (let round = 0; round < 8; round++) {
      const at = (hour: number) => `${String(hour + Math.floor(round / 2)).padStart(2, '0')}:${round % 2 ? '30' : '00'}`;
      const from = dubai(day2, at(8));
      const to = dubai(day2, at(15));
      // Booking confirms (no payment needed) and starts the confirmation send; the reschedule races it.
      const booked = await s.rest('POST', '/appointments', { physicianId, start: from.toISOString(), reason: 'Check-up' }, patient!.accessToken);
      expect(booked.status).toBe(200);
      const moved = await s.rest('POST', `/appointments/${booked.body.id}/reschedule`, { start: to.toISOString() }, patient!.accessToken);
      expect(moved.status).toBe(200);
      await s.services.jobs.idle();

      const seen = await s.rest('GET', `/appointments/${booked.body.id}`, undefined, patient!.accessToken);
      expect(seen.body.start).toBe(`${day2}T${at(15)}:00+04:00`);
      // The old slot is free again: someone else can book it.
      const taken = await s.rest('POST', '/appointments', { physicianId, start: from.toISOString(), reason: 'Check-up' }, other!.accessToken);
      expect(taken.status).toBe(200);
    }
  });
});

describe('several processes on FerretDB', () => {
  it('a second server process on the same database is warned about loudly, the first one too', async (ctx) => {
    if (s.database.engine !== 'ferretdb') ctx.skip('MongoDB is atomic across processes; nothing is announced there');
    const warnings: string[][] = [[], []];
    const logFor = (i: number) => ({ info: () => {}, warn: (m: string) => void warnings[i]!.push(m) });
    const first = await watchForOtherProcesses(s.database, logFor(0), 100);
    const second = await watchForOtherProcesses(s.database, logFor(1), 100);
    try {
      expect(warnings[1]).toHaveLength(1);
      expect(warnings[1]![0]).toMatch(/ANOTHER SERVER PROCESS IS USING THIS FERRETDB DATABASE/);
      expect(warnings[1]![0]).toContain(`pid ${process.pid}`);
      await expect.poll(() => warnings[0]!.length, { timeout: 5_000 }).toBe(1);
    } finally {
      await second.stop();
      await first.stop();
    }
    expect(await s.database.db.collection('server_processes').countDocuments()).toBe(0);
  });
});

describe('several documents under a unique index in one insert', () => {
  it('insertManyUnique stores every new one and reports the one whose key was taken, without failing the others', async () => {
    const col = s.database.db.collection<{ _id: ObjectId; key: string }>('unique_many_probe');
    await col.createIndex({ key: 1 }, { unique: true });
    await col.insertOne({ _id: new ObjectId(), key: 'b' });
    const docs = ['a', 'b', 'c'].map((key) => ({ _id: new ObjectId(), key }));
    expect(await insertManyUnique(col, docs)).toEqual([true, false, true]);
    expect((await col.find({}).toArray()).map((d) => d.key).sort()).toEqual(['a', 'b', 'c']);
    // Again: all of them are taken now; nothing is stored twice.
    expect(await insertManyUnique(col, ['a', 'c'].map((key) => ({ _id: new ObjectId(), key })))).toEqual([false, false]);
    expect(await col.countDocuments()).toBe(3);
  });
});
