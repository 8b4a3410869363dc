import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

/**
 * What the document promises is what the server answers: real responses of a booking flow, success and
 * error, validate against the document's schema for that operation and status (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1), and a client generated from it reads the error body with its own types.
 */
let s: TestServer;
let doc: any;
let validator: Ajv2020;
const DOC_ID = 'https://clinic.test/api/v1/openapi.json';
const day1 = dubaiDate(1);
// Bookings on day 3: far enough ahead for a patient to cancel (the clinic's cutoff is 24 h).
const day3 = dubaiDate(3);

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(day1, '09:05'));
  doc = await (await fetch(`${s.baseUrl}/api/v1/openapi.json`)).json();
  validator = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(validator);
  validator.addSchema(structuredClone(doc), DOC_ID);
});
afterAll(() => s.close());

const pointer = (...segments: string[]) => segments.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
const compiled = new Map<string, ValidateFunction>();
const checked: string[] = [];

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Asserts the answer is one the document declares for this operation, and that its body fits that response's schema. */
function conforms(method: string, path: string, res: Answer) {
  const where = `${method.toUpperCase()} ${path} → ${res.status}`;
  const op = doc.paths[path]?.[method];
  expect(op, `${method} ${path} is not in the document`).toBeDefined();
  let response = op.responses[String(res.status)];
  expect(response, `${where} is not declared`).toBeDefined();
  let at = `#/${pointer('paths', path, method, 'responses', String(res.status))}`;
  if (response.$ref) {
    at = response.$ref;
    response = doc.components.responses[response.$ref.split('/').pop()];
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!;
  expect(Object.keys(response.content ?? {}), where).toContain(contentType);
  const ref = `${DOC_ID}${at}/${pointer('content', contentType, 'schema')}`;
  let validate = compiled.get(ref);
  if (!validate) compiled.set(ref, (validate = validator.compile({ $ref: ref })));
  const ok = validate(res.body);
  expect(ok ? [] : validate.errors, `${where}: ${JSON.stringify(res.body).slice(0, 300)}`).toEqual([]);
  checked.push(where);
}

async function call(method: string, path: string, url: string, body?: unknown, token?: string) {
  const res = await s.rest(method.toUpperCase(), url, body, token);
  conforms(method, path, res);
  return res;
}

describe('real responses match the document', () => {
  it('a booking flow, from registration to cancellation, with the errors on the way', async () => {
    const email = uniqueEmail();
    const password = 'correct horse battery';
    // Accounts.
    const reg = await call('post', '/auth/register', '/auth/register', { email, password, fullName: 'Flow Patient' });
    expect(reg.status).toBe(200);
    expect((await call('post', '/auth/register', '/auth/register', { email, password, fullName: 'Again' })).status).toBe(409);
    expect((await call('post', '/auth/register', '/auth/register', { email: 'nope', password, fullName: 'Bad' })).status).toBe(400);
    expect((await call('post', '/auth/login', '/auth/login', { email, password })).status).toBe(403);
    expect((await call('post', '/auth/resend-code', '/auth/resend-code', { email })).status).toBe(429);
    const code = await s.inbox.codeFor(email, /verification code/);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await call('post', '/auth/verify', '/auth/verify', { email, code: wrong })).status).toBe(422);
    const verified = await call('post', '/auth/verify', '/auth/verify', { email, code });
    expect(verified.status).toBe(200);
    const token = (verified.body as { accessToken: string }).accessToken;
    expect((await call('get', '/users/me', '/users/me')).status).toBe(401);
    expect((await call('get', '/users/me', '/users/me', undefined, token)).status).toBe(200);
    expect((await call('post', '/admin/users', '/admin/users', { email: uniqueEmail('staff'), password, fullName: 'Nope', role: 'staff' }, token)).status).toBe(403);

    // Bodies the server refuses before any procedure runs.
    const big = await s.rest('POST', '/auth/login', { email, password: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);
    conforms('post', '/auth/login', big);
    const text = await fetch(`${s.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    conforms('post', '/auth/login', { status: text.status, headers: text.headers, body: await text.json() });
    expect(text.status).toBe(415);

    // Catalogue.
    const physicianId = (await createPhysician(s)).id;
    expect((await call('get', '/clinic', '/clinic')).status).toBe(200);
    expect((await call('get', '/specialties', '/specialties')).status).toBe(200);
    expect((await call('get', '/time/now', '/time/now')).status).toBe(200);
    expect((await call('get', '/physicians', '/physicians?specialty=family-medicine&sort=next_available')).status).toBe(200);
    expect((await call('get', '/physicians', '/physicians?limit=5000')).status).toBe(400);
    expect((await call('get', '/physicians/{id}', `/physicians/${physicianId}`)).status).toBe(200);
    expect((await call('get', '/physicians/{id}', `/physicians/${'0'.repeat(24)}`)).status).toBe(404);
    const range = `from=${encodeURIComponent(dubai(day3, '00:00').toISOString())}&to=${encodeURIComponent(dubai(day3, '23:59').toISOString())}`;
    const slots = await call('get', '/physicians/{id}/slots', `/physicians/${physicianId}/slots?${range}`);
    expect(slots.status).toBe(200);
    const [first, second] = (slots.body as { slots: { start: string }[] }).slots;

    // Booking, and what goes wrong with it.
    const book = (start: string, t = token) => call('post', '/appointments', '/appointments', { physicianId, start, reason: 'Check-up' }, t);
    expect((await call('post', '/appointments', '/appointments', { physicianId, start: 'soon', reason: 'Check-up' }, token)).status).toBe(400);
    expect((await book(dubai(day3, '03:00').toISOString())).status).toBe(422);
    const booked = await book(first!.start);
    expect(booked.status).toBe(200);
    const id = (booked.body as { id: string }).id;
    const [other] = await makePatients(s, 1);
    expect((await book(first!.start, other!.accessToken)).status).toBe(409);
    expect((await call('get', '/appointments/mine', '/appointments/mine?scope=upcoming', undefined, token)).status).toBe(200);
    expect((await call('get', '/appointments/{id}', `/appointments/${id}`, undefined, token)).status).toBe(200);
    expect((await call('get', '/appointments/{id}', `/appointments/${id}`, undefined, other!.accessToken)).status).toBe(404);
    expect((await call('get', '/appointments/agenda', `/appointments/agenda?date=${day3}`, undefined, token)).status).toBe(403);
    expect((await call('post', '/appointments/{id}/reschedule', `/appointments/${id}/reschedule`, { start: second!.start }, token)).status).toBe(200);
    expect((await call('post', '/appointments/{id}/reschedule', `/appointments/${id}/reschedule`, { start: 'tomorrow morning' }, token)).status).toBe(400);
    expect((await call('post', '/appointments/{id}/cancel', `/appointments/${id}/cancel`, { reason: 'Feeling better' }, token)).status).toBe(200);
    expect((await call('post', '/appointments/{id}/cancel', `/appointments/${id}/cancel`, { reason: 'Twice' }, token)).status).toBe(409);

    // The PDF receipt, a plain route documented by hand.
    expect((await call('get', '/payments/{id}/receipt.pdf', '/payments/nope/receipt.pdf', undefined, token)).status).toBe(400);
    expect((await call('get', '/payments/{id}/receipt.pdf', `/payments/${'0'.repeat(24)}/receipt.pdf`)).status).toBe(401);
    expect((await call('get', '/payments/{id}/receipt.pdf', `/payments/${'0'.repeat(24)}/receipt.pdf`, undefined, token)).status).toBe(404);

    const statuses = new Set(checked.map((c) => c.split('→ ')[1]));
    expect([...statuses].sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '429']);
    console.info(`validated ${checked.length} responses against the document`);
    // The schemas bite: trpc-to-openapi's own error body would not pass.
    const errorSchema = validator.compile({ $ref: `${DOC_ID}#/components/schemas/Error` });
    expect(errorSchema({ message: 'Input validation failed', code: 'BAD_REQUEST', issues: [] })).toBe(false);
  });

  it('a client made with openapi-fetch from the document reads the error body', async () => {
    const client = createClient<any>({ baseUrl: `${s.baseUrl}/api/v1` });
    const { error, response } = await client.POST('/auth/register', { body: { email: 'nope', password: 'long enough password', fullName: 'X' } });
    expect(response.status).toBe(400);
    expect(error.data.appCode).toBe('VALIDATION_FAILED');
    expect(Object.keys(error.data.fieldErrors)).toEqual(['email']);
  });
});

describe('a client generated from the document', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clinic-openapi-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.ts';

type AppCode = components['schemas']['Error']['data']['appCode'];

export async function book(token: string): Promise<string> {
  const client = createClient<paths>({ baseUrl: 'https://api.example-clinic.ae/api/v1' });
  const { data, error, response } = await client.POST('/appointments', {
    headers: { authorization: \`Bearer \${token}\` },
    body: { physicianId: '0123456789abcdef01234567', start: '2030-01-01T10:00:00+04:00', reason: 'Check-up' },
  });
  if (error) {
    const code: AppCode = error.data.appCode;
    const fields: Record<string, string[]> | undefined = error.data.fieldErrors;
    const requestId: string = error.data.requestId;
    const retry: number | undefined = error.data.retryAfter;
    const status: number = error.data.httpStatus;
    if (code === 'SLOT_TAKEN') return 'taken';
    return \`\${response.status} \${error.message} \${Object.keys(fields ?? {}).join()} \${requestId} \${retry ?? ''} \${status}\`;
  }
  return data.id;
}
`;

  async function diagnosticsOf(program: string) {
    const schema = astToString(await openapiTS(structuredClone(doc)));
    await writeFile(join(dir, 'schema.ts'), schema);
    await writeFile(join(dir, 'client.ts'), program);
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      paths: { 'openapi-fetch': [fileURLToPath(import.meta.resolve('openapi-fetch')).replace(/index\.mjs$/, 'index.d.mts')] },
    };
    const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([join(dir, 'client.ts')], options));
    return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it('compiles with a program that reads error.data.appCode and error.data.fieldErrors', async () => {
    expect(await diagnosticsOf(PROGRAM)).toEqual([]);
  });

  it("and would not compile one that reads trpc-to-openapi's old `issues`", async () => {
    const old = PROGRAM.replace('error.data.fieldErrors;', 'error.issues;');
    const messages = await diagnosticsOf(old);
    expect(messages.join('\n')).toMatch(/Property 'issues' does not exist/);
  });
});
