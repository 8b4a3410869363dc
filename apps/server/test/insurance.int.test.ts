import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emiratesIdCheckDigit } from '@clinic/contracts';
import { ObjectId } from '@clinic/db';
import { startInsurerSim, type InsurerSim } from '../src/dev/insurer-sim.ts';
import { createLogger } from '../src/logger.ts';
import { makePatients, startTestServer, type TestServer } from './support/server.ts';

/** A valid Emirates ID (15 ASCII digits) with the given birth year and serial; the check digit is computed. */
function eid(year: string, serial: string): string {
  return withCheckDigit(`784${year}${serial}`);
}
const withCheckDigit = (first14: string) => first14 + emiratesIdCheckDigit(first14);
const dashed = (d: string) => `${d.slice(0, 3)}-${d.slice(3, 7)}-${d.slice(7, 14)}-${d.slice(14)}`;
const arabicIndic = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
const easternArabicIndic = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
const masked = (d: string) => `784-****-*****${d.slice(12, 14)}-${d.slice(14)}`;

// The simulated insurer answers by the two digits before the check digit (see README).
const DAMAN = eid('1990', '1234530'); // eligible, Daman Enhanced Silver, 20 % co-pay
const SUKOON = eid('1985', '7654355'); // eligible, Sukoon Gold, 10 % co-pay
const THIQA = eid('1979', '0000188'); // eligible, Thiqa, 0 % co-pay
const EXPIRED = eid('2001', '2222215'); // not eligible
const UNKNOWN_TO_INSURER = eid('1995', '3333305'); // not found
const OUTAGE = eid('1970', '4444497'); // insurer answers 503
const SLOW = eid('1988', '5555599'); // insurer answers after 10 s
const EVERY_ID = [DAMAN, SUKOON, THIQA, EXPIRED, UNKNOWN_TO_INSURER, OUTAGE, SLOW];
const PASSWORD = 'patient-pass-1';

let s: TestServer;
let sim: InsurerSim;
let patients: Awaited<ReturnType<typeof makePatients>>;
const logLines: string[] = [];

beforeAll(async () => {
  sim = await startInsurerSim();
  s = await startTestServer({
    insurance: { url: sim.url, timeoutMs: 800 },
    // Everything the server logs, at the most verbose level, to prove no Emirates ID reaches the log.
    logger: createLogger('trace', { write: (line: string) => void logLines.push(line) }),
  });
  patients = await makePatients(s, 12, PASSWORD);
});
afterAll(async () => {
  await s.close();
  await sim.close();
});

const check = (token: string | undefined, emiratesId: unknown) => s.rest('POST', '/insurance/check', { emiratesId }, token);
const mine = (token: string | undefined) => s.rest('GET', '/insurance/me', undefined, token);
const profileOf = (userId: string) => s.database.cols.insuranceProfiles.findOne({ _id: new ObjectId(userId) });
const patient = (i: number) => patients[i]!;

/** Every document of every collection of the test database, as text. */
async function wholeDatabaseText(): Promise<string> {
  const out: string[] = [];
  for (const { name } of await s.database.db.listCollections({}, { nameOnly: true }).toArray()) {
    out.push(JSON.stringify(await s.database.db.collection(name).find({}).toArray()));
  }
  return out.join('\n');
}

