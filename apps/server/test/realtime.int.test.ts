import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AGENDA_EVENT_KINDS, EVENT_RETENTION, createEventStore, createInProcessBus, type AgendaEvent, type StoredEvent } from '@clinic/api';
import { ObjectId } from '@clinic/db';
import { createClinicClient, isClinicError, type ClinicClient, type RouterOutputs } from '@clinic/sdk';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff, workingDaySlots } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

type Delivered = RouterOutputs['agenda']['onChange'] extends AsyncIterable<infer T> ? T : never;

/** Waits for what a user would see to arrive; bounded, so a missing event fails the test instead of hanging it. */
const arrive = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

let s: TestServer;
let physicianA: string;
let physicianA2: string;
let physicianB: string;
let staffA: { accessToken: string };
let patients: { accessToken: string; userId: string }[];
let day: string;
/** Every booking takes the next free half hour of the working day. */
const nextSlot = workingDaySlots(3);

beforeAll(async () => {
  s = await startTestServer();
  const second = await insertSecondClinic(s);
  physicianA = (await createPhysician(s)).id;
  physicianA2 = (await createPhysician(s)).id;
  physicianB = (await createPhysician(s, { clinic: second })).id;
  staffA = await makeStaff(s, 'staff');
  patients = await makePatients(s, 3);
  day = dubaiDate(3);
});
afterAll(() => s?.close());

function sdk(token: () => string | null, transport: 'ws' | 'sse'): ClinicClient {
  return createClinicClient({
    baseUrl: s.baseUrl,
    getAccessToken: token,
    ...(transport === 'ws' ? { webSocket: { retryDelayMs: () => 50 } } : { EventSource }),
  });
}

