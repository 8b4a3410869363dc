/**
 * Fuzz: every operation of the served OpenAPI document (read at run time, so a new operation is covered
 * without touching this file) gets malformed input — as an anonymous caller, a patient and an admin — and
 * must answer a 4xx in the one error shape, leak no stack trace, and change no stored data. A smaller
 * sample goes through the /trpc face. Deterministic: one seeded PRNG picks the cases and identities.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysician } from './support/fixtures.ts';
import { makeStaff, registerVerified, startTestServer, type TestServer } from './support/server.ts';

const SEED = 0x5eed_c11c;
const BODY_LIMIT = 100_000;
/** Per operation: every structural case, plus this many drawn at random from the rest. */
const RANDOM_CASES_PER_OP = 20;
/** Per operation on the /trpc face. */
const TRPC_CASES_PER_OP = 8;

/** mulberry32: small, seeded, good enough to pick cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  return { next, int, pick, shuffle };
}
const rnd = prng(SEED);

// ── The document ─────────────────────────────────────────────────────────────────────────────────────

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  operationId: string;
  params: Param[];
  body: Schema | null;
  /** Whether the operation needs a signed-in caller (the document's `security`). */
  protected: boolean;
}

let doc: { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

function resolve(schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolve(doc.components?.schemas?.[name]);
  }
  if (schema.allOf?.length === 1) return resolve(schema.allOf[0]);
  return schema;
}

function operationsOf(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => ({ ...p, schema: resolve(p.schema) }));
      const body = op.requestBody?.content?.['application/json']?.schema;
      const security = (op.security ?? (doc as { security?: unknown[] }).security ?? []) as unknown[];
      ops.push({ method: method.toUpperCase(), path, operationId: op.operationId ?? `${method} ${path}`, params, body: body ? resolve(body) : null, protected: security.length > 0 });
    }
  }
  return ops;
}

// ── Values ───────────────────────────────────────────────────────────────────────────────────────────

const NEVER_STORED_ID = 'f0f0f0f0f0f0f0f0f0f0f0f0';
/** Candidates for a pattern-constrained string; the first that matches the pattern is the valid value. */
const PATTERN_SAMPLES = [NEVER_STORED_ID, '2030-01-15', '09:00', 'family-medicine', '+971501234567', '123456', '784-1990-1234567-1'];

function typeOf(s: Schema): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t) return t;
  if (s.properties) return 'object';
  if (s.anyOf || s.oneOf) return typeOf(resolve((s.anyOf ?? s.oneOf)!.find((o) => resolve(o).type !== 'null')));
  return 'string';
}
const isDateLike = (s: Schema) => s.format === 'date' || s.format === 'date-time' || s.pattern === '^\\d{4}-\\d{2}-\\d{2}$';
/** The schema without its `null` alternative (`anyOf: [X, null]` → X). */
const nonNull = (s: Schema): Schema => resolve((s.anyOf ?? s.oneOf)?.find((o) => resolve(o).type !== 'null') ?? s);
const isNumeric = (s: Schema) => ['integer', 'number'].includes(typeOf(s));
const isNullable = (s: Schema) => [s.type].flat().includes('null') || !!(s.anyOf ?? s.oneOf)?.some((o) => resolve(o).type === 'null');
/** Free text: any string is valid up to its length, so odd-looking text is no error there. */
const isFreeText = (s: Schema) => typeOf(s) === 'string' && !s.pattern && !s.enum && s.const === undefined && !s.format && !(s.anyOf ?? s.oneOf);
/** Numbers outside a numeric schema's bounds (or not integers where integers are asked for). */
function outOfRange(s: Schema): number[] {
  const out: number[] = [];
  if (s.minimum !== undefined) out.push(s.minimum - 1, -1e308);
  if (s.maximum !== undefined && s.maximum < 1e308) out.push(s.maximum + 1, 1e308);
  if (typeOf(s) === 'integer') out.push(1.5);
  return out;
}

/** While building GET cases: ids may name seeded data (see SEEDED). */
let sampleForGet = false;