describe('POST /insurance/check', () => {
  it('a valid ID → eligible with insurer, network, plan and co-pay; the ID comes back masked', async () => {
    const before = sim.requests();
    const res = await check(patient(0).accessToken, dashed(DAMAN));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      emiratesId: masked(DAMAN),
      status: 'eligible',
      insurer: 'Daman',
      network: 'Enhanced',
      plan: 'Enhanced Silver',
      copayPercent: 20,
      fromCache: false,
    });
    expect(res.body.emiratesId).toMatch(/^784-\*{4}-\*{5}\d{2}-\d$/);
    expect(res.body.message).toMatch(/Daman.*20% of the consultation fee/);
    expect(res.body.checkedAt).toMatch(/\+04:00$/);
    expect(new Date(res.body.validUntil).getTime() - new Date(res.body.checkedAt).getTime()).toBe(24 * 3_600_000);
    expect(sim.requests()).toBe(before + 1);
    expect(JSON.stringify(res.body)).not.toContain(DAMAN.slice(3, 12));

    const me = await mine(patient(0).accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ emiratesId: masked(DAMAN), status: 'eligible', insurer: 'Daman', plan: 'Enhanced Silver', copayPercent: 20 });
    expect(JSON.stringify(me.body)).not.toContain(DAMAN.slice(3, 12));
  });

  it('stores the result with the patient, the ID only encrypted and hashed: no plain digits anywhere in the database', async () => {
    const doc = await profileOf(patient(0).userId);
    expect(doc).toMatchObject({ status: 'eligible', insurer: 'Daman', network: 'Enhanced', plan: 'Enhanced Silver', copayPercent: 20 });
    expect(doc!.emiratesIdHash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc!.emiratesIdEncrypted).toMatchObject({ v: 1, iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
    const raw = JSON.stringify(doc);
    expect(raw).not.toContain(DAMAN);
    expect(raw).not.toContain(dashed(DAMAN));
    expect(raw).not.toContain(DAMAN.slice(7, 14)); // not even the serial
    expect(raw).not.toContain(Buffer.from(DAMAN).toString('base64'));
    const everything = await wholeDatabaseText();
    expect(everything).toContain(doc!.emiratesIdHash);
    expect(everything).not.toContain(DAMAN);
  });

  it('reads Arabic-Indic and Eastern Arabic-Indic digits, dashes and spaces as the same number', async () => {
    const p = patient(1);
    const first = await check(p.accessToken, dashed(arabicIndic(SUKOON)));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ emiratesId: masked(SUKOON), status: 'eligible', insurer: 'Sukoon', plan: 'Gold', copayPercent: 10, fromCache: false });

    // The same number typed differently is recognised as the same ID: answered from the store.
    const before = sim.requests();
    for (const form of [easternArabicIndic(SUKOON), ` ${SUKOON.slice(0, 3)} ${SUKOON.slice(3, 7)} ${SUKOON.slice(7, 14)} ${SUKOON.slice(14)} `, SUKOON]) {
      const again = await check(p.accessToken, form);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ emiratesId: masked(SUKOON), status: 'eligible', fromCache: true, checkedAt: first.body.checkedAt });
    }
    expect(sim.requests()).toBe(before);
  });

  it('answers not eligible and not found with a sentence for the patient and no co-pay', async () => {
    const expired = await check(patient(2).accessToken, EXPIRED);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ status: 'not_eligible', insurer: 'Daman', network: null, plan: null, copayPercent: null });
    expect(expired.body.message).toMatch(/no active cover/);

    const unknownId = await check(patient(3).accessToken, UNKNOWN_TO_INSURER);
    expect(unknownId.status).toBe(200);
    expect(unknownId.body).toMatchObject({ status: 'not_found', insurer: null, copayPercent: null, emiratesId: masked(UNKNOWN_TO_INSURER) });
    expect(unknownId.body.message).toMatch(/No insurance policy was found/);

    const thiqa = await check(patient(4).accessToken, THIQA);
    expect(thiqa.body).toMatchObject({ status: 'eligible', insurer: 'Thiqa', copayPercent: 0 });
  });

  it('a check of another number replaces the whole result: nothing of the previous insurer lingers', async () => {
    const p = patient(10);
    expect((await check(p.accessToken, THIQA)).body).toMatchObject({ status: 'eligible', insurer: 'Thiqa', plan: 'Thiqa', copayPercent: 0 });
    const res = await check(p.accessToken, UNKNOWN_TO_INSURER);
    expect(res.body).toMatchObject({ status: 'not_found', insurer: null, network: null, plan: null, copayPercent: null });
    const me = await mine(p.accessToken);
    expect(me.body).toMatchObject({ emiratesId: masked(UNKNOWN_TO_INSURER), status: 'not_found', insurer: null, network: null, plan: null, copayPercent: null });
    expect(await s.services.insurance.coverageFor(p.userId)).toBeNull();
  });
});

