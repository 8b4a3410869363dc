import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId } from '@clinic/db';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

// Its own server: the no-show sweep marks every due booking of the database, and the clock moves past them.
let s: TestServer;
let physicianId: string;
let physicianName: string;
let doctor: { userId: string };
let patients: Awaited<ReturnType<typeof makePatients>>;
const day = dubaiDate(2);
const when = (locale: string, at: Date) =>
  new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Dubai', weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

beforeAll(async () => {
  s = await startTestServer();
  doctor = await makeStaff(s, 'doctor');
  const physician = await createPhysician(s, { userId: doctor.userId });
  physicianId = physician.id;
  physicianName = physician.fullName;
  patients = await makePatients(s, 4);
});
afterAll(() => s?.close());

const noticesOf = (userId: string) => s.database.cols.userNotifications.find({ userId: new ObjectId(userId), kind: 'appointment_no_show' }).toArray();
/** A subject as written: the test inbox leaves MIME encoded-words (RFC 2047, how a non-ASCII subject travels) as they came. */
const decoded = (subject: string) =>
  subject.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_all, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
const mailsTo = (email: string, subject: RegExp) => s.inbox.mails.filter((m) => m.to.includes(email) && subject.test(decoded(m.subject))).map((m) => ({ ...m, subject: decoded(m.subject) }));

describe('the no-show notice', () => {
  it('a booking the sweep marks no_show: its patient is told once, in-app and by email, in their language; checked-in ones and the doctor are not', async () => {
    const [en, fr, ar, present] = patients as [(typeof patients)[number], (typeof patients)[number], (typeof patients)[number], (typeof patients)[number]];
    expect((await s.rest('PATCH', '/users/me', { locale: 'fr' }, fr.accessToken)).status).toBe(200);
    expect((await s.rest('PATCH', '/users/me', { locale: 'ar' }, ar.accessToken)).status).toBe(200);
    // The English patient does not want reminders by email: the notice follows those channels (in-app only here).
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { appointment_reminder: { email: false } } }, en.accessToken)).status).toBe(200);
    const starts = { en: dubai(day, '09:00'), fr: dubai(day, '09:30'), ar: dubai(day, '10:00'), present: dubai(day, '10:30') };
    const ids: Record<string, string> = {};
    for (const [who, p] of [['en', en], ['fr', fr], ['ar', ar], ['present', present]] as const) {
      const res = await s.rest('POST', '/appointments', { physicianId, start: starts[who].toISOString(), reason: 'Check-up' }, p.accessToken);
      expect(res.status).toBe(200);
      ids[who] = res.body.id as string;
    }
    const staff = await makeStaff(s, 'staff');
    expect((await s.rest('POST', `/appointments/${ids.present}/check-in`, {}, staff.accessToken)).status).toBe(200);
    await s.services.jobs.idle();

    try {
      s.clock.set(dubai(day, '11:00'));
      const report = await s.services.jobs.runDue();
      expect(report.noShows).toBe(3);
      // Swept again, and the hook called again for one of them: nothing more is sent.
      expect((await s.services.jobs.runDue()).noShows).toBe(0);
      const again = (await s.database.cols.appointments.findOne({ _id: new ObjectId(ids.fr) }))!;
      expect(again.status).toBe('no_show');
      await s.services.notifications.appointmentChanged({ kind: 'no_show', appointment: again });
      // The notices go out behind the sweep; the jobs' `idle` waits for them as for the confirmations.
      await s.services.jobs.idle();
    } finally {
      s.clock.set(new Date());
    }

    const [enNotice] = await noticesOf(en.userId);
    const [frNotice, frTwice] = await noticesOf(fr.userId);
    const [arNotice] = await noticesOf(ar.userId);
    expect(frTwice).toBeUndefined();
    expect(enNotice).toMatchObject({ title: 'We missed you', data: { appointmentId: ids.en }, readAt: null });
    expect(enNotice!.body).toBe(`We missed you at your appointment with ${physicianName} on ${when('en-GB', starts.en)}. You can book again in the app. Test Clinic`);
    expect(frNotice).toMatchObject({ title: 'Vous nous avez manqué', data: { appointmentId: ids.fr } });
    expect(frNotice!.body).toContain(`avec ${physicianName} le ${when('fr-FR', starts.fr)}`);
    expect(arNotice).toMatchObject({ title: 'افتقدناك', data: { appointmentId: ids.ar } });
    expect(arNotice!.body).toContain(when('ar-AE', starts.ar));
    expect(await noticesOf(present.userId)).toEqual([]);
    expect(await noticesOf(doctor.userId)).toEqual([]);

    // The outside channels: once, in the patient's language; none for the patient who switched reminders' email off.
    expect(mailsTo(fr.email, /Vous nous avez manqué/)).toHaveLength(1);
    expect(mailsTo(fr.email, /Vous nous avez manqué/)[0]!.subject).toBe('Test Clinic: Vous nous avez manqué');
    expect(mailsTo(ar.email, /افتقدناك/)).toHaveLength(1);
    expect(mailsTo(en.email, /missed/i)).toHaveLength(0);
    const outbox = await s.database.cols.notifications.find({ _id: { $in: [ids.en, ids.fr, ids.ar, ids.present].map((id) => `no_show|${id}`) } }).toArray();
    // (WhatsApp and SMS, still allowed to the English patient, are not carried by this server: nothing outside reached them.)
    expect(Object.fromEntries(outbox.map((n) => [n._id, n.status]))).toEqual({ [`no_show|${ids.en}`]: 'no_channel', [`no_show|${ids.fr}`]: 'sent', [`no_show|${ids.ar}`]: 'sent' });

    // In the patient's notification centre like any other.
    const listed = await s.rest('GET', '/notifications', undefined, fr.accessToken);
    expect(listed.body.items.filter((n: { kind: string }) => n.kind === 'appointment_no_show')).toHaveLength(1);
  });
});