/** A plausible valid value for a schema, so that one broken field is what the server has to deal with. */
function sample(schema: Schema | undefined, name = ''): unknown {
  const s = resolve(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.anyOf || s.oneOf) return sample((s.anyOf ?? s.oneOf)!.find((o) => resolve(o).type !== 'null'), name);
  switch (typeOf(s)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = sample(s.properties?.[key], key);
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items, name));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 1, 1));
    case 'boolean':
      return false;
    default: {
      if (/^(id|physicianId)$/.test(name) && s.pattern && SEEDED.physicianId && sampleForGet) return SEEDED.physicianId;
      if (s.format === 'date-time') return '2030-01-15T09:00:00+04:00';
      if (s.format === 'date') return '2030-01-15';
      if (s.format === 'uri') return 'https://example.test/x.png';
      if (s.pattern) return PATTERN_SAMPLES.find((c) => new RegExp(s.pattern!).test(c)) ?? 'x';
      if (/email/i.test(name)) return 'fuzz.caller@example.test';
      if (/password/i.test(name)) return 'Fuzz-pass-12345';
      return 'Fuzz value'.slice(0, s.maxLength ?? 10).padEnd(s.minLength ?? 1, 'x');
    }
  }
}

/** Ids of seeded data, used only by GET operations (which cannot write), so that broken input meets real data. */
const SEEDED: { physicianId?: string } = {};

const OPERATOR_OBJECTS = [{ $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { $regex: '.*' }];
const IMPOSSIBLE_DATES = ['2026-02-30', '2026-13-45', '0000-00-00', '9999-99-99', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '2026-02-30T10:00:00Z'];
const OUT_OF_RANGE = [-1, 1.5, 2 ** 53 + 2, 1e308, -1e308];
/** Raw JSON number text that JSON.parse turns into ±Infinity or loses. */
const RAW_NUMBERS = ['1e999', '-1e999', '123456789012345678901234567890'];
const huge = (n: number) => 'x'.repeat(n);
/**
 * A string of about n characters that is otherwise valid for the field (it still matches the field's
 * pattern, or is still a URL), so that only its length can make the server refuse it.
 */
function hugeFor(schema: Schema, n: number): string {
  const s = nonNull(schema);
  if (s.format === 'uri') return `https://example.test/${huge(n)}`;
  const candidates = [`${String(sample(s))}${huge(n)}`, huge(n), `${huge(n)}@example.test`];
  return (s.pattern && candidates.find((c) => new RegExp(s.pattern!).test(c))) || huge(n);
}
const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);

/** Values of the wrong JSON type for a schema. */
function wrongTypes(s: Schema): unknown[] {
  switch (typeOf(s)) {
    case 'string':
      return [12345, true, [], ['a'], {}];
    case 'integer':
    case 'number':
      return ['12', 'abc', true, [], {}];
    case 'boolean':
      return ['true', 1, {}];
    case 'array':
      return ['x', {}, 1, [{ $gt: '' }]];
    default:
      return ['x', [], 1];
  }
}

const isText = (s: Schema) => typeOf(nonNull(s)) === 'string' && !nonNull(s).enum && nonNull(s).const === undefined;

/** `[where, value]` pairs putting 90 kB of otherwise valid text into each text slot of a field, one level down. */
function hugeTextValues(schema: Schema): [string, unknown][] {
  const s = nonNull(schema);
  if (isText(s)) return [['', hugeFor(s, 90_000)]];
  const out: [string, unknown][] = [];
  const inObject = (o: Schema, wrap: (v: Record<string, unknown>) => unknown, prefix: string) => {
    for (const [key, sub] of Object.entries(o.properties ?? {})) {
      if (isText(sub)) out.push([`${prefix}.${key}`, wrap({ ...(sample(o) as Record<string, unknown>), [key]: hugeFor(resolve(sub), 90_000) })]);
    }
  };
  if (typeOf(s) === 'array') {
    const item = resolve(s.items);
    if (isText(item)) out.push(['[]', [hugeFor(item, 90_000)]]);
    else if (typeOf(item) === 'object') inObject(item, (v) => [v], '[]');
  } else if (typeOf(s) === 'object') {
    inObject(s, (v) => v, '');
  }
  return out;
}

/**
 * Broken values for a body field, each labelled for the report. Only values the field's schema cannot
 * accept: odd text is valid free text, null is valid where the field is nullable, and a number inside
 * the bounds is valid — a non-GET operation given those would make a legal write. (A 90 kB string is
 * sent to every text field: a field without a length limit accepting it is a finding.)
 */
