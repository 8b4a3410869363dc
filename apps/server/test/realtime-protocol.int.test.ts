import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

// The server speaks tRPC's WebSocket protocol itself (apps/server/src/trpc-ws.ts). The SDK's tests cover what it
// sends; these cover the rest of the protocol a tRPC client may send, on a raw socket.

const arrive = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

let s: TestServer;
let physician: string;
let staff: { accessToken: string };
let patient: { accessToken: string };

beforeAll(async () => {
  s = await startTestServer();
  physician = (await createPhysician(s)).id;
  staff = await makeStaff(s, 'staff');
  patient = (await makePatients(s, 1))[0]!;
});
afterAll(() => s?.close());

/** A socket authenticated with `token`; `messages` holds what it got, JSON-decoded (PING/PONG as text). */
async function socket(token: string) {
  const ws = new WebSocket(`${s.baseUrl.replace('http', 'ws')}/trpc?connectionParams=1`);
  const messages: any[] = [];
  let code: number | null = null;
  ws.addEventListener('close', (e) => void (code = e.code));
  ws.addEventListener('message', (e) => messages.push(String(e.data).startsWith('{') ? JSON.parse(String(e.data)) : e.data));
  await new Promise<void>((resolve) => ws.addEventListener('open', () => resolve()));
  ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken: token } }));
  const send = (msg: unknown) => ws.send(JSON.stringify(msg));
  const of = (id: number | string) => messages.filter((m) => typeof m === 'object' && m.id === id);
  return { ws, messages, send, of, code: () => code };
}

async function book(at: string) {
  const res = await s.rest('POST', '/appointments', { physicianId: physician, start: dubai(dubaiDate(4), at).toISOString(), reason: 'Check-up' }, patient.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id as string;
}

describe("tRPC's WebSocket protocol", () => {
  it('a query over the socket is answered as over HTTP, with the same policies; a batch answers each', async () => {
    const c = await socket(staff.accessToken);
    c.send([
      { id: 1, method: 'query', params: { path: 'agenda.events', input: { json: { physicianId: physician } } } },
      { id: 2, jsonrpc: '2.0', method: 'query', params: { path: 'nothing.here', input: { json: {} } } },
    ]);
    await arrive(() => expect(c.of(1).length + c.of(2).length).toBe(2));
    expect(c.of(1)[0]).toMatchObject({ result: { type: 'data', data: { json: { lastEventId: expect.any(String) } } } });
    expect(c.of(2)[0]).toMatchObject({ jsonrpc: '2.0', error: { json: { data: { httpStatus: 404 } } } });

    const p = await socket(patient.accessToken);
    p.send({ id: 'q', method: 'query', params: { path: 'agenda.events', input: { json: {} } } });
    await arrive(() => expect(p.of('q')).toHaveLength(1));
    expect(p.of('q')[0]).toMatchObject({ error: { json: { data: { appCode: 'FORBIDDEN', httpStatus: 403 } } } });
    c.ws.close();
    p.ws.close();
  });

  it('a subscription: started, its events with their ids, a duplicate id refused, and after the stop, stopped and nothing more', async () => {
    const c = await socket(staff.accessToken);
    c.send({ id: 7, method: 'subscription', params: { path: 'agenda.onChange', input: { json: { physicianId: physician } } } });
    await arrive(() => expect(c.of(7)).toEqual([{ id: 7, result: { type: 'started' } }]));

    c.send({ id: 7, method: 'subscription', params: { path: 'agenda.onChange', input: { json: {} } } });
    await arrive(() => expect(c.of(7)).toHaveLength(2));
    expect(c.of(7)[1]).toMatchObject({ error: { json: { message: 'Duplicate id 7', data: { httpStatus: 400 } } } });

    const first = await book('09:00');
    await arrive(() => expect(c.of(7)).toHaveLength(3));
    const data = c.of(7)[2];
    expect(data.result).toMatchObject({ type: 'data', id: expect.any(String), data: { json: { id: data.result.id, data: { kind: 'booked', appointment: { id: first } } } } });

    c.send({ id: 7, method: 'subscription.stop' });
    await arrive(() => expect(c.of(7).at(-1)).toEqual({ id: 7, result: { type: 'stopped' } }));
    const seen = c.of(7).length;
    await book('10:00');
    // Another subscription on the same socket hears of later bookings; the stopped one does not.
    c.send({ id: 8, method: 'subscription', params: { path: 'agenda.onChange', input: { json: { physicianId: physician } }, lastEventId: data.result.id } });
    await arrive(() => expect(c.of(8).filter((m) => m.result?.type === 'data')).toHaveLength(1));
    expect(c.of(7)).toHaveLength(seen);
    expect(c.code()).toBeNull();
    c.ws.close();
  });

  it('answers PING with PONG, and a message that is not tRPC’s with a PARSE_ERROR, keeping the socket open', async () => {
    const c = await socket(staff.accessToken);
    c.ws.send('PING');
    await arrive(() => expect(c.messages).toContain('PONG'));
    c.send({ id: 3, method: 'teleport', params: {} });
    await arrive(() => expect(c.messages.some((m) => m?.id === null && m.error?.json?.data?.httpStatus === 400)).toBe(true));
    c.send({ id: 4, method: 'query', params: { path: 'agenda.events', input: { json: { physicianId: physician } } } });
    await arrive(() => expect(c.of(4)[0]?.result?.type).toBe('data'));
    expect(c.code()).toBeNull();
    c.ws.close();
  });
});
