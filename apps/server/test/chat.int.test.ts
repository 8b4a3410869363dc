import { randomUUID } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ObjectId } from '@clinic/db';
import { createClinicClient, type ClinicClient, type RouterOutputs } from '@clinic/sdk';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

type Delivered = RouterOutputs['chat']['onEvent'] extends AsyncIterable<infer T> ? T : never;
type User = { userId: string; accessToken: string; email: string | null };

/** Waits for what a user would see to arrive; bounded, so a missing event fails the test instead of hanging it. */
const arrive = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

let s: TestServer;
let doctor: User;
let physician: string;
let doctorB: User;
let staff: User;
let patients: User[];
let slots = 0;
/** Database commands as `<command> <collection>`, while `commands` is an array (see the round-trip test). */
let commands: string[] | null = null;

function sdk(token: () => string | null, transport: 'ws' | 'sse'): ClinicClient {
  return createClinicClient({ baseUrl: s.baseUrl, getAccessToken: token, ...(transport === 'ws' ? { webSocket: { retryDelayMs: () => 50 } } : { EventSource }) });
}

/** The patient books the next free half hour of the physician (any status counts as having met), 08:00 to 12:00. */
async function book(physicianId: string, patient: User) {
  const n = slots++;
  const start = dubai(dubaiDate(3 + Math.floor(n / 5)), `${String(8 + (n % 5)).padStart(2, '0')}:00`);
  const res = await s.rest('POST', '/appointments', { physicianId, start: start.toISOString(), reason: 'Check-up' }, patient.accessToken);
  if (res.status !== 200) throw new Error(`booking failed: ${JSON.stringify(res.body)}`);
}

/** A doctor account linked to a new physician of the server's clinic (or `clinic`). */
async function makeDoctor(clinic?: Awaited<ReturnType<typeof insertSecondClinic>>) {
  const user = clinic ? await makeClinicStaff(s, clinic._id, 'doctor') : await makeStaff(s, 'doctor');
  const created = await createPhysician(s, { userId: user.userId, fullName: `Dr. Salma ${new ObjectId().toHexString().slice(-4)}`, ...(clinic ? { clinic } : {}) });
  return { user, physicianId: created.id };
}

function follow(client: ClinicClient, input: { lastEventId?: string } = {}) {
  const events: Delivered[] = [];
  const errors: unknown[] = [];
  let started = false;
  const sub = client.chat.onEvent.subscribe(input, {
    onStarted: () => void (started = true),
    onData: (e) => void events.push(e),
    onError: (err) => void errors.push(err),
  });
  return { events, errors, kinds: () => events.map((e) => e.data.kind), started: () => arrive(() => expect(started).toBe(true)), stop: () => sub.unsubscribe() };
}