function badBodyValues(s: Schema): [string, string][] {
  const j = (v: unknown) => JSON.stringify(v);
  const out: [string, string][] = [
    ...wrongTypes(s).map((v): [string, string] => ['wrong type', j(v)]),
    ...OPERATOR_OBJECTS.map((v): [string, string] => ['operator object', j(v)]),
    ['deep nesting', nested(40)],
  ];
  if (!isNullable(s)) out.push(['null', 'null']);
  if (!isFreeText(s)) {
    out.push(['impossible date', j(rnd.pick(IMPOSSIBLE_DATES))], ['control characters', j('\u0000\u202e../../etc/passwd')]);
  }
  if (isNumeric(s)) {
    out.push(...outOfRange(s).map((v): [string, string] => ['out-of-range number', j(v)]));
    out.push(...RAW_NUMBERS.filter((r) => r !== RAW_NUMBERS[2] || s.maximum !== undefined).map((r): [string, string] => ['raw number', r]));
  } else {
    out.push(['wrong type', j(rnd.pick(OUT_OF_RANGE))], ['raw number', rnd.pick(RAW_NUMBERS)]);
  }
  if (isDateLike(s)) out.push(...IMPOSSIBLE_DATES.map((v): [string, string] => ['impossible date', j(v)]));
  return out;
}

/** Broken values for a query parameter (already URL-encoded). */
function badQueryValues(s: Schema): [string, string][] {
  const e = encodeURIComponent;
  const out: [string, string][] = [
    ['operator object', e(JSON.stringify(rnd.pick(OPERATOR_OBJECTS)))],
    ['huge string', huge(10_000)],
    ['regex metacharacters', e(rnd.pick(['(', '[', '.*', '\\', '(?<', '*+', '$where']))],
    ['control characters', e('\u0000\u202e')],
    ['bad percent-encoding', '%E0%A4%A'],
    ['impossible date', e(rnd.pick(IMPOSSIBLE_DATES))],
    ['out-of-range number', e(String(rnd.pick([...OUT_OF_RANGE, 'NaN', 'Infinity', '1e999', '-0x10'])))],
    ['empty', ''],
  ];
  if (typeOf(s) !== 'string') out.push(['wrong type', 'abc'], ['wrong type', 'true']);
  if (isDateLike(s)) out.push(...IMPOSSIBLE_DATES.map((v): [string, string] => ['impossible date', e(v)]));
  return out;
}

/**
 * Legal but extreme query values (GET only, so they may pass): the ends of the accepted date range and of
 * numeric bounds, and text that decodes to an operator object — these get past validation into the services.
 */
function edgeQueryValues(s: Schema): [string, string][] {
  const e = encodeURIComponent;
  if (s.format === 'date-time') return ['1900-01-01T00:00:00.000Z', '2200-12-31T23:59:59.999Z'].map((v) => ['edge of range', e(v)]);
  if (isDateLike(s)) return ['1900-01-01', '2200-12-31', '2028-02-29'].map((v) => ['edge of range', v]);
  if (isNumeric(s)) return [s.minimum, s.maximum].filter((v) => v !== undefined).map((v) => ['edge of range', String(v)]);
  if (isFreeText(s)) return [['encoded operator object', Buffer.from('{"$gt":"","id":{"$ne":null}}').toString('base64url')]];
  return [];
}

/** Bad path ids (URL-encoded as they would be on the wire). */
const BAD_PATH_VALUES: [string, string][] = [
  ['traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['traversal', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['24-hex that does not exist', NEVER_STORED_ID],
  ['10 kB id', huge(10_000)],
  ['operator object', encodeURIComponent('{"$gt":""}')],
  ['not hex', 'zzzzzzzzzzzzzzzzzzzzzzzz'],
  ['null byte', '%00'],
  ['bad percent-encoding', '%E0%A4%A'],
  ['unicode', encodeURIComponent('😀\u202e')],
];

// ── Cases ────────────────────────────────────────────────────────────────────────────────────────────

type Who = 'anonymous' | 'patient' | 'admin' | 'forged';

/** Malformed credentials, sent as the `forged` caller: no JWT, a JWT without a signature (alg none), 10 kB. */
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const FORGED_TOKENS = [
  'not-a-jwt',
  `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: NEVER_STORED_ID, role: 'admin', exp: 4_102_444_800 })}.`,
  `${b64({ alg: 'HS256' })}.${b64({ sub: { $gt: '' }, role: ['admin'] })}.c2lnbmF0dXJl`,
  huge(10_000),
];
interface Case {
  op: Operation;
  label: string;
  method: string;
  url: string;
  contentType?: string;
  body?: string;
  /** Whether a 2xx would be a legal answer: only GET queries whose input may happen to be valid. */
  mayPass: boolean;
}

const hasBody = (op: Operation) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method);

