import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createPhysician } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ bodyLimit: 10_000 });
});
afterAll(() => s.close());

const ENDPOINTS: Record<string, Record<string, unknown>> = {
  '/auth/register': { email: 'new.user@example.test', password: 'password123', fullName: 'New User' },
  '/auth/verify': { email: 'new.user@example.test', code: '123456' },
  '/auth/resend-code': { email: 'new.user@example.test' },
  '/auth/login': { email: 'new.user@example.test', password: 'password123' },
  '/auth/refresh': { refreshToken: 'x'.repeat(43) },
  '/auth/logout': { refreshToken: 'x'.repeat(43) },
  '/auth/forgot-password': { email: 'new.user@example.test' },
  '/auth/reset': { email: 'new.user@example.test', code: '123456', newPassword: 'password123' },
};

async function snapshot() {
  const c = s.database.cols;
  return {
    users: await c.users.countDocuments(),
    sessions: await c.sessions.countDocuments(),
    codes: await c.oneTimeCodes.countDocuments(),
    limits: await c.rateLimits.countDocuments(),
  };
}

function breakings(valid: Record<string, unknown>): [string, string | object, number][] {
  const [firstKey] = Object.keys(valid) as [string];
  return [
    ['malformed JSON', '{"email": "a@b.c",', 400],
    ['empty body', '', 400],
    ['JSON that is not an object', '[1,2,3]', 400],
    ['missing fields', {}, 400],
    ['wrong types', Object.fromEntries(Object.keys(valid).map((k) => [k, 12345])), 400],
    ['null field', { ...valid, [firstKey]: null }, 400],
    ['unknown field', { ...valid, isAdmin: true }, 400],
    ['oversized body', { ...valid, padding: 'x'.repeat(20_000) }, 413],
  ];
}