async function openThread(patient: User, physicianId: string): Promise<string> {
  const res = await s.rest('POST', '/chat/threads', { physicianId }, patient.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id as string;
}

const send = (threadId: string, token: string, text: string, clientMessageId?: string) =>
  s.rest('POST', `/chat/threads/${threadId}/messages`, { text, ...(clientMessageId ? { clientMessageId } : {}) }, token);

beforeAll(async () => {
  s = await startTestServer({ monitorCommands: true });
  s.database.client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    commands?.push(`${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
  });
  const second = await insertSecondClinic(s);
  ({ user: doctor, physicianId: physician } = await makeDoctor());
  ({ user: doctorB } = await makeDoctor(second));
  staff = await makeStaff(s, 'staff');
  patients = await makePatients(s, 5);
  await book(physician, patients[0]!);
  await book(physician, patients[2]!);
  await book(physician, patients[3]!);
}, 60_000);
afterAll(() => s?.close());

describe('patient–doctor chat', () => {
  it('a patient with an appointment opens a thread and writes; the doctor hears it live (WebSocket), the patient hears delivered and read (SSE); a retry is the same message', async () => {
    const [patient] = patients as [User];
    const doctorLive = follow(sdk(() => doctor.accessToken, 'ws'));
    const patientLive = follow(sdk(() => patient.accessToken, 'sse'));
    await doctorLive.started();
    await patientLive.started();

    const threadId = await openThread(patient, physician);
    // Opening again, from either side, is the same thread.
    expect(await openThread(patient, physician)).toBe(threadId);
    const byDoctor = await s.rest('POST', '/chat/threads', { patientId: patient.userId }, doctor.accessToken);
    expect(byDoctor.status).toBe(200);
    expect(byDoctor.body.id).toBe(threadId);

    const clientMessageId = randomUUID();
    const sent = await send(threadId, patient.accessToken, 'Is it fine to take ibuprofen before the visit?', clientMessageId);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).toMatchObject({ threadId, clientMessageId, sender: 'patient', senderId: patient.userId, text: 'Is it fine to take ibuprofen before the visit?' });

    await arrive(() => expect(doctorLive.kinds()).toContain('message'));
    const live = doctorLive.events.find((e) => e.data.kind === 'message')!.data;
    expect(live.message).toMatchObject({ id: sent.body.id, text: 'Is it fine to take ibuprofen before the visit?', sender: 'patient' });

    // The app retries (say the answer was lost): the same message, nothing duplicated, no second live event.
    const retry = await send(threadId, patient.accessToken, 'Is it fine to take ibuprofen before the visit?', clientMessageId);
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(sent.body.id);
    expect(await s.database.cols.chatMessages.countDocuments({ threadId: new ObjectId(threadId) })).toBe(1);

    // The doctor's app received it: the patient hears it was delivered; then the doctor reads it.
    await arrive(() => expect(patientLive.kinds()).toContain('delivered'));
    const read = await s.rest('POST', `/chat/threads/${threadId}/read`, { upTo: sent.body.id }, doctor.accessToken);
    expect(read.status).toBe(200);
    expect(read.body.updated).toBe(1);
    await arrive(() => expect(patientLive.kinds()).toContain('read'));
    const readEvent = patientLive.events.find((e) => e.data.kind === 'read')!.data;
    expect(readEvent).toMatchObject({ threadId, upTo: sent.body.id, by: doctor.userId });
    expect(doctorLive.kinds().filter((k) => k === 'message')).toHaveLength(1);

    // The reply reaches the patient live, and the history shows both with their marks.
    const reply = await send(threadId, doctor.accessToken, 'Yes, that is fine.');
    expect(reply.status).toBe(200);
    // Each participant's stream carries both sides' messages (the sender's other devices follow the thread too).
    await arrive(() =>
      expect(patientLive.events.filter((e) => e.data.kind === 'message').map((e) => [e.data.message?.sender, e.data.message?.text])).toEqual([
        ['patient', 'Is it fine to take ibuprofen before the visit?'],
        ['doctor', 'Yes, that is fine.'],
      ]),
    );
    const history = await s.rest('GET', `/chat/threads/${threadId}/messages`, undefined, patient.accessToken);
    expect(history.body.items.map((m: any) => [m.sender, m.text, m.deliveredAt !== null, m.readAt !== null])).toEqual([
      ['doctor', 'Yes, that is fine.', true, false],
      ['patient', 'Is it fine to take ibuprofen before the visit?', true, true],
    ]);
    expect(doctorLive.errors).toEqual([]);
    expect(patientLive.errors).toEqual([]);
    doctorLive.stop();
    patientLive.stop();
  });

  it('REST: GET /api/v1/chat/events streams the same events (server-sent), from the position it gave; staff get 403', async () => {
    const [patient] = patients as [User];
    const threadId = await openThread(patient, physician);
    const at = await s.rest('GET', '/chat/events', undefined, patient.accessToken);
    expect(at.status).toBe(200);
    expect(at.body.lastEventId).toMatch(/^\d+$/);
    expect((await s.rest('GET', '/chat/events', undefined, staff.accessToken)).status).toBe(403);
    expect((await s.rest('GET', '/chat/events?lastEventId=x', undefined, patient.accessToken)).status).toBe(400);

    const got: { id: string; kind: string; data: any }[] = [];
    let open = false;
    const es = new EventSource(`${s.baseUrl}/api/v1/chat/events`, {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, authorization: `Bearer ${patient.accessToken}`, 'last-event-id': at.body.lastEventId } }),
    });
    es.addEventListener('open', () => void (open = true));
    for (const kind of ['message', 'delivered', 'read', 'resync']) es.addEventListener(kind, (e) => void got.push({ id: e.lastEventId, kind, data: JSON.parse(e.data) }));
    try {
      await arrive(() => expect(open).toBe(true));
      s.clock.advance(1_000);
      const reply = await send(threadId, doctor.accessToken, 'Please bring your latest blood test.');
      expect(reply.status).toBe(200);
      await arrive(() => expect(got.filter((e) => e.kind === 'message').map((e) => e.data.message.text)).toEqual(['Please bring your latest blood test.']));
      expect(got[0]!.data).toMatchObject({ threadId, message: { id: reply.body.id, sender: 'doctor' } });
      expect(Number(got[0]!.id)).toBeGreaterThan(Number(at.body.lastEventId));
    } finally {
      es.close();
    }
  });

  it('lists threads by last message, newest first, with unread counts', async () => {
    const [first, , second] = patients as [User, User, User];
    const a = await openThread(first, physician);
    const b = await openThread(second, physician);
    expect((await send(b, second.accessToken, 'Hello doctor')).status).toBe(200);
    s.clock.advance(1_000);
    expect((await send(b, second.accessToken, 'Are you there?')).status).toBe(200);
    let list = await s.rest('GET', '/chat/threads', undefined, doctor.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.items.slice(0, 2).map((t: any) => [t.id, t.unread, t.lastMessage?.preview])).toEqual([
      [b, 2, 'Are you there?'],
      [a, 0, 'Please bring your latest blood test.'],
    ]);

    s.clock.advance(1_000);
    const last = await send(a, first.accessToken, 'One more question');
    list = await s.rest('GET', '/chat/threads', undefined, doctor.accessToken);
    expect(list.body.items.map((t: any) => [t.id, t.unread])).toEqual([
      [a, 1],
      [b, 2],
    ]);
    // The patient's own list: one thread, the doctor's two replies unread.
    const mine = await s.rest('GET', '/chat/threads', undefined, first.accessToken);
    expect(mine.body.items.map((t: any) => [t.id, t.unread, t.physicianId])).toEqual([[a, 2, physician]]);

    expect((await s.rest('POST', `/chat/threads/${a}/read`, { upTo: last.body.id }, doctor.accessToken)).body.updated).toBe(1);
    list = await s.rest('GET', '/chat/threads', undefined, doctor.accessToken);
    expect(list.body.items.map((t: any) => t.unread)).toEqual([0, 2]);
  });

  it('pages the history newest first by cursor; it is in the database, so it survives signing out and in', async () => {
    const patient = patients[3]!;
    const threadId = await openThread(patient, physician);
    const texts = Array.from({ length: 25 }, (_, i) => `message ${i + 1}`);
    for (const [i, text] of texts.entries()) {
      // A second apart: a patient typing, within the per-second limit.
      s.clock.advance(1_000);
      expect((await send(threadId, i % 2 ? doctor.accessToken : patient.accessToken, text)).status).toBe(200);
    }
    const seen: string[] = [];
    let before: string | null = null;
    const pages: number[] = [];
    do {
      const res = await s.rest('GET', `/chat/threads/${threadId}/messages?limit=10${before ? `&before=${before}` : ''}`, undefined, patient.accessToken);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      pages.push(res.body.items.length);
      seen.push(...res.body.items.map((m: any) => m.text));
      before = res.body.nextBefore;
    } while (before);
    expect(pages).toEqual([10, 10, 5]);
    expect(seen).toEqual([...texts].reverse());

    const logout = await s.rest('POST', '/auth/login', { email: patient.email, password: 'patient-pass-1' });
    expect((await s.rest('POST', '/auth/logout', { refreshToken: logout.body.refreshToken })).status).toBeLessThan(300);
    const again = await s.rest('POST', '/auth/login', { email: patient.email, password: 'patient-pass-1' });
    const after = await s.rest('GET', `/chat/threads/${threadId}/messages?limit=100`, undefined, again.body.accessToken);
    expect(after.body.items).toHaveLength(25);
    expect((await s.rest('GET', `/chat/threads/${threadId}/messages?limit=101`, undefined, patient.accessToken)).status).toBe(400);
  });

  it('only the two participants reach a thread: others get 404; a patient without an appointment is refused (403)', async () => {
    const [patient, stranger] = patients as [User, User];
    const threadId = await openThread(patient, physician);
    // The physician is in the public catalogue, so refusing says nothing secret: 403, naming the rule.
    const noAppointment = await s.rest('POST', '/chat/threads', { physicianId: physician }, stranger.accessToken);
    expect(noAppointment.status).toBe(403);
    expect(noAppointment.body.data.appCode).toBe('FORBIDDEN');
    // A doctor naming someone who is not their patient: not found, as an id never stored.
    expect((await s.rest('POST', '/chat/threads', { patientId: stranger.userId }, doctor.accessToken)).status).toBe(404);
    expect((await s.rest('POST', '/chat/threads', { patientId: patient.userId }, doctorB.accessToken)).status).toBe(404);
    expect((await s.rest('POST', '/chat/threads', { physicianId: physician }, staff.accessToken)).status).toBe(403);
    expect((await s.rest('POST', '/chat/threads', { physicianId: physician, patientId: patient.userId }, patient.accessToken)).status).toBe(400);

    const someMessage = (await s.rest('GET', `/chat/threads/${threadId}/messages`, undefined, patient.accessToken)).body.items[0].id as string;
    const before = await s.database.cols.chatMessages.find({ threadId: new ObjectId(threadId) }).sort({ _id: 1 }).toArray();
    for (const other of [stranger, doctorB, staff]) {
      for (const [method, path, body] of [
        ['GET', `/chat/threads/${threadId}/messages`, undefined],
        ['POST', `/chat/threads/${threadId}/messages`, { text: 'let me in' }],
        ['POST', `/chat/threads/${threadId}/read`, { upTo: someMessage }],
        ['POST', `/chat/threads/${threadId}/delivered`, { upTo: someMessage }],
      ] as const) {
        const res = await s.rest(method, path, body, other.accessToken);
        expect(res.status, `${other.email} ${method} ${path}`).toBe(404);
        expect(JSON.stringify(res.body)).not.toContain('ibuprofen');
      }
      const list = await s.rest('GET', '/chat/threads', undefined, other.accessToken);
      expect(list.status === 403 || !JSON.stringify(list.body).includes(threadId)).toBe(true);
    }
    expect(await s.database.cols.chatMessages.find({ threadId: new ObjectId(threadId) }).sort({ _id: 1 }).toArray()).toEqual(before);
  });

  it('refuses a text over 4,000 characters (400 naming text), storing nothing; 4,000 is fine', async () => {
    const patient = patients[2]!;
    const threadId = await openThread(patient, physician);
    const count = () => s.database.cols.chatMessages.countDocuments({ threadId: new ObjectId(threadId) });
    const before = await count();
    const long = await send(threadId, patient.accessToken, 'x'.repeat(4_001));
    expect(long.status).toBe(400);
    expect(Object.keys(long.body.data.fieldErrors)).toContain('text');
    expect((await send(threadId, patient.accessToken, '   ')).status).toBe(400);
    expect(await count()).toBe(before);
    s.clock.advance(1_000);
    expect((await send(threadId, patient.accessToken, 'y'.repeat(4_000))).status).toBe(200);
  });

  it('limits a user to 5 messages a second: 429 with Retry-After, the refused ones not stored', async () => {
    const patient = patients[3]!;
    const threadId = await openThread(patient, physician);
    s.clock.advance(2_000);
    const count = () => s.database.cols.chatMessages.countDocuments({ threadId: new ObjectId(threadId) });
    const before = await count();
    // 31 at once: spread over up to six one-second windows (five seconds, far more than they take), some window gets more than 5.
    const results = await Promise.all(Array.from({ length: 31 }, (_, i) => send(threadId, patient.accessToken, `burst ${i}`)));
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.body.data.appCode).toBe('RATE_LIMITED');
    expect(await count()).toBe(before + results.filter((r) => r.status === 200).length);
  });

  it('limits a user to 60 messages a minute, counted beside the per-second window: 429 with the minute as Retry-After', async () => {
    const [patient] = await makePatients(s, 1);
    await book(physician, patient!);
    const threadId = await openThread(patient!, physician);
    // From just after the start of a minute: 12 seconds of 5 messages each, within the per-second limit.
    s.clock.set(new Date(Math.ceil((s.clock.now().getTime() + 1_000) / 60_000) * 60_000 + 50));
    for (let second = 0; second < 12; second++) {
      for (let i = 0; i < 5; i++) expect((await send(threadId, patient!.accessToken, `m ${second}.${i}`)).status).toBe(200);
      s.clock.advance(1_000);
    }
    const refused = await send(threadId, patient!.accessToken, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.body.data.appCode).toBe('RATE_LIMITED');
    // The minute's end, not the second's.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(10);
    expect(await s.database.cols.chatMessages.countDocuments({ threadId: new ObjectId(threadId) })).toBe(60);
    s.clock.advance(60_000);
    expect((await send(threadId, patient!.accessToken, 'the next minute')).status).toBe(200);
  });

  it('round trips: a message reads nothing (thread, physician, clinic and rate-limit windows from memory), and the delivered mark reads no thread', async () => {
    const { user: doc, physicianId } = await makeDoctor();
    const [patient] = await makePatients(s, 1);
    await book(physicianId, patient!);
    const threadId = await openThread(patient!, physicianId);
    const doctorLive = follow(sdk(() => doc.accessToken, 'ws'));
    const patientLive = follow(sdk(() => patient!.accessToken, 'ws'));
    await doctorLive.started();
    await patientLive.started();
    const chatCollections = ['rate_limits', 'chat_threads', 'chat_messages', 'physicians', 'clinics', 'events'];
    const tally = (list: string[]) =>
      Object.fromEntries(Object.entries(list.filter((c) => chatCollections.includes(c.split(' ')[1] ?? '')).reduce<Record<string, number>>((m, c) => ((m[c] = (m[c] ?? 0) + 1), m), {})).sort());
    /** The commands of one send, its live events and the delivered mark they cause, until the sender hears it. */
    async function exchange(token: string) {
      s.clock.advance(1_000);
      commands = [];
      const sent = await send(threadId, token, 'How are you feeling today?');
      expect(sent.status).toBe(200);
      // The delivered mark reaches the sender's stream.
      const senderLive = token === doc.accessToken ? doctorLive : patientLive;
      await arrive(() => expect(senderLive.events.some((e) => e.data.kind === 'delivered' && e.data.upTo === sent.body.id)).toBe(true));
      await new Promise((r) => setTimeout(r, 200));
      const seen = tally(commands);
      commands = null;
      return seen;
    }
    try {
      // The first of each stream in this process reads its tail; the second is the steady state.
      await exchange(patient!.accessToken);
      await exchange(doc.accessToken);
      // Command by command, with what came before: chat-roundtrips.int.test.ts.
      const common = {
        'insert chat_messages': 1,
        'update chat_threads': 1,
        // The message's event, one insert for both participants' streams (2 before `appendMany`), and the delivered mark's, in the sender's.
        'insert events': 2,
        'update chat_messages': 1,
      };
      expect(await exchange(patient!.accessToken)).toEqual(common);
      // REST reads a doctor's clinic on every request (is it suspended?), where a WebSocket does once.
      expect(await exchange(doc.accessToken)).toEqual({ ...common, 'find clinics': 1 });
    } finally {
      commands = null;
      doctorLive.stop();
      patientLive.stop();
    }
  });

  it('stores the text encrypted: neither the message, the thread nor the event holds it in the clear', async () => {
    const patient = patients[0]!;
    const threadId = await openThread(patient, physician);
    s.clock.advance(2_000);
    const secret = `my blood sugar was 9.4 this morning ${randomUUID()}`;
    const sent = await send(threadId, patient.accessToken, secret);
    expect(sent.status).toBe(200);
    const raw = await s.database.db.collection('chat_messages').findOne({ _id: new ObjectId(sent.body.id as string) });
    expect(raw).not.toBeNull();
    expect(JSON.stringify(raw)).not.toContain('blood sugar');
    expect(raw!.text).toMatchObject({ v: 1, iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
    expect(JSON.stringify(await s.database.db.collection('chat_threads').findOne({ _id: new ObjectId(threadId) }))).not.toContain('blood sugar');
    expect(JSON.stringify(await s.database.db.collection('events').find({}).toArray())).not.toContain('blood sugar');
    // Decrypted on read, for the participants.
    const list = await s.rest('GET', '/chat/threads', undefined, patient.accessToken);
    expect(list.body.items.find((t: any) => t.id === threadId).lastMessage.preview).toBe(secret);
  });

  it('a message unread for 2 minutes gets the recipient one email without its text; a second one within 15 minutes gets none', async () => {
    const { user: quietDoctor, physicianId } = await makeDoctor();
    const patient = patients[4]!;
    await book(physicianId, patient);
    // From the start of a 15-minute window, so both sweeps fall in the same one; signed in again at that time.
    const windowMs = 15 * 60_000;
    s.clock.set(new Date(Math.ceil((Date.now() + windowMs) / windowMs) * windowMs + 5_000));
    const token = (await s.rest('POST', '/auth/login', { email: patient.email, password: 'patient-pass-1' })).body.accessToken as string;
    const threadId = await openThread({ ...patient, accessToken: token }, physicianId);
    // What earlier tests left unread falls due now; its notices go out first, to others.
    await s.services.chat.sweepUnread();

    const text = 'Private: the rash has spread to my arms';
    expect((await send(threadId, token, text)).status).toBe(200);
    // Not yet two minutes: nothing.
    s.clock.advance(60_000);
    await s.services.chat.sweepUnread();
    expect(s.inbox.count(quietDoctor.email!)).toBe(0);

    s.clock.advance(70_000);
    await s.services.chat.sweepUnread();
    const mails = s.inbox.mails.filter((m) => m.to.includes(quietDoctor.email!.toLowerCase()));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain('new message from Patient 4');
    expect(mails[0]!.text).toContain('open the app to read it');
    expect(mails[0]!.raw).not.toContain('rash');

    // Another message, unread 2 minutes later, within the same 15 minutes: no second email.
    expect((await send(threadId, token, 'Also a fever')).status).toBe(200);
    s.clock.advance(130_000);
    await s.services.chat.sweepUnread();
    expect(s.inbox.count(quietDoctor.email!)).toBe(1);
  });
});
