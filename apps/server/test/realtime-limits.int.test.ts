import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClinicClient, isClinicError, type ClinicError, type RouterOutputs } from '@clinic/sdk';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

type Delivered = RouterOutputs['agenda']['onChange'] extends AsyncIterable<infer T> ? T : never;

/** Bounded waits, so a missing event fails the test instead of hanging it. */
const arrive = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 15_000, interval: 25 });

/** The server's defaults (WS_MAX_PER_USER, WS_MAX_PER_IP). */
const MAX_PER_USER = 10;
const MAX_PER_IP = 200;

let s: TestServer;
let physician: string;
let patient: { accessToken: string };
let slots = 0;

beforeAll(async () => {
  s = await startTestServer();
  physician = (await createPhysician(s)).id;
  patient = (await makePatients(s, 1))[0]!;
});
afterAll(() => s?.close());

async function book(): Promise<string> {
  const n = slots++;
  const start = dubai(dubaiDate(3 + Math.floor(n / 10)), `${String(8 + (n % 10)).padStart(2, '0')}:00`);
  const res = await s.rest('POST', '/appointments', { physicianId: physician, start: start.toISOString(), reason: 'Check-up' }, patient.accessToken);
  if (res.status !== 200) throw new Error(`booking failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** One SDK client (one WebSocket) following the physician's agenda. */
function follow(token: string) {
  const client = createClinicClient({ baseUrl: s.baseUrl, getAccessToken: () => token, webSocket: { retryDelayMs: () => 50 } });
  const events: Delivered[] = [];
  let started = false;
  const sub = client.agenda.onChange.subscribe({ physicianId: physician }, { onStarted: () => void (started = true), onData: (e) => void events.push(e) });
  return { ids: () => events.map((e) => e.data.appointment?.id), started: () => arrive(() => expect(started).toBe(true)), stop: () => sub.unsubscribe() };
}

/** A raw WebSocket; `token` is sent as tRPC's connectionParams. Resolves `closed` with the close code and reason. */
function rawSocket(token?: string) {
  const ws = new WebSocket(`${s.baseUrl.replace('http', 'ws')}/trpc?connectionParams=1`);
  const messages: any[] = [];
  let code: number | null = null;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (e) => {
      code = e.code;
      resolve({ code: e.code, reason: e.reason });
    }),
  );
  ws.addEventListener('open', () => {
    if (token) ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken: token } }));
  });
  ws.addEventListener('message', (e) => messages.push(typeof e.data === 'string' && e.data.startsWith('{') ? JSON.parse(e.data) : e.data));
  const opened = new Promise<void>((resolve) => ws.addEventListener('open', () => resolve()));
  return { ws, messages, closed, opened, isOpen: () => code === null && ws.readyState === WebSocket.OPEN };
}

const serverSockets = () => s.app.websocketServer.clients.size;

describe('connection limits', () => {
  it(`one user: socket number ${MAX_PER_USER + 1} is refused (4429) while the first ${MAX_PER_USER} deliver; closing one lets a new one in`, async () => {
    const staff = await makeStaff(s, 'staff');
    const live = Array.from({ length: MAX_PER_USER }, () => follow(staff.accessToken));
    for (const f of live) await f.started();

    const extra = rawSocket(staff.accessToken);
    const refused = await extra.closed;
    expect(refused).toEqual({ code: 4429, reason: 'too many connections' });
    expect(extra.messages[0]).toMatchObject({ id: null, error: { json: { data: { appCode: 'RATE_LIMITED', httpStatus: 429 } } } });

    // Another user is not affected.
    const other = await makeStaff(s, 'staff');
    const otherLive = follow(other.accessToken);
    await otherLive.started();

    const a = await book();
    await arrive(() => {
      for (const f of [...live, otherLive]) expect(f.ids()).toEqual([a]);
    });

    // One closes: a new socket of the same user is let in and delivers.
    live[0]!.stop();
    await arrive(() => expect(serverSockets()).toBe(MAX_PER_USER));
    const again = follow(staff.accessToken);
    await again.started();
    const b = await book();
    await arrive(() => {
      for (const f of [...live.slice(1), again]) expect(f.ids()).toContain(b);
    });

    for (const f of [...live.slice(1), again, otherLive]) f.stop();
    await arrive(() => expect(serverSockets()).toBe(0));
  });

  it(`one user: WebSockets and SSE streams share the cap: at ${MAX_PER_USER} sockets, an SSE stream (tRPC's or REST's) is refused 429; closing a socket lets it in`, async () => {
    await arrive(() => expect(serverSockets()).toBe(0));
    const staff = await makeStaff(s, 'staff');
    const live = Array.from({ length: MAX_PER_USER }, () => follow(staff.accessToken));
    for (const f of live) await f.started();

    /** A server-sent event stream as EventSource asks for one; its status and, when refused, its body. */
    const sse = async (path: string) => {
      const stop = new AbortController();
      const res = await fetch(`${s.baseUrl}${path}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${staff.accessToken}` }, signal: stop.signal });
      const body = res.status === 200 ? null : await res.json();
      return { status: res.status, body, close: () => stop.abort() };
    };
    const trpcPath = `/trpc/agenda.onChange?input=${encodeURIComponent(JSON.stringify({ json: { physicianId: physician } }))}`;
    const restPath = `/api/v1/agenda/events?physicianId=${physician}`;

    const trpcRefused = await sse(trpcPath);
    expect(trpcRefused.status).toBe(429);
    expect(trpcRefused.body).toMatchObject({ error: { json: { message: expect.stringContaining(`${MAX_PER_USER}`), data: { appCode: 'RATE_LIMITED', httpStatus: 429 } } } });
    const restRefused = await sse(restPath);
    expect(restRefused.status).toBe(429);
    expect(restRefused.body).toMatchObject({ message: expect.stringContaining(`${MAX_PER_USER}`), data: { appCode: 'RATE_LIMITED', httpStatus: 429 } });

    // A socket closes: one SSE stream is let in, and then it holds the place (a new socket is refused).
    live[0]!.stop();
    await arrive(() => expect(serverSockets()).toBe(MAX_PER_USER - 1));
    const admitted = await sse(restPath);
    expect(admitted.status).toBe(200);
    expect((await sse(trpcPath)).status).toBe(429);
    const extra = rawSocket(staff.accessToken);
    expect(await extra.closed).toEqual({ code: 4429, reason: 'too many connections' });

    // The stream closes: its place is free again, for a tRPC SSE stream this time.
    admitted.close();
    await arrive(async () => {
      const again = await sse(trpcPath);
      again.close();
      expect(again.status).toBe(200);
    });

    for (const f of live.slice(1)) f.stop();
    await arrive(() => expect(serverSockets()).toBe(0));
  });

  it(`the SDK: client number ${MAX_PER_USER + 1}'s subscription fails RATE_LIMITED, and its next connection waits (no quick reconnects)`, async () => {
    await arrive(() => expect(serverSockets()).toBe(0));
    const staff = await makeStaff(s, 'staff');
    const live = Array.from({ length: MAX_PER_USER }, () => follow(staff.accessToken));
    for (const f of live) await f.started();

    let connects = 0;
    const onConnection = () => void connects++;
    s.app.websocketServer.on('connection', onConnection);
    const client = createClinicClient({
      baseUrl: s.baseUrl,
      getAccessToken: () => staff.accessToken,
      webSocket: { retryDelayMs: () => 50, rateLimitedDelayMs: () => 1_500 },
    });
    const errors: unknown[] = [];
    const first = client.agenda.onChange.subscribe({ physicianId: physician }, { onError: (err) => void errors.push(err) });
    await arrive(() => expect(errors).toHaveLength(1));
    expect(isClinicError(errors[0])).toBe(true);
    expect((errors[0] as ClinicError).data).toMatchObject({ appCode: 'RATE_LIMITED', httpStatus: 429 });
    // Refused once; the subscription did not go on reconnecting.
    await new Promise((r) => setTimeout(r, 300));
    expect(connects).toBe(1);

    // Subscribing again within the wait makes no connection either, until the wait is over; a place freed in the
    // meantime lets it in then.
    let started = false;
    const second = client.agenda.onChange.subscribe({ physicianId: physician }, { onStarted: () => void (started = true), onError: (err) => void errors.push(err) });
    await new Promise((r) => setTimeout(r, 300));
    expect(connects).toBe(1);
    live[0]!.stop();
    await arrive(() => expect(started).toBe(true));
    expect(connects).toBe(2);
    expect(errors).toHaveLength(1);
    second.unsubscribe();
    first.unsubscribe();
    s.app.websocketServer.off('connection', onConnection);

    for (const f of live.slice(1)) f.stop();
    await arrive(() => expect(serverSockets()).toBe(0));
  });

  it(`one address: socket number ${MAX_PER_IP + 1} is refused (4429) before it authenticates; closing one lets a new one in`, async () => {
    await arrive(() => expect(serverSockets()).toBe(0));
    const open = Array.from({ length: MAX_PER_IP }, () => rawSocket());
    await Promise.all(open.map((o) => o.opened));
    const extra = rawSocket();
    expect(await extra.closed).toEqual({ code: 4429, reason: 'too many connections' });
    expect(open.every((o) => o.isOpen())).toBe(true);

    open[0]!.ws.close();
    await open[0]!.closed;
    await arrive(() => expect(serverSockets()).toBe(MAX_PER_IP - 1));
    const staff = await makeStaff(s, 'staff');
    const admitted = follow(staff.accessToken);
    await admitted.started();
    admitted.stop();
    for (const o of open) o.ws.close();
    await arrive(() => expect(serverSockets()).toBe(0));
  });
});
