/**
 * The WhatsApp assistant in Arabic, through the signed webhook (menu mode, no model): refusals are rendered from the
 * server's reason code in Arabic (no English sentence), an Emirates ID typed in Arabic-Indic digits among words is
 * found and checked, physicians are named in Arabic script, dates use the Arabic comma. Also the admin side of
 * `fullNameAr` (optional on input, the Latin name where there is none) and the API error's `data.reason`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonPayload } from '@clinic/agent';
import { EMIRATES_ID_EXAMPLE, parseEmiratesId } from '@clinic/contracts';
import { startInsurerSim, type InsurerSim } from '../src/dev/insurer-sim.ts';
import { EVERY_DAY_8_TO_20 } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, tapButton, type TwilioApi } from './support/twilio.ts';

let api: TwilioApi;
let sim: InsurerSim;
let s: TestServer;
let admin: string;

const physicianInput = (fullName: string, fullNameAr?: string) => ({
  fullName,
  ...(fullNameAr ? { fullNameAr } : {}),
  title: 'Consultant',
  gender: 'female',
  specialty: 'family-medicine',
  languages: ['en', 'ar'],
  yearsOfExperience: 12,
  price: { amount: 30000, currency: 'AED' },
  locationIds: ['main'],
  schedule: EVERY_DAY_8_TO_20,
});

let phoneSeq = 0;
const newPhone = () => `+9715577${String(Date.now() % 100000).padStart(5, '0')}${++phoneSeq}`;
/** Any Latin letter: an Arabic reply that should carry no English at all. */
const LATIN = /[A-Za-z]/;

beforeAll(async () => {
  api = await startTwilioApi();
  sim = await startInsurerSim();
  s = await startTestServer({ twilio: { api }, insurance: { url: sim.url, timeoutMs: 2_000 } });
  await s.services.specialties.upsert({ slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] });
  admin = (await makeStaff(s, 'admin')).accessToken;
});
afterAll(async () => {
  await s?.close();
  await sim?.close();
  await api?.close();
});

describe('physicians carry an Arabic name', () => {
  it('an admin gives one (or not: the Latin name stands in), changes it, and the catalogue lists it', async () => {
    const withAr = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Salma Haddad', 'د. سلمى حداد'), admin);
    expect(withAr.status).toBe(200);
    expect(withAr.body).toMatchObject({ fullName: 'Dr. Salma Haddad', fullNameAr: 'د. سلمى حداد' });
    const without = await s.rest('POST', '/admin/physicians', physicianInput('Dr. Latin Only'), admin);
    expect(without.status).toBe(200);
    expect(without.body.fullNameAr).toBe('Dr. Latin Only');
    // Nothing is stored for it: a later Latin rename is what Arabic readers see too.
    expect((await s.database.cols.physicians.findOne({ fullName: 'Dr. Latin Only' }))!.fullNameAr).toBeUndefined();

    const renamed = await s.rest('PATCH', `/admin/physicians/${without.body.id}`, { patch: { fullNameAr: 'د. لاتين' } }, admin);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ fullName: 'Dr. Latin Only', fullNameAr: 'د. لاتين' });
    const list = await s.rest('GET', '/physicians?specialty=family-medicine&limit=50');
    const names = Object.fromEntries((list.body.items as { fullName: string; fullNameAr: string }[]).map((p) => [p.fullName, p.fullNameAr]));
    expect(names).toMatchObject({ 'Dr. Salma Haddad': 'د. سلمى حداد', 'Dr. Latin Only': 'د. لاتين' });
    // The name search finds Arabic names too.
    const found = await s.rest('GET', `/physicians?q=${encodeURIComponent('سلمى')}`);
    expect(found.body.items.map((p: { fullName: string }) => p.fullName)).toEqual(['Dr. Salma Haddad']);
    // An empty Arabic name is refused, naming the field; nothing changes.
    const bad = await s.rest('PATCH', `/admin/physicians/${without.body.id}`, { patch: { fullNameAr: '  ' } }, admin);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors)).toEqual(['patch.fullNameAr']);
    expect((await s.database.cols.physicians.findOne({ fullName: 'Dr. Latin Only' }))!.fullNameAr).toBe('د. لاتين');
  });
});

describe('the API error carries the reason as a code with parameters', () => {
  it('an Emirates ID one digit short: English message for REST clients, data.reason for everyone else', async () => {
    const [patient] = await makePatients(s, 1);
    const res = await s.rest('POST', '/insurance/check', { emiratesId: '784-1990-123456-6' }, patient!.accessToken);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      message: 'An Emirates ID has 15 digits; this one has 14.',
      data: { appCode: 'INVALID_EMIRATES_ID', fieldErrors: { emiratesId: ['An Emirates ID has 15 digits; this one has 14.'] }, reason: { code: 'length', params: { digits: 14 } } },
    });
  });
});