function buildUrl(op: Operation, pathValues: Record<string, string>, query: [string, string][]): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => pathValues[name] ?? encodeURIComponent(String(sample(op.params.find((p) => p.name === name)?.schema, name))));
  const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
  return `/api/v1${path}${qs ? `?${qs}` : ''}`;
}

function baseQuery(op: Operation): [string, string][] {
  return op.params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, encodeURIComponent(String(sample(p.schema, p.name)))]);
}

function baseBody(op: Operation): Record<string, unknown> {
  return op.body ? (sample(op.body) as Record<string, unknown>) : {};
}

/** JSON text of `base` with `field` set to raw JSON text `value` (raw, so `1e999` and deep nesting go as is). */
function withRaw(base: Record<string, unknown>, field: string, value: string): string {
  const rest = Object.entries(base).filter(([k]) => k !== field);
  const parts = rest.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  parts.push(`${JSON.stringify(field)}:${value}`);
  return `{${parts.join(',')}}`;
}

/** Cases that must run for every operation (the brief's list), and a pool to draw more from. */
function casesFor(op: Operation): { must: Case[]; pool: Case[]; bare: Case } {
  const must: Case[] = [];
  const pool: Case[] = [];
  const isGet = op.method === 'GET';
  // Physician ids in GET paths and queries name the seeded physician; nothing else does (writes stay impossible).
  sampleForGet = isGet && /physician/i.test(op.path + op.params.map((p) => p.name).join());
  const jsonBody = hasBody(op) ? JSON.stringify(baseBody(op)) : undefined;
  const ct = hasBody(op) ? 'application/json' : undefined;
  const q0 = baseQuery(op);
  const add = (list: Case[], label: string, url: string, body = jsonBody, contentType = ct, mayPass = false) =>
    list.push({ op, label, method: op.method, url, ...(contentType ? { contentType } : {}), ...(body !== undefined ? { body } : {}), mayPass: isGet && mayPass });

  // Path ids: every bad value for every path parameter, with a valid body so that the id is what is wrong.
  // A value the parameter's own schema accepts (a 24-hex id that does not exist is a valid id; for a slug it
  // names a new specialty) would make a legal write, so there the body also carries an unknown field.
  for (const p of op.params.filter((x) => x.in === 'path')) {
    for (const [label, value] of BAD_PATH_VALUES) {
      const passes = !!p.schema?.pattern && new RegExp(p.schema.pattern).test(value);
      const body = passes && op.body ? JSON.stringify({ ...baseBody(op), fuzzUnknownField: true }) : jsonBody;
      add(must, `path ${p.name}: ${label}${body === jsonBody ? '' : ' (+ unknown body field)'}`, buildUrl(op, { [p.name]: value }, q0), body);
    }
  }

  // Query parameters: an operator object in each (as a JSON string and as a bracketed key), the rest drawn.
  for (const p of op.params.filter((x) => x.in === 'query')) {
    const others = q0.filter(([k]) => k !== p.name);
    add(must, `query ${p.name}: operator object`, buildUrl(op, {}, [...others, [p.name, encodeURIComponent('{"$gt":""}')]]), jsonBody, ct, true);
    // (An empty value would be dropped by the adapter, leaving a legal request.)
    add(must, `query ${p.name}[$gt]: operator key`, buildUrl(op, {}, [...others, [`${p.name}%5B%24gt%5D`, 'x']]));
    add(must, `query ${p.name}: repeated`, buildUrl(op, {}, [...others, [p.name, 'a'], [p.name, 'b']]), jsonBody, ct, typeOf(p.schema ?? {}) === 'array');
    for (const [label, value] of badQueryValues(p.schema ?? {})) {
      // A string that happens to be legal (a long or odd `q`) is a legal search: GET may answer 2xx.
      add(isDateLike(p.schema ?? {}) && label === 'impossible date' ? must : pool, `query ${p.name}: ${label}`, buildUrl(op, {}, [...others, [p.name, value]]), jsonBody, ct, true);
    }
    for (const [label, value] of edgeQueryValues(p.schema ?? {})) add(must, `query ${p.name}: ${label}`, buildUrl(op, {}, [...others, [p.name, value]]), jsonBody, ct, true);
    if (p.required) add(must, `query ${p.name}: missing`, buildUrl(op, {}, others));
  }
  if (op.params.some((x) => x.in === 'query')) add(must, 'unknown query parameter', buildUrl(op, {}, [...q0, ['fuzz', '1']]));
  const firstQuery = op.params.find((x) => x.in === 'query');
  // Past Node's 16 kB limit on the request line: refused before Fastify, still in the one shape (431).
  if (firstQuery) add(must, `query ${firstQuery.name}: over the header limit`, buildUrl(op, {}, [...q0, [firstQuery.name, huge(20_000)]]));

  const url = buildUrl(op, {}, q0);
  if (op.body) {
    const base = baseBody(op);
    const props = resolve(op.body).properties ?? {};
    for (const [field, fs] of Object.entries(props)) {
      const s = resolve(fs);
      add(must, `body ${field}: operator object`, url, withRaw(base, field, JSON.stringify({ $gt: '' })));
      add(must, `body ${field}: wrong type`, url, withRaw(base, field, JSON.stringify(wrongTypes(s)[0])));
      // Text fields must have a length limit: 90 kB that is otherwise valid is refused. Also text in lists,
      // in objects and in lists of objects, one level down.
      for (const [where, value] of hugeTextValues(s)) add(must, `body ${field}${where}: huge string`, url, withRaw(base, field, JSON.stringify(value)));
      for (const [label, value] of badBodyValues(s)) {
        const list = (label === 'impossible date' && isDateLike(s)) || (label === 'out-of-range number' && ['integer', 'number'].includes(typeOf(s))) ? must : pool;
        add(list, `body ${field}: ${label}`, url, withRaw(base, field, value));
      }
      // One nested field deeper down, where there is one.
      const inner = resolve(s.items ?? s);
      const innerProps = Object.keys(inner.properties ?? {});
      if (innerProps.length) {
        const key = rnd.pick(innerProps);
        const innerBase = sample(inner) as Record<string, unknown>;
        const raw = withRaw(innerBase, key, JSON.stringify(rnd.pick([...OPERATOR_OBJECTS, 'x', -1, null])));
        add(pool, `body ${field}.${key}: bad nested value`, url, withRaw(base, field, s.items ? `[${raw}]` : raw));
      }
    }
    const required = resolve(op.body).required ?? [];
    for (const field of required) {
      const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
      add(must, `body ${field}: missing`, url, JSON.stringify(rest));
    }
    if (required.length) add(must, 'body: empty object', url, '{}');
    add(must, 'body: unknown field', url, JSON.stringify({ ...base, fuzzUnknownField: true }));
    add(pool, 'body: prototype pollution', url, `{"__proto__":{"isAdmin":true},${JSON.stringify(base).slice(1)}`);
    add(pool, 'body: constructor pollution', url, withRaw(base, 'constructor', '{"prototype":{"isAdmin":true}}'));
    for (const notObject of ['[]', '"text"', '123', 'null', 'true']) add(pool, `body: ${notObject} instead of an object`, url, notObject);
  }
  if (hasBody(op)) {
    // Transport-level breakage: rejected before any procedure runs, so safe for operations without input too.
    add(must, 'body: nested to the body limit', url, `{"a":${nested(Math.floor((BODY_LIMIT - 20) / 2))}}`);
    add(must, 'body: over the body limit', url, JSON.stringify({ ...baseBody(op), padding: huge(BODY_LIMIT + 1_000) }));
    add(must, 'body: invalid JSON', url, '{"a": [1, 2');
    add(pool, 'body: empty with a JSON content type', url, '');
    add(pool, 'body: nested objects past the cap', url, '{"a":'.repeat(33) + '1' + '}'.repeat(33));
    // DELETE takes its input from the query; a text body there is ignored, not wrong.
    if (op.method !== 'DELETE') add(pool, 'body: text/plain', url, 'hello', 'text/plain');
    add(pool, 'body: form-encoded', url, 'a=1&b=2', 'application/x-www-form-urlencoded');
    add(pool, 'body: JSON declared as UTF-16', url, '{"a":', 'application/json; charset=utf-16');
  }
  // The operation's own well-formed request: only the credentials will be wrong.
  const bare: Case = { op, label: 'well-formed request', method: op.method, url, ...(ct ? { contentType: ct } : {}), ...(jsonBody !== undefined ? { body: jsonBody } : {}), mayPass: isGet };
  sampleForGet = false;
  return { must, pool, bare };
}

