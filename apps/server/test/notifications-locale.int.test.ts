import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, type TwilioApi } from './support/twilio.ts';

// Every outside channel speaks the patient's language: the email (with an HTML part right to left for Arabic), the
// WhatsApp free text inside the 24-hour window, and outside it the Content template approved in that language.
const DEFAULT_TEMPLATE = `HX${'0123456789abcdef'.repeat(2)}`;
const ARABIC_TEMPLATE = `HX${'abcdef0123456789'.repeat(2)}`;

let api: TwilioApi;
let s: TestServer;
let physicianId: string;
let physicianName: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
let phones: string[];
const [day0, day1, day2] = [0, 1, 2].map((d) => dubaiDate(d)) as [string, string, string];
const MORNING = () => dubai(day1, '09:05');

beforeAll(async () => {
  api = await startTwilioApi();
  s = await startTestServer({ twilio: { api, templates: { confirmation: DEFAULT_TEMPLATE, byLocale: { ar: { confirmation: ARABIC_TEMPLATE } } } } });
  s.clock.set(MORNING());
  const physician = await createPhysician(s);
  physicianId = physician.id;
  physicianName = physician.fullName;
  patients = await makePatients(s, 6);
  phones = await Promise.all(patients.map(async (p) => (await s.database.cols.users.findOne({ email: p.email }))!.phone!));
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});
afterEach(() => {
  api.reset();
  s.clock.set(MORNING());
});

/** A subject as written: the inbox keeps MIME encoded-words (RFC 2047, how a non-ASCII subject travels) as they came. */
const decoded = (subject: string) =>
  subject.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_all, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
const mailsTo = (email: string) => s.inbox.mails.filter((m) => m.to.includes(email)).map((m) => ({ ...m, subject: decoded(m.subject) }));
/** The day part of the wording in a language, computed independently of the server. */
const localDay = (locale: string, at: Date) => new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Dubai', weekday: 'long', day: 'numeric', month: 'long' }).format(at);

async function bookAs(i: number, locale: 'ar' | 'fr' | 'en', start: Date) {
  const p = patients[i]!;
  if (locale !== 'en') expect((await s.rest('PATCH', '/users/me', { locale }, p.accessToken)).status).toBe(200);
  const res = await s.rest('POST', '/appointments', { physicianId, start: start.toISOString(), reason: 'Check-up' }, p.accessToken);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await s.services.jobs.idle();
  return res.body.id as string;
}
/** The booking confirmations (not the assistant's replies) that reached the local Twilio endpoint for this number. */
async function whatsAppTo(phone: string) {
  const sids = (await s.database.cols.outboundMessages.find({ to: phone, purpose: 'booking_confirmed' }).toArray()).map((d) => d._id);
  return api.messages.filter((m) => sids.includes(m.sid));
}

describe('notifications in the recipient’s language, on every channel', () => {
  it('an Arabic patient gets an Arabic confirmation email: Arabic subject, Arabic text, and an HTML part written right to left', async () => {
    const start = dubai(day2, '09:00');
    await bookAs(0, 'ar', start);
    const [mail, ...more] = mailsTo(patients[0]!.email);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toContain(`تم تأكيد موعدك مع ${physicianName}`);
    expect(mail!.subject).toContain(localDay('ar-AE', start));
    expect(mail!.subject).not.toMatch(/confirmed/i);
    expect(mail!.text).toMatch(/^مرحباً Patient 0،/);
    expect(mail!.text).toContain('(بتوقيت العيادة)');
    expect(mail!.html).toMatch(/<html lang="ar" dir="rtl">/);
    expect(mail!.html).toMatch(/<body dir="rtl"/);
    expect(mail!.html).toContain(`تم تأكيد موعدك مع ${physicianName}`);
  });

  it('a French patient gets the French email, left to right; an English one the English email', async () => {
    const start = dubai(day2, '09:30');
    await bookAs(1, 'fr', start);
    const [fr] = mailsTo(patients[1]!.email);
    expect(fr!.subject.startsWith(`Test Clinic: votre rendez-vous avec ${physicianName} le `)).toBe(true);
    expect(fr!.subject).toMatch(/ est confirmé$/);
    expect(fr!.subject).toContain(localDay('fr-FR', start));
    expect(fr!.text).toMatch(/^Bonjour Patient 1,\n\nVotre rendez-vous avec .* \(heure de la clinique\) est confirmé\./);
    expect(fr!.text).toContain("Si vous ne pouvez pas venir, annulez ou déplacez le rendez-vous dans l'application");
    expect(fr!.html).toMatch(/<html lang="fr" dir="ltr">/);

    await bookAs(2, 'en', dubai(day2, '10:00'));
    const [en] = mailsTo(patients[2]!.email);
    expect(en!.subject).toMatch(/is confirmed$/);
    expect(en!.html).toMatch(/<html lang="en" dir="ltr">/);
  });

  it('inside the 24-hour window an Arabic patient’s WhatsApp confirmation is Arabic free text, and no email', async () => {
    const phone = phones[3]!;
    await sendWhatsApp(s, api, phone, 'hello');
    api.reset();
    const start = dubai(day2, '10:30');
    await bookAs(3, 'ar', start);
    const [sent, ...more] = await whatsAppTo(phone);
    expect(more).toHaveLength(0);
    expect(sent!.params.ContentSid).toBeUndefined();
    expect(sent!.params.Body).toMatch(/^مرحباً Patient 3،/);
    expect(sent!.params.Body).toContain(`تم تأكيد موعدك مع ${physicianName} يوم ${localDay('ar-AE', start)}`);
    expect(mailsTo(patients[3]!.email)).toHaveLength(0);
  });

  it('outside the window the Arabic template goes to the Arabic patient, the default one (a French one has none) to the French patient, each filled in their language', async () => {
    for (const i of [4, 5]) {
      s.clock.set(dubai(day0, '08:00'));
      await sendWhatsApp(s, api, phones[i]!, 'hello');
    }
    s.clock.set(MORNING());
    api.reset();
    const [arStart, frStart] = [dubai(day2, '11:00'), dubai(day2, '11:30')];
    await bookAs(4, 'ar', arStart);
    await bookAs(5, 'fr', frStart);
    const [ar] = await whatsAppTo(phones[4]!);
    const [fr] = await whatsAppTo(phones[5]!);
    expect(ar!.params.ContentSid).toBe(ARABIC_TEMPLATE);
    expect(JSON.parse(ar!.params.ContentVariables!).when).toContain(localDay('ar-AE', arStart));
    expect(fr!.params.ContentSid).toBe(DEFAULT_TEMPLATE);
    expect(JSON.parse(fr!.params.ContentVariables!).when).toContain(localDay('fr-FR', frStart));
    expect(mailsTo(patients[4]!.email)).toHaveLength(0);
  });
});