describe('bad input on every auth endpoint → clear 4xx, nothing written', () => {
  for (const [path, valid] of Object.entries(ENDPOINTS)) {
    for (const [label, body, status] of breakings(valid)) {
      it(`${path}: ${label} → ${status}`, async () => {
        const before = await snapshot();
        const res = await s.rest('POST', path, body);
        expect(res.status).toBe(status);
        expect(typeof res.body.message).toBe('string');
        expect(res.body.message.length).toBeGreaterThan(0);
        expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
        expect(await snapshot()).toEqual(before);
      });
    }

    it(`${path}: wrong content type → 415`, async () => {
      const before = await snapshot();
      const res = await fetch(`${s.baseUrl}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(res.status).toBe(415);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('validation errors name the field', async () => {
    const res = await s.rest('POST', '/auth/register', { email: 'nope', password: 'short', fullName: 'A', phone: '0501234567' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data.fieldErrors).sort()).toEqual(['email', 'password', 'phone']);
    expect(res.body.data.fieldErrors.password[0]).toMatch(/at least 8/);
    const unknown = await s.rest('POST', '/auth/login', { email: 'a@b.co', password: 'x', extra: 1 });
    expect(unknown.body.data.fieldErrors).toEqual({ extra: ['is not a known field'] });
  });

  it('the tRPC face answers malformed input with 400 too, naming the field', async () => {
    const res = await fetch(`${s.baseUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: 42 } }),
    });
    expect(res.status).toBe(400);
    const body = await res.json() as any;
    expect(body.error.json.message).toMatch(/email/);
    expect(body.error.json.data.fieldErrors).toHaveProperty('email');
    expect(body.error.json.data).not.toHaveProperty('stack');
    const broken = await fetch(`${s.baseUrl}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(broken.status).toBe(400);
  });

  it('unknown routes → 404 in the same error shape', async () => {
    const res = await s.rest('GET', '/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.body.data.appCode).toBe('NOT_FOUND');
    const outside = await fetch(`${s.baseUrl}/nope`);
    expect(outside.status).toBe(404);
    expect((await outside.json() as any).data.appCode).toBe('NOT_FOUND');
  });
});

/** A 400 in the one error shape, naming `field` (REST body, or the `json` of a tRPC error, whose code is JSON-RPC's). */
function expectFieldError(status: number, body: any, field: string, message: RegExp) {
  expect(status).toBe(400);
  expect(body.code).toBeOneOf(['BAD_REQUEST', -32600]);
  expect(body.data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: 400 });
  expect(typeof body.data.requestId).toBe('string');
  expect(body.data.fieldErrors[field]?.join(' ')).toMatch(message);
  expect(body.message).toContain(field);
}

const trpcGet = async (path: string, input: unknown) => {
  const res = await fetch(`${s.baseUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  return { status: res.status, body: ((await res.json()) as any).error?.json };
};

describe('impossible and out-of-range dates → 400 naming the field, on both faces', () => {
  let physicianId: string;
  beforeAll(async () => {
    // With a physician the dates reach the slot arithmetic, where an edge-of-range date used to end in a 500.
    physicianId = (await createPhysician(s)).id;
  });

  for (const date of ['2026-02-30', '2026-13-45', '0000-00-00']) {
    it(`GET /physicians?availableOn=${date}`, async () => {
      const rest = await s.rest('GET', `/physicians?availableOn=${date}`);
      expectFieldError(rest.status, rest.body, 'availableOn', /is not a real date/);
      const trpc = await trpcGet('physicians.list', { json: { availableOn: date } });
      expectFieldError(trpc.status, trpc.body, 'availableOn', /is not a real date/);
    });
  }

  it('says which part of the date is wrong', async () => {
    const feb = await s.rest('GET', '/physicians?availableOn=2026-02-30');
    expect(feb.body.data.fieldErrors.availableOn).toEqual(['is not a real date: February 2026 has days 01 to 28, not 30']);
    const month = await s.rest('GET', '/physicians?availableOn=2026-13-45');
    expect(month.body.data.fieldErrors.availableOn).toEqual(['is not a real date: the month must be 01 to 12, not 13']);
  });

  it('the same check guards every local-date input (calendar, stats, agenda)', async () => {
    const admin = await makeStaff(s, 'admin');
    const calendar = await s.rest('GET', '/appointments/calendar?from=2026-02-29&to=2026-03-01', undefined, admin.accessToken);
    expectFieldError(calendar.status, calendar.body, 'from', /February 2026 has days 01 to 28/);
    const agenda = await s.rest('GET', `/appointments/agenda?date=2026-04-31&physicianId=${physicianId}`, undefined, admin.accessToken);
    expectFieldError(agenda.status, agenda.body, 'date', /April 2026 has days 01 to 30/);
  });

  it('GET /physicians?availableFrom at the edge of JavaScript dates', async () => {
    const rest = await s.rest('GET', '/physicians?availableFrom=%2B275760-09-13T00:00:00.000Z');
    expectFieldError(rest.status, rest.body, 'availableFrom', /must be before 2201-01-01/);
    const early = await s.rest('GET', '/physicians?availableTo=-271821-04-20T00:00:00.000Z');
    expectFieldError(early.status, early.body, 'availableTo', /must be on or after 1900-01-01/);
    // tRPC with superjson sends a real Date; the same bound applies.
    const trpc = await trpcGet('physicians.list', { json: { availableFrom: '+275760-09-13T00:00:00.000Z' }, meta: { values: { availableFrom: ['Date'] } } });
    expectFieldError(trpc.status, trpc.body, 'availableFrom', /must be before 2201-01-01/);
  });

  it('slot ranges and bookings take the same bounded date-times', async () => {
    const slots = await s.rest('GET', `/physicians/${physicianId}/slots?from=2026-01-01T00:00:00Z&to=%2B275760-09-13T00:00:00.000Z`);
    expectFieldError(slots.status, slots.body, 'to', /must be before 2201-01-01/);
    const notADate = await s.rest('GET', `/physicians/${physicianId}/slots?from=yesterday&to=2026-01-02T00:00:00Z`);
    expectFieldError(notADate.status, notADate.body, 'from', /must be a date-time in ISO 8601/);
  });

  it('a number or null is not a date-time (it would have been read as 1970 and refused as a past slot)', async () => {
    const [patient] = await makePatients(s, 1);
    for (const start of [42, null, true]) {
      const res = await s.rest('POST', '/appointments', { physicianId, start, reason: 'Check-up' }, patient!.accessToken);
      expectFieldError(res.status, res.body, 'start', /must be a date-time in ISO 8601/);
    }
  });

  it('a real date still works', async () => {
    const res = await s.rest('GET', '/physicians?availableOn=2028-02-29');
    expect(res.status).toBe(200);
  });
});

describe('deeply nested JSON → 400 on both faces, nothing written', () => {
  // ≈ 4,400 levels in 8.8 kB (under this server's 10 kB body limit): enough to overflow recursive code.
  const DEEP = '['.repeat(4_400) + ']'.repeat(4_400);
  const TOO_DEEP = /^The request (body|input) is nested too deeply \(more than 32 levels\)\.$/;

  const expectTooDeep = (status: number, body: any) => {
    expect(status).toBe(400);
    expect(body.message).toMatch(TOO_DEEP);
    expect(body.data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: 400 });
    expect(typeof body.data.requestId).toBe('string');
  };

  it('REST: every operation with a body (anonymous and signed in)', async () => {
    const admin = await makeStaff(s, 'admin');
    const before = await snapshot();
    const login = await s.rest('POST', '/auth/login', DEEP);
    expectTooDeep(login.status, login.body);
    const register = await s.rest('POST', '/auth/register', `{"email":${DEEP}}`);
    expectTooDeep(register.status, register.body);
    const patch = await s.rest('PATCH', '/admin/physicians/0123456789abcdef01234567', `{"patch":${DEEP}}`, admin.accessToken);
    expectTooDeep(patch.status, patch.body);
    expect(await snapshot()).toEqual(before);
  });

  it('REST: the cap sits at 32 levels — 32 are parsed (and validated), 33 are refused', async () => {
    const nest = (n: number) => `{"email":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    const at = await s.rest('POST', '/auth/login', nest(32));
    expect(at.status).toBe(400);
    expect(at.body.data.fieldErrors).toHaveProperty('email');
    const over = await s.rest('POST', '/auth/login', nest(33));
    expectTooDeep(over.status, over.body);
  });

  it('tRPC: a deep body and a deep query input', async () => {
    const before = await snapshot();
    // tRPC's own envelope (superjson `{ json }`, numeric code), one entry per call of a batch, as the SDK reads it.
    const post = await fetch(`${s.baseUrl}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"json":${DEEP}}` });
    const postBody = (await post.json()) as any;
    expectTooDeep(post.status, postBody.error.json);
    expect(postBody.error.json.code).toBe(-32600);
    const get = await fetch(`${s.baseUrl}/trpc/physicians.list,specialties.list?batch=1&input=${encodeURIComponent(`{"0":{"json":{"q":${'['.repeat(2_000)}${']'.repeat(2_000)}}}}`)}`);
    const getBody = (await get.json()) as any[];
    expect(getBody).toHaveLength(2);
    for (const entry of getBody) expectTooDeep(get.status, entry.error.json);
    expect(await snapshot()).toEqual(before);
  });

  it('JSON_MAX_DEPTH configures the cap (default 32), and a bad value stops start-up naming it', () => {
    expect(loadConfig({}).jsonMaxDepth).toBe(32);
    expect(loadConfig({ JSON_MAX_DEPTH: '64' }).jsonMaxDepth).toBe(64);
    expect(() => loadConfig({ JSON_MAX_DEPTH: '0' })).toThrow(/JSON_MAX_DEPTH/);
    expect(() => loadConfig({ JSON_MAX_DEPTH: 'deep' })).toThrow(/JSON_MAX_DEPTH/);
  });
});

describe('JSON_MAX_DEPTH reaches the server', () => {
  let shallow: TestServer;
  beforeAll(async () => {
    shallow = await startTestServer({ jsonMaxDepth: 2 });
  });
  afterAll(() => shallow.close());

  it('a server started with a cap of 2 refuses 3 levels on both faces', async () => {
    const ok = await shallow.rest('POST', '/auth/login', { email: ['x'], password: 'x' });
    expect(ok.status).toBe(400);
    expect(ok.body.data.fieldErrors).toHaveProperty('email');
    const deep = await shallow.rest('POST', '/auth/login', { email: [['x']], password: 'x' });
    expect(deep.status).toBe(400);
    expect(deep.body.message).toBe('The request body is nested too deeply (more than 2 levels).');
    const trpc = await fetch(`${shallow.baseUrl}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"json":{"email":[1]}}' });
    expect(trpc.status).toBe(400);
    expect(((await trpc.json()) as any).error.json.message).toBe('The request body is nested too deeply (more than 2 levels).');
  });
});