// ── Checking answers ─────────────────────────────────────────────────────────────────────────────────

const LEAKS: [RegExp, string][] = [
  [/\n\s+at /, 'stack trace'],
  [/\.ts:\d+/, 'source file path'],
  [/node_modules/, 'node_modules path'],
];

/** Problems with one answer; none = fine. `envelope` is the /trpc face, where errors sit in `error.json`. */
function problemsWith(status: number, text: string, mayPass: boolean, face: 'rest' | 'trpc', badPath = false): string[] {
  const problems: string[] = [];
  for (const [re, what] of LEAKS) if (re.test(text)) problems.push(`leaks a ${what}`);
  if (status >= 200 && status < 300) {
    if (!mayPass) problems.push(`answered ${status} to malformed input`);
    return problems;
  }
  if (status < 400 || status >= 500) problems.push(`answered ${status}`);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, 'error body is not JSON'];
  }
  // On /trpc every error, also one raised before tRPC runs (body limit, content type, nesting cap), comes in
  // tRPC's envelope with its numeric JSON-RPC code, as the SDK reads it.
  const e = face === 'trpc' ? body?.error?.json : body;
  if (typeof e?.message !== 'string' || !e.message) problems.push('no message');
  if (typeof e?.code !== (face === 'trpc' ? 'number' : 'string')) problems.push('no code');
  if (typeof e?.data?.appCode !== 'string') problems.push('no data.appCode');
  if (e?.data?.httpStatus !== status) problems.push(`data.httpStatus ${e?.data?.httpStatus} ≠ ${status}`);
  if (typeof e?.data?.requestId !== 'string' || !e.data.requestId) problems.push('no data.requestId');
  // A request that never reached its operation tests nothing: only a broken path id may miss the route.
  if (status === 404 && !badPath && /^No (route|procedure)/.test(String(e?.message))) problems.push(`missed the operation (${e.message})`);
  return problems;
}