/** A patient books the next free hour of `physicianId` on the test day over REST; returns the appointment id. */
async function book(physicianId: string, patient = patients[0]!): Promise<string> {
  const res = await s.rest('POST', '/appointments', { physicianId, start: nextSlot().toISOString(), reason: 'Check-up' }, patient.accessToken);
  if (res.status !== 200) throw new Error(`booking failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Follows the agenda through the SDK; `events` fills as they arrive. */
function follow(client: ClinicClient, input: { physicianId?: string; date?: string; lastEventId?: string } = {}) {
  const events: Delivered[] = [];
  const errors: unknown[] = [];
  let started = false;
  const sub = client.agenda.onChange.subscribe(input, {
    onStarted: () => void (started = true),
    onData: (e) => void events.push(e),
    onError: (err) => void errors.push(err),
  });
  return {
    events,
    errors,
    ids: () => events.map((e) => e.data.appointment?.id),
    started: () => arrive(() => expect(started).toBe(true)),
    stop: () => sub.unsubscribe(),
  };
}

describe('the live agenda through the SDK', () => {
  it.each(['ws', 'sse'] as const)("over %s, staff hear of bookings at their clinic and never of another clinic's", async (transport) => {
    const live = follow(sdk(() => staffA.accessToken, transport), { date: day });
    await live.started();

    const first = await book(physicianA);
    await arrive(() => expect(live.ids()).toEqual([first]));
    const [booked] = live.events;
    expect(booked!.data.kind).toBe('booked');
    expect(booked!.data.appointment).toMatchObject({ id: first, physicianId: physicianA, patient: { name: expect.any(String) } });
    expect(booked!.data.appointment!.start.slice(0, 10)).toBe(day);

    // A booking at the other clinic, then one at this clinic: only this clinic's arrives, in order.
    await book(physicianB, patients[1]);
    const second = await book(physicianA2, patients[1]);
    await arrive(() => expect(live.ids()).toEqual([first, second]));
    expect(live.errors).toEqual([]);
    live.stop();
  });

  it('tells of each change of a booking: moved, cancelled', async () => {
    const live = follow(sdk(() => staffA.accessToken, 'ws'), { physicianId: physicianA });
    await live.started();
    const id = await book(physicianA, patients[2]);
    const moveTo = nextSlot();
    expect((await s.rest('POST', `/appointments/${id}/reschedule`, { start: moveTo.toISOString() }, staffA.accessToken)).status).toBe(200);
    expect((await s.rest('POST', `/appointments/${id}/cancel`, { reason: 'Travelling' }, staffA.accessToken)).status).toBe(200);

    await arrive(() => expect(live.events.map((e) => e.data.kind)).toEqual(['booked', 'moved', 'cancelled']));
    const moved = live.events[1]!.data;
    expect(new Date(moved.appointment!.start).getTime()).toBe(moveTo.getTime());
    expect(moved.previousStart).toBe(live.events[0]!.data.appointment!.start);
    expect(live.events[2]!.data.appointment!.status).toBe('cancelled');
    live.stop();
  });

  it('tells of the desk and the money: confirmed, paid, checked in, completed', async () => {
    const admin = await makeStaff(s, 'admin');
    const physician = (await createPhysician(s)).id;
    const live = follow(sdk(() => staffA.accessToken, 'sse'), { physicianId: physician });
    await live.started();
    await s.services.clinic.updatePolicies({ paymentRequired: true });
    try {
      const atDesk = await book(physician, patients[0]);
      const online = await book(physician, patients[1]);
      expect((await s.rest('POST', `/appointments/${atDesk}/confirm`, {}, staffA.accessToken)).status).toBe(200);
      // The last step of a Stripe payment (the webhook's): the money arrived for the booking.
      expect(await s.services.appointments.confirmPaid(new ObjectId(online))).toBe('confirmed');
      expect((await s.rest('POST', `/appointments/${online}/check-in`, {}, staffA.accessToken)).status).toBe(200);
      expect((await s.rest('POST', `/appointments/${online}/complete`, {}, admin.accessToken)).status).toBe(200);
      await arrive(() =>
        expect(live.events.map((e) => [e.data.kind, e.data.appointment?.id, e.data.appointment?.status])).toEqual([
          ['booked', atDesk, 'pending_payment'],
          ['booked', online, 'pending_payment'],
          ['confirmed', atDesk, 'confirmed'],
          ['paid', online, 'confirmed'],
          ['checked_in', online, 'checked_in'],
          ['completed', online, 'completed'],
        ]),
      );
    } finally {
      await s.services.clinic.updatePolicies({ paymentRequired: false });
      live.stop();
    }
  });

  it("tells of the job sweep's own changes: an unpaid hold expired, a booking nobody checked in a no-show", async () => {
    const physician = (await createPhysician(s)).id;
    const live = follow(sdk(() => staffA.accessToken, 'ws'), { physicianId: physician });
    await live.started();
    await s.services.clinic.updatePolicies({ paymentRequired: true });
    let advanced = 0;
    try {
      const unpaid = await book(physician, patients[0]);
      const seen = await book(physician, patients[1]);
      expect((await s.rest('POST', `/appointments/${seen}/confirm`, {}, staffA.accessToken)).status).toBe(200);
      const start = (await s.database.cols.appointments.findOne({ _id: new ObjectId(seen) }))!.startsAt;
      // Past the later booking's start and the no-show delay: the hold is long gone too.
      advanced = start.getTime() + 60 * 60_000 - s.clock.now().getTime();
      s.clock.advance(advanced);
      await s.services.jobs.runDue();
      await arrive(() =>
        expect(live.events.map((e) => [e.data.kind, e.data.appointment?.id, e.data.appointment?.status])).toEqual([
          ['booked', unpaid, 'pending_payment'],
          ['booked', seen, 'pending_payment'],
          ['confirmed', seen, 'confirmed'],
          ['expired', unpaid, 'expired'],
          ['no_show', seen, 'no_show'],
        ]),
      );
    } finally {
      s.clock.advance(-advanced);
      await s.services.clinic.updatePolicies({ paymentRequired: false });
      live.stop();
    }
  });

  it("a day's subscription carries that day's counts by status, for a physician and for the clinic: booked → confirmed → cancelled, moved away", async () => {
    const physician = (await createPhysician(s)).id;
    // A day no other test books (they use days 3 to 5), so the clinic's counts are this test's alone.
    const date = dubaiDate(25);
    const at = (time: string) => dubai(date, time).toISOString();
    const zero = { pending_payment: 0, confirmed: 0, checked_in: 0, completed: 0, cancelled: 0, no_show: 0, expired: 0 };
    await s.services.clinic.updatePolicies({ paymentRequired: true });
    try {
      const bookAt = async (start: string, patient: { accessToken: string }) => {
        const res = await s.rest('POST', '/appointments', { physicianId: physician, start, reason: 'Check-up' }, patient.accessToken);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.id as string;
      };
      const earlier = await bookAt(at('09:00'), patients[0]!);
      // Another day: not counted.
      await bookAt(dubai(dubaiDate(26), '09:00').toISOString(), patients[1]!);

      const own = follow(sdk(() => staffA.accessToken, 'ws'), { physicianId: physician, date });
      const clinicWide = follow(sdk(() => staffA.accessToken, 'sse'), { date });
      await own.started();
      await clinicWide.started();

      const id = await bookAt(at('10:00'), patients[2]!);
      expect((await s.rest('POST', `/appointments/${id}/confirm`, {}, staffA.accessToken)).status).toBe(200);
      expect((await s.rest('POST', `/appointments/${id}/cancel`, { reason: 'Travelling' }, staffA.accessToken)).status).toBe(200);
      // Moved to the next day: it leaves this day's counts.
      expect((await s.rest('POST', `/appointments/${earlier}/reschedule`, { start: dubai(dubaiDate(26), '11:00').toISOString() }, staffA.accessToken)).status).toBe(200);

      const expected = [
        ['booked', { ...zero, pending_payment: 2 }],
        ['confirmed', { ...zero, pending_payment: 1, confirmed: 1 }],
        ['cancelled', { ...zero, pending_payment: 1, cancelled: 1 }],
        ['moved', { ...zero, cancelled: 1 }],
      ];
      for (const live of [own, clinicWide]) {
        await arrive(() => expect(live.events.map((e) => [e.data.kind, e.data.dayCounts])).toEqual(expected));
        live.stop();
      }
    } finally {
      await s.services.clinic.updatePolicies({ paymentRequired: false });
    }
  });

  it('resumes after the last event id with exactly the events missed, then live ones', async () => {
    const client = sdk(() => staffA.accessToken, 'sse');
    const before = follow(client, { physicianId: physicianA2 });
    await before.started();
    const a = await book(physicianA2, patients[0]);
    await arrive(() => expect(before.ids()).toEqual([a]));
    before.stop();

    // Offline: two changes happen.
    const b = await book(physicianA2, patients[1]);
    const c = await book(physicianA2, patients[2]);

    const after = follow(client, { physicianId: physicianA2, lastEventId: before.events[0]!.id });
    await arrive(() => expect(after.ids()).toEqual([b, c]));
    const d = await book(physicianA2, patients[0]);
    await arrive(() => expect(after.ids()).toEqual([b, c, d]));
    // Each id follows the previous one: nothing skipped, nothing twice.
    expect(after.events.map((e) => Number(e.id))).toEqual([1, 2, 3].map((n) => Number(before.events[0]!.id) + n));
    after.stop();
  });

  it('a WebSocket the server drops reconnects by itself and delivers what happened meanwhile, once', async () => {
    const live = follow(sdk(() => staffA.accessToken, 'ws'), { physicianId: physicianA });
    await live.started();
    const a = await book(physicianA, patients[0]);
    await arrive(() => expect(live.ids()).toEqual([a]));

    for (const socket of s.app.websocketServer.clients) socket.terminate();
    const b = await book(physicianA, patients[1]);
    const c = await book(physicianA, patients[2]);
    await arrive(() => expect(live.ids()).toEqual([a, b, c]));
    expect(live.errors).toEqual([]);
    live.stop();
  });

  it('a doctor follows their own agenda; naming another physician is refused', async () => {
    const doctor = await makeStaff(s, 'doctor');
    const own = (await createPhysician(s, { userId: doctor.userId })).id;
    const client = sdk(() => doctor.accessToken, 'ws');
    const live = follow(client);
    await live.started();
    await book(physicianA, patients[0]);
    const mine = await book(own, patients[1]);
    await arrive(() => expect(live.ids()).toEqual([mine]));
    live.stop();

    const other = follow(client, { physicianId: physicianA });
    await arrive(() => expect(other.errors).toHaveLength(1));
    expect(isClinicError(other.errors[0]) && other.errors[0].data?.appCode).toBe('FORBIDDEN');
    expect(other.events).toEqual([]);
  });

  it("refuses patients (403), another clinic's physician (404) and input that is not an event id (400)", async () => {
    const patient = follow(sdk(() => patients[0]!.accessToken, 'ws'));
    const foreign = follow(sdk(() => staffA.accessToken, 'sse'), { physicianId: physicianB });
    const badId = follow(sdk(() => staffA.accessToken, 'ws'), { lastEventId: 'abc' });
    await arrive(() => expect([patient, foreign, badId].map((f) => f.errors.length)).toEqual([1, 1, 1]));
    expect(isClinicError(patient.errors[0]) && patient.errors[0].data?.appCode).toBe('FORBIDDEN');
    expect(isClinicError(foreign.errors[0]) && foreign.errors[0].data?.httpStatus).toBe(404);
    expect(isClinicError(badId.errors[0]) && badId.errors[0].data?.fieldErrors).toEqual({ lastEventId: [expect.stringMatching(/id of an event/)] });

    // Nothing of the other clinic reaches its foreign subscriber afterwards either.
    await book(physicianB, patients[2]);
    expect(foreign.events).toEqual([]);
    for (const f of [patient, foreign, badId]) f.stop();
  });
});

/** A raw WebSocket to the tRPC endpoint: the messages it got and how it closed. */
function rawSocket(query = '') {
  const ws = new WebSocket(`${s.baseUrl.replace('http', 'ws')}/trpc${query}`);
  const messages: any[] = [];
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('socket failed to open')));
  });
  ws.addEventListener('message', (e) => messages.push(typeof e.data === 'string' && e.data.startsWith('{') ? JSON.parse(e.data) : e.data));
  return { ws, messages, closed, opened };
}

describe('WebSocket connections', () => {
  it('are refused without an access token, and with one that is not valid', async () => {
    const none = rawSocket();
    // 4401: the SDK refreshes its token before it connects again.
    expect(await none.closed).toBe(4401);
    expect(none.messages[0]).toMatchObject({ id: null, error: { json: { data: { appCode: 'UNAUTHENTICATED', httpStatus: 401 } } } });

    const bad = rawSocket('?connectionParams=1');
    await bad.opened;
    bad.ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken: 'not-a-token' } }));
    expect(await bad.closed).toBe(4401);
    expect(bad.messages[0]).toMatchObject({ id: null, error: { json: { data: { appCode: 'SESSION_EXPIRED', httpStatus: 401 } } } });
  });

  it('a malformed frame closes that socket only', async () => {
    const live = follow(sdk(() => staffA.accessToken, 'ws'), { physicianId: physicianA2 });
    await live.started();

    const broken = rawSocket('?connectionParams=1');
    await broken.opened;
    broken.ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken: staffA.accessToken } }));
    broken.ws.send('{"id": 1, "method": ');
    expect(await broken.closed).toBe(1007);

    const id = await book(physicianA2, patients[0]);
    await arrive(() => expect(live.ids()).toEqual([id]));
    live.stop();
  });

  it('staff of another clinic hear of their own bookings only', async () => {
    const clinicB = (await s.database.cols.clinics.findOne({ slug: 'gulf-care-sharjah' }))!;
    const staffB = await makeClinicStaff(s, clinicB._id, 'staff');
    const live = follow(sdk(() => staffB.accessToken, 'ws'));
    await live.started();
    await book(physicianA, patients[1]);
    const theirs = await book(physicianB, patients[2]);
    await arrive(() => expect(live.ids()).toEqual([theirs]));
    live.stop();
  });
});

describe('the event store', () => {
  const stream = () => `clinic:${new ObjectId().toHexString()}:agenda`;

  it('numbers concurrent events of a stream 1, 2, 3… with none twice, also between two processes', async () => {
    // Two stores on one database, each with its own bus: two processes, whose writes only the unique index orders.
    const one = createEventStore(s.database.cols, createInProcessBus(), s.clock.now);
    const two = createEventStore(s.database.cols, createInProcessBus(), s.clock.now);
    const name = stream();
    const clinicId = new ObjectId();
    const appended = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).append(name, clinicId, 'booked', { i })));
    expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const stored = await s.database.cols.events.find({ stream: name }).toArray();
    expect(stored.map((e) => e.data.i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it(`keeps ${EVENT_RETENTION.days} days: a client back after that is told to reload, then gets what is kept`, async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const store = createEventStore(s.database.cols, createInProcessBus(), () => now);
    const name = stream();
    const clinicId = new ObjectId();
    for (let i = 1; i < EVENT_RETENTION.sweepEvery; i++) await store.append(name, clinicId, 'booked', { i });
    now = new Date(now.getTime() + (EVENT_RETENTION.days + 1) * 86_400_000);
    // The sweep runs with the stream's every `sweepEvery`-th event.
    await store.append(name, clinicId, 'cancelled', { i: EVENT_RETENTION.sweepEvery });
    await arrive(async () => expect(await s.database.cols.events.countDocuments({ stream: name })).toBe(1));

    const stop = new AbortController();
    const seen: StoredEvent[] = [];
    const following = (async () => {
      for await (const e of store.follow(name, 3, stop.signal)) seen.push(e);
    })();
    await arrive(() => expect(seen.map((e) => [e.seq, e.kind])).toEqual([[EVENT_RETENTION.sweepEvery - 1, 'resync'], [EVENT_RETENTION.sweepEvery, 'cancelled']]));
    stop.abort();
    await following;
  });
});

describe('REST: GET /api/v1/agenda/events', () => {
  /** An EventSource on the REST route, sending the token (and a Last-Event-ID) as headers. */
  function restStream(token: string, query: string, lastEventId?: string) {
    const got: { id: string; kind: string; data: AgendaEvent }[] = [];
    const es = new EventSource(`${s.baseUrl}/api/v1/agenda/events${query}`, {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }),
    });
    let open = false;
    es.addEventListener('open', () => void (open = true));
    for (const kind of [...AGENDA_EVENT_KINDS, 'resync']) es.addEventListener(kind, (e) => void got.push({ id: e.lastEventId, kind, data: JSON.parse(e.data) }));
    return { got, opened: () => arrive(() => expect(open).toBe(true)), close: () => es.close() };
  }

  it('streams the changes after the position it gave, and resumes after Last-Event-ID with exactly the missed ones', async () => {
    const physician = (await createPhysician(s)).id;
    const at = await s.rest('GET', `/agenda/events?physicianId=${physician}`, undefined, staffA.accessToken);
    expect(at).toMatchObject({ status: 200, body: { lastEventId: '0' } });

    const first = restStream(staffA.accessToken, `?physicianId=${physician}`, at.body.lastEventId);
    await first.opened();
    const a = await book(physician, patients[0]);
    await arrive(() => expect(first.got.map((e) => [e.kind, e.data.appointment?.id])).toEqual([['booked', a]]));
    first.close();

    const b = await book(physician, patients[1]);
    const c = await book(physician, patients[2]);
    const again = restStream(staffA.accessToken, `?physicianId=${physician}`, first.got[0]!.id);
    await arrive(() => expect(again.got.map((e) => e.data.appointment?.id)).toEqual([b, c]));
    expect(again.got.map((e) => e.id)).toEqual(['2', '3']);
    again.close();
  });

  it('answers 401, 403, 404 and 400 as the subscription does, in the one error shape', async () => {
    const get = (query: string, token?: string) => s.rest('GET', `/agenda/events${query}`, undefined, token);
    expect(await get('')).toMatchObject({ status: 401, body: { data: { appCode: 'UNAUTHENTICATED' } } });
    expect(await get('', patients[0]!.accessToken)).toMatchObject({ status: 403, body: { data: { appCode: 'FORBIDDEN' } } });
    expect(await get(`?physicianId=${physicianB}`, staffA.accessToken)).toMatchObject({ status: 404, body: { data: { appCode: 'NOT_FOUND' } } });
    const bad = await get('?lastEventId=x&color=red', staffA.accessToken);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors).sort()).toEqual(['color', 'lastEventId']);
  });
});

// Last: it moves the server's clock past every access token signed so far.
describe('an access token that expired while the app was away', () => {
  it('is refreshed by the SDK before the WebSocket connects, once, and the agenda follows', async () => {
    const staff = await makeStaff(s, 'staff');
    const login = await s.rest('POST', '/auth/login', { email: staff.email, password: 'staff-pass-123' });
    const store = { access: login.body.accessToken as string, refresh: login.body.refreshToken as string, refreshed: 0 };
    const client = createClinicClient({
      baseUrl: s.baseUrl,
      getAccessToken: () => store.access,
      getRefreshToken: () => store.refresh,
      onTokensRefreshed: (t) => {
        store.access = t.accessToken;
        store.refresh = t.refreshToken;
        store.refreshed++;
      },
      webSocket: { retryDelayMs: () => 50 },
    });
    // The server's clock says the token is stale; the device's does not (clocks disagree): the server refuses it.
    s.clock.advance(16 * 60_000);
    const patient = (await makePatients(s, 1))[0]!;
    const live = follow(client, { physicianId: physicianA });
    await live.started();
    expect(store.refreshed).toBe(1);
    const id = await book(physicianA, patient);
    await arrive(() => expect(live.ids()).toEqual([id]));
    live.stop();
  });
});
