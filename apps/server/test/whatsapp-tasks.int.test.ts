import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emiratesIdCheckDigit } from '@clinic/contracts';
import { startInsurerSim, type InsurerSim } from '../src/dev/insurer-sim.ts';
import { dubai, dubaiDate } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { startTwilioApi, type TwilioApi } from './support/twilio.ts';
import { addSpecialist, listed, numberOf, whatsappChat, type WhatsAppChat } from './support/whatsapp-driver.ts';

/**
 * Every patient task over WhatsApp in menu mode (no model), in English and Arabic, through the signed Twilio webhook:
 * what the patient reads at each step, and what is stored after it.
 */
let api: TwilioApi;
let insurer: InsurerSim;
let s: TestServer;
let cardiologist: { id: string; fullName: string };
let psychiatrist: { id: string; fullName: string };

const CLINIC_PHONE = '+97145550199';
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);
const day4 = dubaiDate(4);
/** An ID the simulated insurer answers "eligible, Sukoon Gold, 10 % co-pay" for (its digits 13–14 are 63). */
const SUKOON_ID = `78419901234563${emiratesIdCheckDigit('78419901234563')}`;

/** The seed catalogue's twelve specialties: more than one page (9) of the menu. */
const SPECIALTIES = [
  ['family-medicine', 'Family Medicine', 'طب الأسرة'],
  ['internal-medicine', 'Internal Medicine', 'الطب الباطني'],
  ['pediatrics', 'Pediatrics', 'طب الأطفال'],
  ['cardiology', 'Cardiology', 'أمراض القلب'],
  ['dermatology', 'Dermatology', 'الأمراض الجلدية'],
  ['obstetrics-gynaecology', 'Obstetrics & Gynaecology', 'أمراض النساء والتوليد'],
  ['ent', 'Ear, Nose & Throat', 'الأنف والأذن والحنجرة'],
  ['ophthalmology', 'Ophthalmology', 'طب العيون'],
  ['dentistry', 'Dentistry', 'طب الأسنان'],
  ['endocrinology', 'Endocrinology', 'الغدد الصماء والسكري'],
  ['orthopaedics', 'Orthopaedics', 'جراحة العظام'],
  ['psychiatry', 'Psychiatry', 'الطب النفسي'],
] as const;

beforeAll(async () => {
  api = await startTwilioApi();
  insurer = await startInsurerSim();
  s = await startTestServer({ twilio: { api }, insurance: { url: insurer.url, timeoutMs: 2_000 }, stripePublishableKey: 'pk_test_clinic' });
  // 21:00 on day 1: the day's slots are over, so the first free day is day 2.
  s.clock.set(dubai(day1, '21:00'));
  for (const [slug, name, nameAr] of SPECIALTIES) await s.services.specialties.upsert({ slug, name, nameAr, subSpecialties: [] });
  await s.services.clinic.current();
  await s.database.cols.clinics.updateMany({}, { $set: { phone: CLINIC_PHONE, specialties: SPECIALTIES.map(([slug]) => slug) } });
  cardiologist = await addSpecialist(s, { slug: 'cardiology', name: 'Cardiology', nameAr: 'أمراض القلب' }, 'Dr. Layla Mansour');
  psychiatrist = await addSpecialist(s, { slug: 'psychiatry', name: 'Psychiatry', nameAr: 'الطب النفسي' }, 'Dr. Omar Farouk');
  await s.services.clinic.updatePolicies({ paymentRequired: true });
});
afterAll(async () => {
  await s?.close();
  await insurer?.close();
  await api?.close();
});

const at = (date: string, time: string) => dubai(date, time).toISOString();