// ── Stored data ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Collections a rejected request may legitimately write to, left out of the fingerprint. None today: the
 * rate-limit counters (rate_limits) count only well-formed attempts, so malformed input leaves them alone
 * too. Add bookkeeping here (with the reason) if that changes — never data a user would see.
 */
const BOOKKEEPING = new Set<string>();

async function fingerprint(s: TestServer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = (await s.database.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  for (const name of names) {
    if (BOOKKEEPING.has(name) || name.startsWith('system.')) continue;
    const docs = await s.database.db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = `${docs.length}:${createHash('sha256').update(JSON.stringify(docs)).digest('hex').slice(0, 16)}`;
  }
  return out;
}

// ── The run ──────────────────────────────────────────────────────────────────────────────────────────

let s: TestServer;
const tokens: Record<Who, string | undefined> = { anonymous: undefined, patient: undefined, admin: undefined, forged: undefined };
const histogram = new Map<number, number>();
const failures: string[] = [];
let requests = 0;
let trpcRequests = 0;
let before: Record<string, string>;
const started = Date.now();

beforeAll(async () => {
  s = await startTestServer({ bodyLimit: BODY_LIMIT });
  // Seeded data the operations can see: a physician (with its specialty), a patient and an admin.
  SEEDED.physicianId = (await createPhysician(s)).id;
  tokens.patient = (await registerVerified(s)).accessToken;
  tokens.admin = (await makeStaff(s, 'admin')).accessToken;
  const res = await fetch(`${s.baseUrl}/api/v1/openapi.json`);
  doc = (await res.json()) as typeof doc;
  before = await fingerprint(s);
}, 60_000);
afterAll(() => s?.close());

function record(status: number, label: string, problems: string[]) {
  histogram.set(status, (histogram.get(status) ?? 0) + 1);
  if (problems.length) failures.push(`${label} → ${status}: ${problems.join('; ')}`);
}

async function send(c: Case, who: Who) {
  const res = await fetch(`${s.baseUrl}${c.url}`, {
    method: c.method,
    headers: { ...(c.contentType ? { 'content-type': c.contentType } : {}), ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}) },
    ...(c.body !== undefined ? { body: c.body } : {}),
  });
  const text = await res.text();
  requests++;
  record(res.status, `REST ${c.method} ${c.op.path} as ${who}: ${c.label}`, problemsWith(res.status, text, c.mayPass, 'rest', c.label.startsWith('path ')));
}

