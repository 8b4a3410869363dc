/**
 * Outbound webhooks: a clinic admin registers an endpoint (a local receiver on 127.0.0.1 that verifies every
 * signature the way the README tells receivers to), the clinic's appointment changes reach it signed, a failed
 * delivery is retried with the same event id after its backoff, another clinic's events never reach it, 20 failed
 * attempts in a row disable it and email the admins, and the URL checks refuse what could reach inside our network.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES, createServices } from '@clinic/api';
import { ObjectId, connectDatabase, type ClinicDoc } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

/** Verifies `Clinic-Signature: t=<unix>,v1=<hex>` as the README's snippet does: HMAC-SHA256 of "<t>.<body>". */
function verifies(secret: string, header: string | undefined, body: string, now = Date.now()): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts['t']);
  if (!parts['v1'] || !Number.isInteger(t)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts['v1'], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(now / 1000 - t) < 3 * 86_400;
}

/** A local receiver: records each request; answers the next queued status for its path, else 200. */
async function startReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, number[]>();
  const always = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body, json: JSON.parse(body) });
      // Never answers (until the receiver closes): the sender's timeout is what ends the attempt.
      if (path === '/hang') return;
      res.statusCode = answers.get(path)?.shift() ?? always.get(path) ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${base}${path}`,
    at: (path: string) => received.filter((r) => r.path === path),
    answer: (path: string, ...statuses: number[]) => void answers.set(path, statuses),
    alwaysAnswer: (path: string, status: number) => void always.set(path, status),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

let s: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let clinicB: ClinicDoc;
let adminA: Awaited<ReturnType<typeof makeStaff>>;
let adminB: { accessToken: string };
let physicianA: string;
let physicianB: string;
let patients: { accessToken: string }[];
let slot = 0;
/** The next free half hour, three days ahead (so that moving the clock by hours keeps it in the future). */
const nextStart = () => dubai(dubaiDate(3), `${String(9 + Math.floor(slot / 2)).padStart(2, '0')}:${slot++ % 2 ? '30' : '00'}`).toISOString();

async function book(physicianId: string, patient = patients[0]!) {
  const res = await s.rest('POST', '/appointments', { physicianId, start: nextStart(), reason: 'Check-up' }, patient.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id as string;
}

async function register(token: string, path: string, events: string[] = ['appointment.booked']) {
  const res = await s.rest('POST', '/admin/webhooks', { url: receiver.url(path), events, description: `receiver ${path}` }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; secret: string };
}

beforeAll(async () => {
  // Tokens outlive the hours the retry tests move the clock by.
  s = await startTestServer({ webhooks: { allowLoopback: true }, auth: { accessTokenTtlSeconds: 7 * 86_400 } });
  receiver = await startReceiver();
  clinicB = await insertSecondClinic(s);
  physicianA = (await createPhysician(s)).id;
  physicianB = (await createPhysician(s, { clinic: clinicB })).id;
  adminA = await makeStaff(s, 'admin');
  adminB = await makeClinicStaff(s, clinicB._id, 'admin');
  patients = await makePatients(s, 2);
}, 60_000);
afterAll(async () => {
  await s?.close();
  await receiver?.close();
});

describe('registering an endpoint', () => {
  it('answers the signing secret once; later reads never show it', async () => {
    const created = await register(adminA.accessToken, '/registered');
    expect(created.secret).toMatch(/^whsec_[\w-]{20,}$/);
    const one = await s.rest('GET', `/admin/webhooks/${created.id}`, undefined, adminA.accessToken);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: created.id, url: receiver.url('/registered'), events: ['appointment.booked'], enabled: true });
    const list = await s.rest('GET', '/admin/webhooks', undefined, adminA.accessToken);
    expect(list.body.items.map((e: any) => e.id)).toContain(created.id);
    // Nor does the database: the secret is stored sealed.
    const stored = await s.database.cols.webhookEndpoints.findOne({ url: receiver.url('/registered') });
    expect(JSON.stringify(stored)).not.toContain(created.secret.slice('whsec_'.length));
    for (const text of [JSON.stringify(one.body), JSON.stringify(list.body)]) {
      expect(text).not.toContain(created.secret);
      expect(text).not.toContain('"secret"');
    }
    expect((await s.rest('DELETE', `/admin/webhooks/${created.id}`, undefined, adminA.accessToken)).status).toBe(200);
    expect((await s.rest('GET', `/admin/webhooks/${created.id}`, undefined, adminA.accessToken)).status).toBe(404);
  });
});

describe('deliveries', () => {
  it('a booking reaches the endpoint signed; a 500 is retried after its backoff with the same event id, and the log shows 500 then 200', async () => {
    const endpoint = await register(adminA.accessToken, '/a');
    receiver.answer('/a', 500);
    const appointmentId = await book(physicianA);

    await s.services.webhooks.runDue();
    expect(receiver.at('/a')).toHaveLength(1);
    const [first] = receiver.at('/a');
    expect(verifies(endpoint.secret, first!.headers['clinic-signature'] as string, first!.body)).toBe(true);
    expect(verifies('whsec_someone-else', first!.headers['clinic-signature'] as string, first!.body)).toBe(false);
    expect(first!.json).toMatchObject({ type: 'appointment.booked', clinicId: expect.stringMatching(/^[0-9a-f]{24}$/), data: { appointment: { id: appointmentId, physicianId: physicianA } } });
    expect(first!.json.id).toMatch(/^evt_/);
    expect(first!.headers['clinic-event-id']).toBe(first!.json.id);

    // Not due yet: nothing is sent again until the first backoff (1 min) has passed.
    await s.services.webhooks.runDue();
    expect(receiver.at('/a')).toHaveLength(1);
    s.clock.advance(61_000);
    await s.services.webhooks.runDue();
    const attempts = receiver.at('/a');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.json.id).toBe(first!.json.id);
    expect(attempts[1]!.body).toBe(first!.body);
    expect(verifies(endpoint.secret, attempts[1]!.headers['clinic-signature'] as string, attempts[1]!.body)).toBe(true);

    // Delivered: nothing more is sent, however much later.
    s.clock.advance(3_600_000);
    await s.services.webhooks.runDue();
    expect(receiver.at('/a')).toHaveLength(2);

    const log = await s.rest('GET', `/admin/webhooks/${endpoint.id}/deliveries`, undefined, adminA.accessToken);
    expect(log.status, JSON.stringify(log.body)).toBe(200);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ eventId: first!.json.id, type: 'appointment.booked', status: 'succeeded', attemptCount: 2, lastStatusCode: 200, nextAttemptAt: null });
    expect(log.body.items[0].attempts.map((a: any) => a.statusCode)).toEqual([500, 200]);
    await s.rest('DELETE', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken);
  });

  it("another clinic's events never reach the endpoint; that clinic's own endpoint gets them", async () => {
    const endpointA = await register(adminA.accessToken, '/only-a', [...WEBHOOK_EVENT_TYPES]);
    const endpointB = await register(adminB.accessToken, '/only-b', [...WEBHOOK_EVENT_TYPES]);
    const atB = await book(physicianB, patients[1]);
    await s.services.webhooks.runDue();
    expect(receiver.at('/only-a')).toEqual([]);
    expect(receiver.at('/only-b').map((r) => r.json.data.appointment.id)).toEqual([atB]);
    expect(receiver.at('/only-b')[0]!.json.clinicId).toBe(clinicB._id.toHexString());
    // And A's own booking goes to A's endpoint only.
    const atA = await book(physicianA, patients[1]);
    await s.services.webhooks.runDue();
    expect(receiver.at('/only-a').map((r) => r.json.data.appointment.id)).toEqual([atA]);
    expect(receiver.at('/only-b')).toHaveLength(1);
    // Subscribed to the booking only: a cancellation is not sent to an endpoint that did not ask for it.
    await s.rest('PATCH', `/admin/webhooks/${endpointA.id}`, { events: ['appointment.booked'] }, adminA.accessToken);
    expect((await s.rest('POST', `/appointments/${atA}/cancel`, { reason: 'Plans changed' }, patients[1]!.accessToken)).status).toBe(200);
    await s.services.webhooks.runDue();
    expect(receiver.at('/only-a')).toHaveLength(1);
    for (const [id, token] of [[endpointA.id, adminA.accessToken], [endpointB.id, adminB.accessToken]] as const) await s.rest('DELETE', `/admin/webhooks/${id}`, undefined, token);
  });

  it('two processes sweeping together create and send each delivery once', async () => {
    const endpoint = await register(adminA.accessToken, '/twice', [...WEBHOOK_EVENT_TYPES]);
    // The second process: its own connection and its own services over the same database.
    const db2 = await connectDatabase({ uri: inject('mongoUri'), dbName: s.database.db.databaseName });
    const second = createServices({ ...s.deps, db: db2 });
    try {
      const booked = [await book(physicianA), await book(physicianA, patients[1])];
      receiver.answer('/twice', 500, 500);
      await Promise.all([s.services.webhooks.runDue(), second.webhooks.runDue(), s.services.webhooks.runDue(), second.webhooks.runDue()]);
      expect(receiver.at('/twice').map((r) => r.json.data.appointment.id).sort()).toEqual([...booked].sort());
      s.clock.advance(61_000);
      await Promise.all([s.services.webhooks.runDue(), second.webhooks.runDue(), s.services.webhooks.runDue(), second.webhooks.runDue()]);
      const sent = receiver.at('/twice');
      expect(sent).toHaveLength(4);
      expect(new Set(sent.map((r) => r.json.id)).size).toBe(2);
      const log = await s.rest('GET', `/admin/webhooks/${endpoint.id}/deliveries`, undefined, adminA.accessToken);
      expect(log.body.items.map((d: any) => [d.status, d.attempts.map((a: any) => a.statusCode)])).toEqual([
        ['succeeded', [500, 200]],
        ['succeeded', [500, 200]],
      ]);
    } finally {
      second.events.close();
      await db2.close();
      await s.rest('DELETE', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken);
    }
  });

  it('a test event is sent signed at once; a rotated secret signs from then on', async () => {
    const endpoint = await register(adminA.accessToken, '/ping');
    const rotated = await s.rest('POST', `/admin/webhooks/${endpoint.id}/rotate-secret`, {}, adminA.accessToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const test = await s.rest('POST', `/admin/webhooks/${endpoint.id}/test`, {}, adminA.accessToken);
    expect(test.status, JSON.stringify(test.body)).toBe(200);
    expect(test.body).toMatchObject({ type: 'webhook.test', status: 'succeeded', lastStatusCode: 200, attemptCount: 1 });
    const [ping] = receiver.at('/ping');
    expect(ping!.json).toMatchObject({ id: test.body.eventId, type: 'webhook.test' });
    expect(verifies(rotated.body.secret, ping!.headers['clinic-signature'] as string, ping!.body)).toBe(true);
    expect(verifies(endpoint.secret, ping!.headers['clinic-signature'] as string, ping!.body)).toBe(false);
    await s.rest('DELETE', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken);
  });
});

describe('what counts as a failure', () => {
  it('a redirect is not followed and fails; no answer within the timeout fails', async () => {
    const moved = await register(adminA.accessToken, '/moved');
    receiver.alwaysAnswer('/moved', 302);
    const redirected = await s.rest('POST', `/admin/webhooks/${moved.id}/test`, {}, adminA.accessToken);
    expect(redirected.body).toMatchObject({ status: 'failed', lastStatusCode: 302, nextAttemptAt: null });
    expect(redirected.body.attempts[0].error).toMatch(/302/);
    await s.rest('DELETE', `/admin/webhooks/${moved.id}`, undefined, adminA.accessToken);

    const quick = await startTestServer({ webhooks: { allowLoopback: true, timeoutMs: 300 } });
    try {
      const admin = await makeStaff(quick, 'admin');
      const created = await quick.rest('POST', '/admin/webhooks', { url: receiver.url('/hang'), events: ['appointment.booked'] }, admin.accessToken);
      expect(created.status).toBe(200);
      const test = await quick.rest('POST', `/admin/webhooks/${created.body.id}/test`, {}, admin.accessToken);
      expect(test.body).toMatchObject({ status: 'failed', lastStatusCode: null });
      expect(test.body.attempts[0].error).toMatch(/no answer within 300 ms/);
      expect(receiver.at('/hang')).toHaveLength(1);
    } finally {
      await quick.close();
    }
  });
});

describe('who may manage endpoints', () => {
  it("another clinic's admin gets 404 on every route of an endpoint, and it stays as it was", async () => {
    const endpoint = await register(adminA.accessToken, '/guarded');
    const before = (await s.rest('GET', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken)).body;
    const routes: [string, string, unknown?][] = [
      ['GET', `/admin/webhooks/${endpoint.id}`],
      ['PATCH', `/admin/webhooks/${endpoint.id}`, { enabled: false }],
      ['DELETE', `/admin/webhooks/${endpoint.id}`],
      ['POST', `/admin/webhooks/${endpoint.id}/rotate-secret`, {}],
      ['POST', `/admin/webhooks/${endpoint.id}/test`, {}],
      ['GET', `/admin/webhooks/${endpoint.id}/deliveries`],
    ];
    for (const [method, path, body] of routes) expect((await s.rest(method, path, body, adminB.accessToken)).status, `${method} ${path}`).toBe(404);
    expect((await s.rest('GET', '/admin/webhooks', undefined, adminB.accessToken)).body.items.map((e: any) => e.id)).not.toContain(endpoint.id);
    expect((await s.rest('GET', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken)).body).toEqual(before);
    expect(receiver.at('/guarded')).toEqual([]);

    // Staff, doctors and patients: 403 on every route, their own clinic's endpoint included.
    const others = [(await makeStaff(s, 'staff')).accessToken, (await makeStaff(s, 'doctor')).accessToken, patients[0]!.accessToken];
    for (const token of others) {
      for (const [method, path, body] of [...routes, ['GET', '/admin/webhooks'], ['POST', '/admin/webhooks', { url: receiver.url('/x'), events: ['appointment.booked'] }]] as [string, string, unknown?][]) {
        expect((await s.rest(method, path, body, token)).status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await s.rest('GET', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken)).body).toEqual(before);
    await s.rest('DELETE', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken);
  });
});

describe('URL checks', () => {
  it('refuses other schemes and private addresses with a 400 naming the reason, storing nothing', async () => {
    const count = () => s.database.cols.webhookEndpoints.countDocuments();
    const before = await count();
    const refused = async (url: string, reason: RegExp) => {
      const res = await s.rest('POST', '/admin/webhooks', { url, events: ['appointment.booked'] }, adminA.accessToken);
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.message).toMatch(reason);
      expect(res.body.data.fieldErrors.url[0]).toMatch(reason);
    };
    await refused('ftp://example.test/hook', /must use https/);
    await refused('http://10.0.0.5/hook', /resolves to a private address 10\.0\.0\.5/);
    await refused('https://192.168.1.20/hook', /private address 192\.168\.1\.20/);
    await refused('http://169.254.169.254/latest/meta-data', /link-local address 169\.254\.169\.254/);
    await refused('http://[fd00::1]/hook', /unique-local address fd00::1/);
    await refused('http://[::ffff:10.0.0.5]/hook', /private address/);
    await refused('https://user:pw@127.0.0.1/hook', /user name or password/);
    expect(await count()).toBe(before);

    // A change to a refused URL is refused too, and changes nothing.
    const endpoint = await register(adminA.accessToken, '/kept');
    const patch = await s.rest('PATCH', `/admin/webhooks/${endpoint.id}`, { url: 'http://10.0.0.5/hook' }, adminA.accessToken);
    expect(patch.status).toBe(400);
    expect((await s.rest('GET', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken)).body.url).toBe(receiver.url('/kept'));
    await s.rest('DELETE', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken);
  });

  it('without WEBHOOKS_ALLOW_LOOPBACK, http and loopback addresses are refused too', async () => {
    const strict = await startTestServer();
    try {
      const admin = await makeStaff(strict, 'admin');
      const refused = async (url: string, reason: RegExp) => {
        const res = await strict.rest('POST', '/admin/webhooks', { url, events: ['appointment.booked'] }, admin.accessToken);
        expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body.message).toMatch(reason);
      };
      await refused(receiver.url('/hook'), /must use https/);
      await refused('https://127.0.0.1/hook', /resolves to a loopback address 127\.0\.0\.1/);
      await refused('https://[::1]/hook', /loopback address ::1/);
      await refused('https://localhost/hook', /resolves to a loopback address/);
      expect(await strict.database.cols.webhookEndpoints.countDocuments()).toBe(0);
    } finally {
      await strict.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('declares every event type under the top-level `webhooks`, with the payload schema and the signature header', async () => {
    const doc = (await (await fetch(`${s.baseUrl}/api/v1/openapi.json`)).json()) as any;
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES, 'webhook.test'].sort());
    expect(doc.webhooks['webhook.test'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/WebhookTestEvent' });
    expect(WEBHOOK_EVENT_TYPES).toContain('appointment.no_show');
    for (const type of WEBHOOK_EVENT_TYPES) {
      const post = doc.webhooks[type].post;
      expect(post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/WebhookEvent' });
      expect(post.parameters.find((p: any) => p.name === 'Clinic-Signature')).toMatchObject({ in: 'header', required: true, description: expect.stringMatching(/HMAC-SHA256/) });
    }
    const schema = doc.components.schemas.WebhookEvent;
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'type', 'createdAt', 'clinicId', 'data']));
    expect(schema.properties.type.enum.sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    expect(schema.properties.data.properties.appointment.required).toEqual(expect.arrayContaining(['id', 'start', 'status', 'patient']));
  });
});

describe('an endpoint that keeps failing', () => {
  it('is disabled after 20 failed attempts in a row, its admins are emailed, and nothing more is sent to it', async () => {
    const endpoint = await register(adminA.accessToken, '/down');
    receiver.alwaysAnswer('/down', 503);
    await book(physicianA);
    // Each pass lets the next backoff (at most 1 h) elapse; 20 attempts of one event fall well inside its 24 h.
    for (let i = 0; i < 30 && (await s.rest('GET', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken)).body.enabled; i++) {
      await s.services.webhooks.runDue();
      s.clock.advance(3_600_000);
    }
    const after = await s.rest('GET', `/admin/webhooks/${endpoint.id}`, undefined, adminA.accessToken);
    expect(after.body).toMatchObject({ enabled: false, consecutiveFailures: 20, disabledReason: expect.stringMatching(/20/) });
    expect(receiver.at('/down')).toHaveLength(20);
    expect(new Set(receiver.at('/down').map((r) => r.json.id)).size).toBe(1);
    const mail = s.inbox.mails.find((m) => m.to.includes(String(adminA.email).toLowerCase()) && /Webhook endpoint disabled/.test(m.subject));
    expect(mail?.text).toContain(receiver.url('/down'));

    s.clock.advance(3_600_000);
    await s.services.webhooks.runDue();
    expect(receiver.at('/down')).toHaveLength(20);
    const log = await s.rest('GET', `/admin/webhooks/${endpoint.id}/deliveries?limit=5`, undefined, adminA.accessToken);
    expect(log.body.items[0].attempts).toHaveLength(20);
    expect(log.body.items[0].attempts.every((a: any) => a.statusCode === 503)).toBe(true);
  });
});

// Last: it moves the clock 31 days on.
describe('pruning by the jobs sweep', () => {
  it('deletes settled deliveries (with their attempts) and notification attempts once 30 days old; pending ones and newer ones stay', async () => {
    const settled = await register(adminA.accessToken, '/prune-ok');
    const waiting = await register(adminA.accessToken, '/prune-wait');
    receiver.alwaysAnswer('/prune-wait', 500);
    await book(physicianA);
    await s.services.webhooks.runDue();
    const ofEndpoint = async (id: string) => {
      const deliveries = await s.database.cols.webhookDeliveries.find({ endpointId: new ObjectId(id) }).toArray();
      const attempts = await s.database.cols.webhookAttempts.find({ deliveryId: { $in: deliveries.map((d) => d._id) } }).toArray();
      return { deliveries, attempts };
    };
    const before = await ofEndpoint(settled.id);
    expect(before.deliveries.map((d) => d.status)).toEqual(['succeeded']);
    expect(before.attempts).toHaveLength(1);
    expect((await ofEndpoint(waiting.id)).deliveries.map((d) => d.status)).toEqual(['pending']);
    const oldClaim = { _id: `prune-test|${Date.now()}|0`, key: `prune-test|${Date.now()}`, n: 0, channel: 'email' as const, startedAt: s.clock.now() };
    await s.database.cols.notificationAttempts.insertOne(oldClaim);

    // Nothing is 30 days old yet.
    expect(await s.services.webhooks.prune()).toEqual({ deliveriesPruned: 0 });
    expect((await ofEndpoint(settled.id)).deliveries).toHaveLength(1);

    s.clock.advance(31 * 86_400_000);
    const fresh = { ...oldClaim, _id: `${oldClaim._id}-fresh`, startedAt: s.clock.now() };
    await s.database.cols.notificationAttempts.insertOne(fresh);
    const pruned = await s.services.webhooks.prune();
    expect(pruned.deliveriesPruned).toBeGreaterThanOrEqual(1);
    expect(await ofEndpoint(settled.id)).toEqual({ deliveries: [], attempts: [] });
    // Not settled: kept (its retries decide its fate), with its attempt.
    const stillWaiting = await ofEndpoint(waiting.id);
    expect(stillWaiting.deliveries.map((d) => d.status)).toEqual(['pending']);
    expect(stillWaiting.attempts).toHaveLength(1);
    // Once per 10 minutes per process while nothing more is left.
    expect(await s.services.webhooks.prune()).toEqual({ deliveriesPruned: 0 });

    const report = await s.services.notifications.sweepOutbox();
    expect(report.notificationAttemptsPruned).toBeGreaterThanOrEqual(1);
    expect(await s.database.cols.notificationAttempts.findOne({ _id: oldClaim._id })).toBeNull();
    expect(await s.database.cols.notificationAttempts.findOne({ _id: fresh._id })).not.toBeNull();
  });
});