describe('malformed URLs and wrong JSON types found by the fuzz suite', () => {
  it('a path with bad percent-encoding → 400 in the one error shape', async () => {
    for (const path of ['/packages/%E0%A4%A', '/physicians/%E0%A4%A/slots']) {
      const res = await s.rest('GET', path);
      expect(res.status).toBe(400);
      expect(typeof res.body.message).toBe('string');
      expect(res.body.data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: 400 });
      expect(typeof res.body.data.requestId).toBe('string');
    }
  });

  it('a REST body is not coerced: operator objects and strings are not booleans or numbers, on either face', async () => {
    const admin = await makeStaff(s, 'admin');
    const policies = async () => (await s.rest('GET', '/clinic')).body.policies;
    const before = await policies();
    const flag = await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: { $gt: '' } }, admin.accessToken);
    expectFieldError(flag.status, flag.body, 'paymentRequired', /expected boolean/);
    const hours = await s.rest('PATCH', '/admin/clinic/policies', { cancellationCutoffHours: '12', holdMinutes: [] }, admin.accessToken);
    expect(hours.status).toBe(400);
    expect(Object.keys(hours.body.data.fieldErrors).sort()).toEqual(['cancellationCutoffHours', 'holdMinutes']);
    // The REST calls above used to switch coercion on for the tRPC face too.
    const trpc = await fetch(`${s.baseUrl}/trpc/clinic.updatePolicies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
      body: JSON.stringify({ json: { paymentRequired: 'yes' } }),
    });
    expectFieldError(trpc.status, ((await trpc.json()) as any).error.json, 'paymentRequired', /expected boolean/);
    expect(await policies()).toEqual(before);
    // Declared coercion still turns REST query text into numbers.
    expect((await s.rest('GET', '/physicians?limit=5&minPrice=0')).status).toBe(200);
  });
});

describe('requests refused by the HTTP parser answer in the one error shape', () => {
  const expectShape = (status: number, body: any) => {
    expect(typeof body.message).toBe('string');
    expect(body.data).toMatchObject({ appCode: 'VALIDATION_FAILED', httpStatus: status });
    expect(typeof body.data.requestId).toBe('string');
  };

  it('a URL past the 16 kB header limit → 431', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/physicians?q=${'x'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expectShape(431, await res.json());
  });

  it('bytes that are not HTTP → 400', async () => {
    const { port } = new URL(s.baseUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', (err) => (text ? resolve(text) : reject(err)));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expectShape(400, JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)));
  });
});