describe('the WhatsApp assistant in Arabic', () => {
  it('explains a wrong Emirates ID in Arabic only, then finds an ID typed in Arabic-Indic digits among words and checks it', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'مرحبا');
    const [ask] = await sendWhatsApp(s, api, phone, '3');
    // The example in the prompt is one the validator accepts.
    expect(ask).toContain(EMIRATES_ID_EXAMPLE);
    expect(parseEmiratesId(EMIRATES_ID_EXAMPLE).ok).toBe(true);

    // 14 digits, Arabic-Indic, after a word: the reason is Arabic, with the count.
    const [short] = await sendWhatsApp(s, api, phone, 'رقمي ٧٨٤-١٩٩٠-١٢٣٤٥٦-٦');
    expect(short).toMatch(/^رقم الهوية غير صحيح: /);
    expect(short).toContain('14');
    expect(short).not.toMatch(LATIN);
    // The old prompt's example: a check digit that does not match, said in Arabic.
    const [checkDigit] = await sendWhatsApp(s, api, phone, '784-1990-1234567-1');
    expect(checkDigit).toContain('رقم التحقق');
    expect(checkDigit).not.toMatch(LATIN);

    // A valid ID (Daman on the simulated insurer) in Arabic-Indic digits inside a sentence: checked, answered masked.
    const [covered] = await sendWhatsApp(s, api, phone, 'هويتي ٧٨٤-١٩٩٠-١٢٣٤٥٣٠-٤ لو سمحت');
    expect(covered).toContain('784-****-*****30-4');
    expect(covered).toContain('Daman');
    expect(covered).toMatch(/تدفع 20%/);
    const conversation = await s.database.cols.conversations.findOne({ _id: phone });
    expect(JSON.stringify(conversation)).not.toContain('1234530');
  });

  it('names physicians in Arabic script in lists, the question, the booking and my bookings; dates use the Arabic comma', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'مرحبا');
    const [specialties] = await sendWhatsApp(s, api, phone, '1');
    const line = specialties!.split('\n').find((l) => l.includes('طب الأسرة'));
    expect(line, specialties).toBeDefined();
    const [physicians] = await sendWhatsApp(s, api, phone, /(\d+)/.exec(line!)![1]!);
    expect(physicians).toContain('د. سلمى حداد');
    expect(physicians).not.toContain('Salma');
    const salma = physicians!.split('\n').find((l) => l.includes('د. سلمى حداد'))!;
    const [slots] = await sendWhatsApp(s, api, phone, /(\d+)/.exec(salma)![1]!);
    expect(slots).toContain('د. سلمى حداد');
    const firstSlot = slots!.split('\n').find((l) => /^\d+\. /.test(l))!;
    // "الخميس، 3 ديسمبر، 11:00": Arabic commas, no Latin one.
    expect(firstSlot).toMatch(/^1\. \S+، \d{1,2} \S+، \d{2}:\d{2}$/);
    const [question] = await sendWhatsApp(s, api, phone, '1');
    expect(question).toMatch(/هل تريد حجز موعد مع د\. سلمى حداد يوم \S+، \d{1,2} \S+، \d{2}:\d{2} \(300 درهم\)؟/);
    expect(question).not.toMatch(LATIN);
    const [booked] = await sendWhatsApp(s, api, phone, 'نعم');
    expect(booked).toContain('د. سلمى حداد');
    const appt = await s.database.cols.appointments.findOne({ 'patient.phone': phone });
    expect(appt).toMatchObject({ physicianName: 'Dr. Salma Haddad', physicianNameAr: 'د. سلمى حداد' });

    await sendWhatsApp(s, api, phone, '0');
    const [mine] = await sendWhatsApp(s, api, phone, '2');
    expect(mine).toContain('د. سلمى حداد');
    expect(mine).not.toContain('Salma');

    // A reminder's "I'll come" button: the acknowledgement names her in Arabic too.
    expect(appt!.status).toBe('confirmed');
    const [thanks] = await tapButton(s, api, phone, buttonPayload(appt!._id.toHexString(), 'confirm'), 'سأحضر');
    expect(thanks).toMatch(/^شكراً لك! نراك مع د\. سلمى حداد يوم \S+، \d{1,2} \S+، \d{2}:\d{2}\./);
  });
});