function saveTranscript(name: string, transcript: WhatsAppChat['transcript']) {
  const dir = process.env.WHATSAPP_TRANSCRIPTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.txt`), transcript.map((m) => `${m.from === 'patient' ? '> ' : ''}${m.text.replace(/\n/g, m.from === 'patient' ? '\n> ' : '\n')}`).join('\n\n'));
}

describe.each([
  {
    lang: 'en',
    hello: 'Hello',
    specialty: 'a cardiologist please',
    synonym: 'heart doctor',
    byName: 'Layla Mansour',
    more: 'more',
    yes: 'yes',
    bookings: 'my bookings',
    reschedule: 'reschedule',
    cancel: 'cancel',
    insurance: 'insurance',
    human: 'a person please',
    no: 'no',
    moveTo: (day: string) => `move it to ${day} 11:00`,
    WEEKDAYS: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
    t: {
      menu: /1 Find a physician and book/,
      physicians: /Cardiology — pick a physician/,
      slots: /Free times with Dr\. Layla Mansour/,
      moreHint: /reply "more"/,
      askBook: /Book Dr\. Layla Mansour on .*15:30 \(AED 300\)\?\nReply YES/,
      reserved: /Reserved: Dr\. Layla Mansour, .*15:30/,
      payLink: /Pay AED 300 here to confirm: (\S+)/,
      list: /Your upcoming bookings:\n1\. Dr\. Layla Mansour — .*15:30 \(⏳\)/,
      manage: /1 Cancel this booking\n2 Reschedule it/,
      rescheduleSlots: /Free times with Dr\. Layla Mansour instead of .*15:30/,
      askMove: /Move your appointment with Dr\. Layla Mansour from .*15:30 to .*10:00\?/,
      moved: /Moved: Dr\. Layla Mansour, now .*10:00/,
      askMoveTo1100: /Move your appointment with Dr\. Layla Mansour from .*10:00 to .*11:00\?/,
      askCancel: /Cancel your appointment with Dr\. Layla Mansour on .*10:00\?/,
      cancelled: /Cancelled: Dr\. Layla Mansour/,
      askId: /Emirates ID/,
      covered: /covered by Sukoon \(Gold\)\. You pay 10%/,
      specialtiesPage: /Which specialty\?/,
      handover: /passed your conversation to our staff/,
    },
  },
  {
    lang: 'ar',
    hello: 'مرحبا',
    specialty: 'أمراض القلب',
    synonym: 'طبيب قلب',
    byName: 'الدكتورة Layla',
    more: 'المزيد',
    yes: 'نعم',
    bookings: 'حجوزاتي',
    reschedule: 'تغيير الموعد',
    cancel: 'إلغاء',
    insurance: 'تأمين',
    human: 'أبي أكلم موظف',
    no: 'لا',
    moveTo: (day: string) => `أريد تغيير موعدي إلى ${day} الساعة 11:00`,
    WEEKDAYS: ['الأحد', 'الاثنين', 'الثلاثاء', 'الأربعاء', 'الخميس', 'الجمعة', 'السبت'],
    t: {
      menu: /1 البحث عن طبيب والحجز/,
      physicians: /أمراض القلب — اختر طبيباً/,
      slots: /المواعيد المتاحة مع/,
      moreHint: /أرسل "المزيد"/,
      askBook: /هل تريد حجز موعد مع .* 15:30 \(300 درهم\)؟\nأرسل "نعم"/,
      reserved: /تم حجز الموعد مبدئياً: .*15:30/,
      payLink: /ادفع 300 درهم من هنا لتأكيد الحجز: (\S+)/,
      list: /حجوزاتك القادمة:\n1\. .* — .*15:30 \(⏳\)/,
      manage: /1 إلغاء هذا الحجز\n2 تغيير الموعد/,
      rescheduleSlots: /المواعيد المتاحة مع .* بدلاً من .*15:30/,
      askMove: /هل تريد نقل موعدك مع .* من .*15:30 إلى .*10:00؟/,
      moved: /تم نقل الموعد: .*10:00/,
      askMoveTo1100: /هل تريد نقل موعدك مع .* من .*10:00 إلى .*11:00؟/,
      askCancel: /هل تريد إلغاء موعدك مع .*10:00؟/,
      cancelled: /تم الإلغاء: /,
      askId: /رقم الهوية الإماراتية/,
      covered: /مشمول بتغطية Sukoon \(Gold\)\. تدفع 10%/,
      specialtiesPage: /أي تخصص؟/,
      handover: /موظفي العيادة/,
    },
  },
])('every task in menu mode ($lang)', ({ lang, hello, specialty, synonym, byName, more, yes, no, moveTo, WEEKDAYS, bookings, reschedule, cancel, insurance, human, t }) => {
  const chat = () => patient;
  let patient: ReturnType<typeof whatsappChat>;
  beforeAll(() => {
    patient = whatsappChat(s, api);
  });
  // WHATSAPP_TRANSCRIPTS=<dir>: the conversation as the patient read it (the README's transcripts come from here).
  afterAll(() => saveTranscript(`menu-${lang}`, patient.transcript));

  it('finds a physician by a typed specialty and its synonyms', async () => {
    expect(await chat().send(hello)).toMatch(t.menu);
    const bySpecialty = await chat().send(specialty);
    expect(bySpecialty).toMatch(t.physicians);
    expect(listed(bySpecialty)).toEqual([expect.stringMatching(/^Dr\. Layla Mansour \(Test Clinic\) — /)]);
    // The same from a synonym, and from the physician's name.
    expect(await chat().send(synonym)).toMatch(t.physicians);
    expect(await chat().send(byName)).toMatch(t.slots);
  });

  it("pages a day's slots past 14:00 and books one after YES, with the pay link", async () => {
    const first = await chat().send(specialty);
    const slots = await chat().send(numberOf(first, /Layla Mansour/));
    expect(slots).toMatch(t.slots);
    expect(listed(slots)).toHaveLength(9); // 08:00 … 12:00
    expect(slots).toMatch(t.moreHint);
    expect(slots).not.toMatch(/15:30/);
    const page2 = await chat().send(more);
    expect(page2).toMatch(/^11\. .*14:00$/m);
    const pick = numberOf(page2, /15:30/);
    const question = await chat().send(pick);
    expect(question).toMatch(t.askBook);
    expect(await chat().appointments()).toHaveLength(0); // nothing before the yes

    const booked = await chat().send(yes);
    expect(booked).toMatch(t.reserved);
    const [appt] = await chat().appointments();
    expect(appt).toMatchObject({ status: 'pending_payment', physicianId: expect.anything() });
    expect(appt!.physicianId.toHexString()).toBe(cardiologist.id);
    expect(appt!.startsAt.toISOString()).toBe(at(day2, '15:30'));
    const payment = await s.database.cols.payments.findOne({ appointmentId: appt!._id });
    expect(t.payLink.exec(booked)?.[1]).toBe(`${s.publicBaseUrl}/pay/${payment!.checkoutToken}`);
  });

  it('lists my bookings, and reschedules one picked from the list to a typed day', async () => {
    const list = await chat().send(bookings);
    expect(list).toMatch(t.list);
    expect(await chat().send('1')).toMatch(t.manage);
    const times = await chat().send('2');
    expect(times).toMatch(t.rescheduleSlots);
    // Another day, typed: that day's times.
    const other = await chat().send(day4);
    expect(other).toMatch(t.rescheduleSlots);
    const question = await chat().send(numberOf(other, /10:00/));
    expect(question).toMatch(t.askMove);
    expect((await chat().appointments())[0]!.startsAt.toISOString()).toBe(at(day2, '15:30'));
    expect(await chat().send(yes)).toMatch(t.moved);
    const [appt] = await chat().appointments();
    expect(appt!.startsAt.toISOString()).toBe(at(day4, '10:00'));
    expect(appt!.status).toBe('pending_payment');
  });

  it('"reschedule" typed from anywhere goes to the booking\'s free times (one booking: no list to pick from); a typed day and time go straight to the question', async () => {
    await chat().send('0');
    const times = await chat().send(reschedule);
    expect(times).toMatch(/(instead of|بدلاً من) .*10:00:\n1\. /);
    expect((await chat().conversation())!.menu).toMatchObject({ step: 'slot', physicianId: cardiologist.id });
    const weekday = new Date(`${day4}T12:00:00Z`).getUTCDay();
    const question = await chat().send(moveTo(WEEKDAYS[weekday]!));
    expect(question).toMatch(t.askMoveTo1100);
    expect(await chat().send(no)).toMatch(/haven't changed anything|لم أغيّر شيئاً/);
    expect((await chat().appointments())[0]!.startsAt.toISOString()).toBe(at(day4, '10:00'));
  });

  it('cancels after YES', async () => {
    const question = await chat().send(cancel);
    expect(question).toMatch(t.askCancel);
    expect((await chat().appointments())[0]!.status).toBe('pending_payment');
    expect(await chat().send(yes)).toMatch(t.cancelled);
    expect((await chat().appointments())[0]!.status).toBe('cancelled');
  });

  it('checks insurance by Emirates ID; the result is stored for the patient, masked', async () => {
    expect(await chat().send(insurance)).toMatch(t.askId);
    expect(await chat().send(SUKOON_ID)).toMatch(t.covered);
    const latest = await (await chat().caller()).insurance.me();
    expect(latest).toMatchObject({ status: 'eligible', insurer: 'Sukoon', copayPercent: 10, emiratesId: expect.stringMatching(/^784-\*{4}-/) });
    expect(JSON.stringify(await chat().conversation())).not.toContain(SUKOON_ID);
  });

  it('pages the specialties with "more": Orthopaedics and Psychiatry are reachable', async () => {
    const page1 = await chat().send('1');
    expect(page1).toMatch(t.specialtiesPage);
    expect(listed(page1)).toHaveLength(9);
    expect(page1).toMatch(t.moreHint);
    const page2 = await chat().send(more);
    expect(listed(page2).length).toBe(3);
    expect(page2).toMatch(/Orthopaedics|جراحة العظام/);
    const physicians = await chat().send(numberOf(page2, /Psychiatry|الطب النفسي/));
    expect(listed(physicians)).toEqual([expect.stringMatching(/^Dr\. Omar Farouk \(Test Clinic\) — /)]);
  });

  it('asks for a person: the conversation is handed to staff', async () => {
    expect(await chat().send(human)).toMatch(t.handover);
    expect((await chat().conversation())!.flagged).toMatchObject({ reason: 'requested' });
    expect((await s.services.conversations.release(chat().phone, null)).released).toBe(true);
  });
});

describe('first messages, long lists, races and policies', () => {
  it('a first message that names a specialty gets the greeting and its physicians at once', async () => {
    const patient = whatsappChat(s, api);
    const first = await patient.send('أبي دكتور قلب');
    expect(first).toMatch(/^أهلاً .*\nأمراض القلب — اختر طبيباً:\n1\. Dr\. Layla Mansour/);
    expect((await patient.conversation())!.menu).toMatchObject({ step: 'physician' });
  });

  it('pages my bookings past nine with "more", and the tenth can be opened', async () => {
    const patient = whatsappChat(s, api);
    await patient.send('hi');
    const caller = await patient.caller();
    const times = ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30'];
    for (const time of times) await caller.appointments.book({ physicianId: cardiologist.id, start: dubai(dubaiDate(5), time), reason: 'Check-up' });
    const page1 = await patient.send('my appointments');
    expect(listed(page1)).toHaveLength(9);
    expect(page1).toMatch(/1 more: reply "more"/);
    const page2 = await patient.send('more');
    expect(listed(page2)).toEqual([expect.stringMatching(/^Dr\. Layla Mansour — .*12:30 \(⏳\)$/)]);
    expect(page2).toMatch(/^10\. /m);
    expect(await patient.send('10')).toMatch(/^Dr\. Layla Mansour, .*12:30:\n1 Cancel this booking/);
    expect(await patient.send('1')).toMatch(/Cancel your appointment with Dr\. Layla Mansour on .*12:30\?/);
    await patient.send('yes');
    const stored = await patient.appointments();
    expect(stored.filter((a) => a.status === 'cancelled').map((a) => a.startsAt.toISOString())).toEqual([at(dubaiDate(5), '12:30')]);
  });

  it('a slot lost after YES re-offers that day\'s fresh slots, and the next number books one of them', async () => {
    const patient = whatsappChat(s, api);
    const rival = whatsappChat(s, api);
    await patient.send('hi');
    await rival.send('hi');
    const slots = await patient.send('Dr Omar Farouk');
    expect(await patient.send(numberOf(slots, /08:30/))).toMatch(/Book Dr\. Omar Farouk on .*08:30/);
    // Someone else takes 08:30 before the yes.
    await (await rival.caller()).appointments.book({ physicianId: psychiatrist.id, start: dubai(day2, '08:30'), reason: 'Check-up' });

    const lost = await patient.send('yes');
    expect(lost).toMatch(/that time was just taken/);
    expect(lost).toMatch(/Free times with Dr\. Omar Farouk/);
    expect(listed(lost).some((l) => l.includes('08:30'))).toBe(false);
    expect(numberOf(lost, /08:00/)).toBe('1');
    const pick = numberOf(lost, /09:00/);
    expect(await patient.send(pick)).toMatch(/Book Dr\. Omar Farouk on .*09:00/);
    await patient.send('yes');
    const mine = await patient.appointments();
    expect(mine.map((a) => a.startsAt.toISOString())).toEqual([at(day2, '09:00')]);
    saveTranscript('lost-race-en', patient.transcript);
  });

  it('a slot taken between the list and the pick is refused with that day\'s fresh list (Arabic)', async () => {
    const patient = whatsappChat(s, api);
    const rival = whatsappChat(s, api);
    await patient.send('مرحبا');
    await rival.send('hi');
    const slots = await patient.send('الطب النفسي');
    const withTimes = await patient.send(numberOf(slots, /Omar Farouk/));
    const pick = numberOf(withTimes, /10:00/);
    await (await rival.caller()).appointments.book({ physicianId: psychiatrist.id, start: dubai(day2, '10:00'), reason: 'Check-up' });
    const refused = await patient.send(pick);
    expect(refused).toMatch(/هذا الموعد غير متاح للحجز/);
    expect(refused).toMatch(/المواعيد المتاحة مع/);
    expect(listed(refused).some((l) => l.includes('10:00'))).toBe(false);
    expect((await patient.conversation())!.pending).toBeNull();
  });

  it('a cancel inside the cutoff is refused before any YES, with the clinic phone; nothing changes', async () => {
    for (const [hello, cancel] of [['hi', 'cancel my appointment'], ['مرحبا', 'الغاء']] as const) {
      const patient = whatsappChat(s, api);
      await patient.send(hello);
      // Tomorrow morning: inside the 24-hour cutoff.
      const appt = await (await patient.caller()).appointments.book({ physicianId: cardiologist.id, start: dubai(day2, hello === 'hi' ? '08:00' : '08:30'), reason: 'Check-up' });
      const reply = await patient.send(cancel);
      expect(reply).toContain(CLINIC_PHONE);
      expect(reply).not.toMatch(/YES|نعم/);
      expect((await patient.conversation())!.pending).toBeNull();
      expect(await patient.send('yes')).not.toMatch(/Cancelled|تم الإلغاء/);
      expect((await (await patient.caller()).appointments.get({ id: appt.id })).status).not.toBe('cancelled');
    }
  });
});