describe('fuzz: malformed input on every operation of the OpenAPI document', () => {
  it('REST: every answer is a 4xx in the one error shape, no leaks', async () => {
    const ops = operationsOf();
    expect(ops.length).toBeGreaterThan(40);
    const everyone: Who[] = ['anonymous', 'patient', 'admin'];
    for (const op of ops) {
      const { must, pool, bare } = casesFor(op);
      // Structural cases from every identity (authorisation and validation meet in every order); drawn ones from one.
      for (const c of must) for (const who of everyone) await send(c, who);
      for (const c of rnd.shuffle(pool).slice(0, RANDOM_CASES_PER_OP)) await send(c, rnd.pick(everyone));
      // Forged credentials, each once, on the well-formed request of an operation that needs a signed-in caller
      // (a public one ignores credentials, so its well-formed request would be legal).
      if (op.protected) for (const token of FORGED_TOKENS) {
        tokens.forged = token;
        await send(bare, 'forged');
      }
    }
  }, 120_000);

  it('tRPC: a sample of the same inputs through /trpc', async () => {
    for (const op of operationsOf()) {
      const proc = op.operationId.replace('-', '.');
      const isQuery = op.method === 'GET';
      const input: Record<string, unknown> = { ...baseBody(op) };
      for (const p of op.params) if (p.in === 'path' || p.required) input[p.name] = sample(p.schema, p.name);
      const fields = [...Object.keys(resolve(op.body ?? {}).properties ?? {}), ...op.params.map((p) => p.name)];
      // A procedure without input ignores whatever input it is given: only the nesting cap applies there.
      const variants: [string, string][] = [['nested past the cap', `{"json":${nested(isQuery ? 1_000 : 20_000)}}`]];
      if (fields.length) variants.push(['unknown field', JSON.stringify({ json: { ...input, fuzzUnknownField: 1 } })], ['not an envelope', JSON.stringify([{ $gt: '' }])]);
      // Every text field, path ids included (REST paths cannot carry them: 200 characters at most), gets long
      // but otherwise valid text; the rest is drawn.
      const musts: [string, string][] = [];
      for (const field of fields) {
        const schema = resolve(op.body?.properties?.[field] ?? op.params.find((p) => p.name === field)?.schema);
        if (isText(schema)) musts.push([`${field}: huge string`, JSON.stringify({ json: { ...input, [field]: hugeFor(schema, isQuery ? 5_000 : 50_000) } })]);
        const bad = rnd.pick<unknown>([...OPERATOR_OBJECTS, { nested: { deeper: [1] } }]);
        variants.push([`${field}: ${JSON.stringify(bad).slice(0, 20)}`, JSON.stringify({ json: { ...input, [field]: bad } })]);
      }
      // Long text goes as a patient and as an admin (a signed-in caller gets past authorisation); drawn cases as anyone.
      const runs: [string, string, Who][] = [
        ...musts.flatMap(([label, envelope]): [string, string, Who][] => [[label, envelope, 'patient'], [label, envelope, 'admin']]),
        ...rnd.shuffle(variants).slice(0, TRPC_CASES_PER_OP).map(([label, envelope]): [string, string, Who] => [label, envelope, rnd.pick<Who>(['anonymous', 'patient', 'admin'])]),
      ];
      for (const [label, envelope, who] of runs) {
        const headers = tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {};
        const res = isQuery
          ? await fetch(`${s.baseUrl}/trpc/${proc}?input=${encodeURIComponent(envelope)}`, { headers })
          : await fetch(`${s.baseUrl}/trpc/${proc}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: envelope });
        const text = await res.text();
        trpcRequests++;
        // Only a query whose input happens to be legal may answer 2xx (an unknown field is never legal).
        record(res.status, `tRPC ${proc} as ${who}: ${label}`, problemsWith(res.status, text, isQuery && label !== 'unknown field', 'trpc'));
      }
    }
  }, 60_000);

  it('nothing stored changed, no answer was a 5xx or leaked, and every error had the one shape', async () => {
    const statuses = [...histogram.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    console.log(
      `[fuzz] ${requests + trpcRequests} requests (REST ${requests}, tRPC ${trpcRequests}) in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses: ${statuses.join(', ')}`,
    );
    expect(requests).toBeGreaterThan(1_000);
    expect.soft(failures).toEqual([]);
    expect(await fingerprint(s)).toEqual(before);
  });
});