describe('invalid Emirates IDs', () => {
  const wrongCheckDigit = DAMAN.slice(0, 14) + ((Number(DAMAN[14]) + 1) % 10);
  const CASES: [string, string, RegExp][] = [
    ['bad check digit', dashed(wrongCheckDigit), /does not match the check digit/],
    ['bad check digit in Arabic-Indic digits', arabicIndic(dashed(wrongCheckDigit)), /does not match the check digit/],
    ['wrong prefix (check digit right)', withCheckDigit('78519901234530'), /starts with 784; this one starts with 785/],
    ['too short', '784-1990-123453-1', /has 15 digits; this one has 14/],
    ['too long', `${DAMAN}0`, /has 15 digits; this one has 16/],
    ['birth year before 1900', eid('1850', '1234530'), /birth year, between 1900 and \d{4}; 1850 is not/],
    ['birth year in the future', eid(String(new Date().getFullYear() + 2), '1234530'), /birth year.*is not/],
    ['letters', '784-1990-12345AB-1', /only digits.*"A" is not allowed/],
    ['only separators', ' - - ', /Enter your Emirates ID/],
  ];

  it.each(CASES)('%s → 422 INVALID_EMIRATES_ID naming the problem on emiratesId; nothing stored, insurer not asked', async (_name, raw, problem) => {
    const p = patient(5); // never checked successfully
    const before = sim.requests();
    const res = await check(p.accessToken, raw);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.data.appCode).toBe('INVALID_EMIRATES_ID');
    expect(res.body.message).toMatch(problem);
    expect(res.body.data.fieldErrors.emiratesId[0]).toMatch(problem);
    expect(Object.keys(res.body.data.fieldErrors)).toEqual(['emiratesId']);
    expect(await profileOf(p.userId)).toBeNull();
    expect(sim.requests()).toBe(before);
    expect((await mine(p.accessToken)).status).toBe(404);
  });

  it('a bad ID leaves an existing result exactly as it was', async () => {
    const stored = await profileOf(patient(0).userId);
    const res = await check(patient(0).accessToken, dashed(wrongCheckDigit));
    expect(res.status).toBe(422);
    expect(await profileOf(patient(0).userId)).toEqual(stored);
    expect((await mine(patient(0).accessToken)).body.emiratesId).toBe(masked(DAMAN));
  });

  it('a missing or non-string emiratesId is a 400 naming the field', async () => {
    const res = await s.rest('POST', '/insurance/check', {}, patient(5).accessToken);
    expect(res.status).toBe(400);
    expect(res.body.data.fieldErrors.emiratesId).toBeDefined();
    const num = await check(patient(5).accessToken, 784199012345676);
    expect(num.status).toBe(400);
    expect(num.body.data.fieldErrors.emiratesId).toBeDefined();
  });
});

describe('when the insurer cannot answer', () => {
  it('a timeout → 200 "unknown" with "try again later", not a 500; the next check asks again', async () => {
    const p = patient(6);
    const before = sim.requests();
    const started = Date.now();
    const res = await check(p.accessToken, SLOW);
    expect(Date.now() - started).toBeLessThan(5_000); // gave up at the 800 ms timeout, not the insurer's 10 s
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ emiratesId: masked(SLOW), status: 'unknown', insurer: null, copayPercent: null, validUntil: null, fromCache: false });
    expect(res.body.message).toMatch(/try again later/i);
    expect((await mine(p.accessToken)).body.status).toBe('unknown');
    // "unknown" is never served from the store: a retry asks the insurer again.
    const retry = await check(p.accessToken, SLOW);
    expect(retry.body).toMatchObject({ status: 'unknown', fromCache: false });
    expect(sim.requests()).toBe(before + 2);
  });

  it('an insurer outage (HTTP 503) → "unknown"', async () => {
    const res = await check(patient(7).accessToken, OUTAGE);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'unknown', emiratesId: masked(OUTAGE) });
    expect(res.body.message).toMatch(/try again later/i);
  });

  it('an unreachable insurer → "unknown"', async () => {
    const lonely = await startTestServer(); // no insurer listening at its URL
    try {
      const [p] = await makePatients(lonely, 1);
      const res = await lonely.rest('POST', '/insurance/check', { emiratesId: DAMAN }, p!.accessToken);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'unknown', emiratesId: masked(DAMAN) });
      expect(res.body.message).toMatch(/try again later/i);
    } finally {
      await lonely.close();
    }
  });
});

describe('who may see what', () => {
  it('each patient sees only their own result; a patient with none gets 404, not somebody else’s', async () => {
    const a = await mine(patient(0).accessToken);
    const b = await mine(patient(1).accessToken);
    expect(a.body.emiratesId).toBe(masked(DAMAN));
    expect(b.body.emiratesId).toBe(masked(SUKOON));
    const none = await mine(patient(8).accessToken);
    expect(none.status).toBe(404);
    expect(none.body.data.appCode).toBe('NOT_FOUND');
    expect(JSON.stringify(none.body)).not.toMatch(/Daman|Sukoon|\*{4}/);
    // Checking the same number as someone else does not reveal or change their result.
    const sameAsA = await check(patient(8).accessToken, DAMAN);
    expect(sameAsA.body).toMatchObject({ status: 'eligible', fromCache: false });
    expect(await profileOf(patient(0).userId)).toMatchObject({ status: 'eligible' });
  });

  it('without a token → 401 on both; with a bad token → 401', async () => {
    const anon = await check(undefined, DAMAN);
    expect(anon.status).toBe(401);
    expect(anon.body.data.appCode).toBe('UNAUTHENTICATED');
    expect((await mine(undefined)).status).toBe(401);
    expect((await mine('not-a-token')).status).toBe(401);
  });

  it('only patients check insurance: a doctor gets 403', async () => {
    const doctor = await s.services.users.createStaffUser({ email: `doc.${Date.now()}@example.test`, password: 'doctor-pass-1', fullName: 'Dr. Test', role: 'doctor' });
    const login = await s.rest('POST', '/auth/login', { email: doctor.email, password: 'doctor-pass-1' });
    const res = await check(login.body.accessToken, DAMAN);
    expect(res.status).toBe(403);
    expect(await profileOf(doctor.id)).toBeNull();
  });
});

