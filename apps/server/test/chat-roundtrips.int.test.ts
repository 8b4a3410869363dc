import { randomBytes } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError, createCounterRateLimiter } from '@clinic/api';
import { ObjectId } from '@clinic/db';
import { createRedisBus } from '../src/realtime-redis.ts';
import { createClinicClient, type ClinicClient, type RouterOutputs } from '@clinic/sdk';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

// On FerretDB every command is a serial round trip on the process's one connection: a chat message's cost in
// commands is what bounds the messages a process carries per second (bench/README.md, "Chat between pairs").
type Delivered = RouterOutputs['chat']['onEvent'] extends AsyncIterable<infer T> ? T : never;
type User = { userId: string; accessToken: string; email: string | null };

const arrive = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

let s: TestServer;
/** `<command> <collection>` of every command this server sent while it is an array. */
let commands: string[] | null = null;

beforeAll(async () => {
  s = await startTestServer({ monitorCommands: true });
  s.database.client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    commands?.push(`${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
  });
}, 60_000);
afterAll(() => s?.close());

let slot = 0;
async function book(physicianId: string, patient: User) {
  const n = slot++;
  const start = dubai(dubaiDate(3 + Math.floor(n / 5)), `${String(8 + (n % 5)).padStart(2, '0')}:00`);
  const res = await s.rest('POST', '/appointments', { physicianId, start: start.toISOString(), reason: 'Check-up' }, patient.accessToken);
  if (res.status !== 200) throw new Error(`booking failed: ${JSON.stringify(res.body)}`);
}

function follow(token: string) {
  const client: ClinicClient = createClinicClient({ baseUrl: s.baseUrl, getAccessToken: () => token, webSocket: { retryDelayMs: () => 50 } });
  const events: Delivered[] = [];
  let started = false;
  const sub = client.chat.onEvent.subscribe({}, { onStarted: () => void (started = true), onData: (e) => void events.push(e) });
  return { events, started: () => arrive(() => expect(started).toBe(true)), stop: () => sub.unsubscribe() };
}

/** A doctor account linked to a new physician, a patient who had an appointment with them, their thread, both following it. */
async function pair() {
  const doctor = await makeStaff(s, 'doctor');
  const { id: physicianId } = await createPhysician(s, { userId: doctor.userId, fullName: `Dr. Round ${new ObjectId().toHexString().slice(-4)}` });
  const [patient] = (await makePatients(s, 1)) as [User];
  await book(physicianId, patient);
  const opened = await s.rest('POST', '/chat/threads', { physicianId }, patient.accessToken);
  expect(opened.status).toBe(200);
  const doctorLive = follow(doctor.accessToken);
  const patientLive = follow(patient.accessToken);
  await doctorLive.started();
  await patientLive.started();
  return { doctor, physicianId, patient, threadId: opened.body.id as string, doctorLive, patientLive };
}

/** `{ '<command> <collection>': n }` of every command, sorted. */
const tally = (list: string[]) => Object.fromEntries(Object.entries(list.reduce<Record<string, number>>((m, c) => ((m[c] = (m[c] ?? 0) + 1), m), {})).sort());

describe('database commands of a chat message', () => {
  it('a send and its delivered mark, each side, and a read mark: command by command', async () => {
    const { doctor, patient, threadId, doctorLive, patientLive } = await pair();
    async function send(token: string, text: string) {
      const res = await s.rest('POST', `/chat/threads/${threadId}/messages`, { text }, token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { id: string };
    }
    /** The commands of one send until it is answered, and of everything it caused until the sender heard it delivered. */
    async function exchange(token: string, text: string) {
      s.clock.advance(1_000);
      commands = [];
      const sent = await send(token, text);
      const answered = [...commands];
      const senderLive = token === doctor.accessToken ? doctorLive : patientLive;
      await arrive(() => expect(senderLive.events.some((e) => e.data.kind === 'delivered' && e.data.upTo === sent.id)).toBe(true));
      await new Promise((r) => setTimeout(r, 200));
      // Only the sender is told it was delivered: the recipient's devices have the message itself.
      const recipientLive = senderLive === doctorLive ? patientLive : doctorLive;
      expect(recipientLive.events.filter((e) => e.data.message?.id === sent.id)).toHaveLength(1);
      expect(recipientLive.events.some((e) => e.data.kind === 'delivered' && e.data.upTo === sent.id)).toBe(false);
      const all = tally(commands);
      commands = null;
      return { answered, all, id: sent.id };
    }
    try {
      // The first of each stream, thread, physician and clinic in this process reads what it then keeps; the next are the steady state.
      await exchange(patient.accessToken, 'warm-up');
      await exchange(doctor.accessToken, 'warm-up');

      // The message (its insert is the claim of its clientMessageId), the thread's last message, the message's event in
      // both participants' streams (one insert); then the recipient's follower marks it delivered and stores that event
      // (one update, one insert). No read: the thread, the physician and the clinic's time zone come from memory, the
      // rate-limit windows are counted in memory (Redis with the Redis bus). REST checks the session on every request
      // (`find sessions`, which a WebSocket does once) and a doctor's clinic (`find clinics`: is it suspended?).
      // Before: 9 commands a patient's message, 11 a doctor's (the thread, the physician once or twice, the clinic and
      // the rate-limit document read on every one).
      const writes = { 'insert chat_messages': 1, 'update chat_threads': 1, 'insert events': 2, 'update chat_messages': 1 };
      const fromPatient = await exchange(patient.accessToken, 'How are you feeling today?');
      expect(fromPatient.all).toEqual({ ...writes, 'find sessions': 1 });
      // Answered once stored, its event with it; the delivered mark may come before or after.
      expect(fromPatient.answered).toEqual(expect.arrayContaining(['insert chat_messages', 'update chat_threads', 'insert events']));
      expect(fromPatient.answered.indexOf('insert chat_messages')).toBeLessThan(fromPatient.answered.indexOf('update chat_threads'));

      const fromDoctor = await exchange(doctor.accessToken, 'Better, thank you.');
      expect(fromDoctor.all).toEqual({ ...writes, 'find sessions': 1, 'find clinics': 1 });

      // A read mark: the message it names was seen by this process (sent or received here), so it is not read again;
      // the delivered and read updates, and the event. Before: 6 (the thread, the message, the physician).
      s.clock.advance(1_000);
      commands = [];
      const read = await s.rest('POST', `/chat/threads/${threadId}/read`, { upTo: fromDoctor.id }, patient.accessToken);
      expect(read.body.updated).toBe(2);
      await arrive(() => expect(doctorLive.events.some((e) => e.data.kind === 'read' && e.data.upTo === fromDoctor.id)).toBe(true));
      expect(tally(commands)).toEqual({ 'find sessions': 1, 'update chat_messages': 2, 'insert events': 1 });
    } finally {
      commands = null;
      doctorLive.stop();
      patientLive.stop();
    }
  });

  it('what is kept in memory follows the catalogue: a physician relinked to another login, the next message goes to the new one', async () => {
    const { doctor, physicianId, patient, threadId, doctorLive, patientLive } = await pair();
    const successor = await makeStaff(s, 'doctor');
    const admin = await makeStaff(s, 'admin');
    const successorLive = follow(successor.accessToken);
    await successorLive.started();
    try {
      const send = (text: string) => s.rest('POST', `/chat/threads/${threadId}/messages`, { text }, patient.accessToken);
      s.clock.advance(1_000);
      const first = await send('Before the change');
      expect(first.status).toBe(200);
      await arrive(() => expect(doctorLive.events.map((e) => e.data.message?.text)).toContain('Before the change'));

      // The clinic's admin links the physician to another doctor's login (the first doctor left).
      const relinked = await s.rest('PATCH', `/admin/physicians/${physicianId}`, { patch: { userId: successor.userId } }, admin.accessToken);
      expect(relinked.status, JSON.stringify(relinked.body)).toBe(200);

      s.clock.advance(1_000);
      const second = await send('After the change');
      expect(second.status).toBe(200);
      await arrive(() => expect(successorLive.events.map((e) => e.data.message?.text)).toContain('After the change'));
      const stored = await s.database.cols.chatMessages.findOne({ _id: new ObjectId(second.body.id as string) });
      expect(stored?.recipientId?.toHexString()).toBe(successor.userId);
      // The former doctor is no longer in the thread, at once: not found, and the new message never reached them.
      expect((await s.rest('GET', `/chat/threads/${threadId}/messages`, undefined, doctor.accessToken)).status).toBe(404);
      expect((await s.rest('POST', `/chat/threads/${threadId}/messages`, { text: 'still here?' }, doctor.accessToken)).status).toBe(404);
      expect(doctorLive.events.map((e) => e.data.message?.text)).not.toContain('After the change');
      // The new doctor reads the history and answers.
      const history = await s.rest('GET', `/chat/threads/${threadId}/messages`, undefined, successor.accessToken);
      expect(history.body.items.map((m: { text: string }) => m.text)).toEqual(['After the change', 'Before the change']);
      expect((await s.rest('POST', `/chat/threads/${threadId}/messages`, { text: 'I am your new doctor.' }, successor.accessToken)).status).toBe(200);
      await arrive(() => expect(patientLive.events.map((e) => e.data.message?.text)).toContain('I am your new doctor.'));
    } finally {
      doctorLive.stop();
      patientLive.stop();
      successorLive.stop();
    }
  });
});

describe('chat rate limits with the Redis bus', () => {
  it('two processes share a user’s windows in Redis: the sixth message in a second is refused whichever process takes it, the next second is open', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    // Two buses, as two server processes have, and one deployment's namespace.
    const [one, two] = [await createRedisBus(url), await createRedisBus(url)];
    try {
      const second = 1_900_000_000_000;
      let now = second + 100;
      const clock = () => new Date(now);
      const namespace = `test_${randomBytes(6).toString('hex')}`;
      const limits = [
        { max: 5, windowSeconds: 1 },
        { max: 60, windowSeconds: 60 },
      ];
      const [a, b] = [createCounterRateLimiter(one.counters!, clock, namespace), createCounterRateLimiter(two.counters!, clock, namespace)];
      const user = new ObjectId().toHexString();
      for (let i = 0; i < 5; i++) await (i % 2 ? b : a).hitAll('chat-send', user, limits);
      const refused = await b.hitAll('chat-send', user, limits).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe('RATE_LIMITED');
      // Another user is not affected; the next second is open again on either process.
      await a.hitAll('chat-send', new ObjectId().toHexString(), limits);
      now = second + 1_000;
      await a.hitAll('chat-send', user, limits);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