describe('what payments use: coverageFor(patientId)', () => {
  it('the co-pay when covered; null when not covered, not found, unknown or never checked', async () => {
    expect(await s.services.insurance.coverageFor(patient(0).userId)).toEqual({ eligible: true, copayPercent: 20, insurer: 'Daman', plan: 'Enhanced Silver' });
    expect(await s.services.insurance.coverageFor(patient(1).userId)).toEqual({ eligible: true, copayPercent: 10, insurer: 'Sukoon', plan: 'Gold' });
    expect(await s.services.insurance.coverageFor(patient(2).userId)).toBeNull();
    expect(await s.services.insurance.coverageFor(patient(3).userId)).toBeNull();
    expect(await s.services.insurance.coverageFor(patient(7).userId)).toBeNull();
    expect(await s.services.insurance.coverageFor(patient(11).userId)).toBeNull();
  });
});

describe('the OpenAPI document', () => {
  it('lists both operations as protected, with the 422 documented', async () => {
    const doc = (await (await fetch(`${s.baseUrl}/api/v1/openapi.json`)).json()) as any;
    expect(doc.paths['/insurance/check'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/insurance/check'].post.responses['422']).toBeDefined();
    expect(doc.paths['/insurance/me'].get.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('a day of caching (runs last: it moves the server clock)', () => {
  const signIn = async (email: string) => (await s.rest('POST', '/auth/login', { email, password: PASSWORD })).body.accessToken as string;

  it('a repeat within 24 h is answered from the store; a different ID asks again; after 24 h the same ID asks again', async () => {
    const p = patient(9);
    const first = await check(p.accessToken, THIQA);
    expect(first.body).toMatchObject({ status: 'eligible', fromCache: false });
    let count = sim.requests();

    const repeat = await check(p.accessToken, dashed(THIQA));
    expect(repeat.body).toMatchObject({ fromCache: true, checkedAt: first.body.checkedAt });
    expect(sim.requests()).toBe(count);

    const other = await check(p.accessToken, SUKOON);
    expect(other.body).toMatchObject({ emiratesId: masked(SUKOON), insurer: 'Sukoon', fromCache: false });
    expect(sim.requests()).toBe(++count);
    expect((await mine(p.accessToken)).body.emiratesId).toBe(masked(SUKOON));

    // 23 h later it is still a fresh answer.
    s.clock.advance(23 * 3_600_000);
    let token = await signIn(p.email);
    const later = await check(token, SUKOON);
    expect(later.body).toMatchObject({ fromCache: true, checkedAt: other.body.checkedAt });
    expect(sim.requests()).toBe(count);

    // Past 24 h since the check: the insurer is asked again and the new answer stored.
    s.clock.advance(90 * 60_000);
    token = await signIn(p.email);
    const nextDay = await check(token, SUKOON);
    expect(nextDay.body).toMatchObject({ status: 'eligible', fromCache: false });
    expect(nextDay.body.checkedAt).not.toBe(other.body.checkedAt);
    expect(sim.requests()).toBe(count + 1);
    expect((await mine(token)).body.checkedAt).toBe(nextDay.body.checkedAt);
  });

  it('coverageFor re-checks a result older than a day with the stored (encrypted) ID', async () => {
    // patient(0)'s check is now more than 24 h old.
    const before = sim.requests();
    const oldCheckedAt = (await profileOf(patient(0).userId))!.checkedAt;
    expect(await s.services.insurance.coverageFor(patient(0).userId)).toEqual({ eligible: true, copayPercent: 20, insurer: 'Daman', plan: 'Enhanced Silver' });
    expect(sim.requests()).toBe(before + 1);
    const doc = await profileOf(patient(0).userId);
    expect(doc!.checkedAt.getTime()).toBeGreaterThan(oldCheckedAt.getTime());
    expect(JSON.stringify(doc)).not.toContain(DAMAN);
    // …and now it is fresh again: no further call.
    await s.services.insurance.coverageFor(patient(0).userId);
    expect(sim.requests()).toBe(before + 1);
  });
});

describe('the log', () => {
  it('never contains an Emirates ID, however it was typed', () => {
    const log = logLines.join('');
    expect(log).toContain('/api/v1/insurance/check'); // the requests were logged…
    // …but never the numbers, whole, dashed or as the serial part (timings like 5.0000188 are not an ID).
    for (const id of EVERY_ID) {
      expect(log).not.toContain(id);
      expect(log).not.toContain(dashed(id));
      expect(log).not.toMatch(new RegExp(`(?<![\\d.])${id.slice(7, 14)}(?!\\d)`));
    }
  });
});
