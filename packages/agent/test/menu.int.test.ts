import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emiratesIdCheckDigit } from '@clinic/contracts';
import { INBOUND_LIMIT, patientForPhone } from '../src/index.ts';
import { CLINIC_PHONE, PAY_BASE, dubai, startHarness, type Harness } from './support/harness.ts';

/** The assistant without a model (llm: null): the numbered menu over the same procedures. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ llm: null });
});
afterAll(async () => {
  await h.close();
});

const VALID_ID = `78419901234567${emiratesIdCheckDigit('78419901234567')}`;

describe('identity', () => {
  it('a first-time number becomes a phone-only patient (no email, no password); the same number is the same patient, even in a race', async () => {
    const phone = '+971500000001';
    const [a, b, c] = await Promise.all([
      patientForPhone(h.services, phone, 'Race One'),
      patientForPhone(h.services, phone, 'Race One'),
      patientForPhone(h.services, phone, 'Race One'),
    ]);
    expect(new Set([a.userId, b.userId, c.userId]).size).toBe(1);
    const other = await patientForPhone(h.services, '+971500000002', null);
    expect(other.userId).not.toBe(a.userId);
    const doc = await h.database.cols.users.findOne({ phoneIdentity: phone });
    expect(doc).toMatchObject({ email: null, passwordHash: '', role: 'patient', phone, fullName: 'Race One' });
    expect((await h.database.cols.users.findOne({ phoneIdentity: '+971500000002' }))?.fullName).toBe('WhatsApp patient');
    // The app's own view of this account works with no email.
    const me = await (await h.callerFor(phone)).caller.users.me();
    expect(me).toMatchObject({ email: null, phone, role: 'patient', emailVerified: false });
  });

  it('phone-only patients cannot sign in with a password, and email accounts still cannot be registered twice', async () => {
    await expect(h.services.auth.login({ email: 'nobody@example.test', password: '' }, { ip: '127.0.0.1', userAgent: null })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await h.services.auth.register({ email: 'dup@example.test', password: 'long-password-1', fullName: 'Dup' });
    await expect(h.services.auth.register({ email: 'dup@example.test', password: 'long-password-2', fullName: 'Dup 2' })).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
  });

  it('refuses a sender that is not an E.164 number', async () => {
    await expect(h.say('hi', 'whatsapp:0501234567')).rejects.toThrow(/E\.164/);
  });
});

describe('menu flow (no API key)', () => {
  it('books end to end: menu → specialty → physician → slot → yes → booked, with a payment link when the clinic requires payment', async () => {
    await h.services.clinic.updatePolicies({ paymentRequired: true });
    const phone = '+971501111111';
    const hello = await h.say('Hello', phone);
    expect(hello.flaggedForStaff).toBe(false);
    expect(hello.replies.join('\n')).toMatch(/1 Find a physician/);

    const specialties = await h.say('1', phone);
    const text = specialties.replies.join('\n');
    expect(text).toMatch(/Cardiology/);
    const familyIndex = /(\d)\. Family Medicine/.exec(text)![1]!;

    const physicians = await h.say(familyIndex, phone);
    expect(physicians.replies[0]).toMatch(/1\. Dr\. Salma Haddad \(Al Noor Test Clinic\) — AED 300 — next: .*09:00/);

    const slots = await h.say('1', phone);
    expect(slots.replies[0]).toMatch(/1\. .*09:00/);
    expect(slots.replies[0]).toMatch(/2\. .*09:30/);

    const question = await h.say('2', phone);
    expect(question.replies[0]).toMatch(/Book Dr\. Salma Haddad on .*09:30 \(AED 300\)\?/);
    expect(question.replies[0]).toMatch(/Reply YES/);
    expect(await h.appointmentsOf(phone)).toHaveLength(0); // nothing happens before the yes

    const booked = await h.say('yes', phone);
    const appts = await h.appointmentsOf(phone);
    expect(appts).toHaveLength(1);
    expect(appts[0]!.startsAt.toISOString()).toBe(dubai(h.day1, '09:30').toISOString());
    expect(appts[0]!.status).toBe('pending_payment');
    const payment = await h.database.cols.payments.findOne({ appointmentId: appts[0]!._id });
    expect(payment?.status).toBe('requires_payment');
    expect(booked.replies.join('\n')).toContain(`${PAY_BASE}/${payment!.checkoutToken}`);
    expect(booked.replies.join('\n')).toMatch(/Pay AED 300/);
    await h.services.clinic.updatePolicies({ paymentRequired: false });
  });

  it('lists my bookings and cancels one only after yes; "no" changes nothing', async () => {
    const phone = '+971502222222';
    const { caller } = await h.callerFor(phone);
    const appt = await caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '15:00'), reason: 'Check-up' });
    await h.say('hi', phone);
    const list = await h.say('2', phone);
    expect(list.replies[0]).toMatch(/1\. Dr\. Salma Haddad — .*15:00/);
    // A booking picked from the list offers what can be done with it: 1 cancel, 2 reschedule.
    expect((await h.say('1', phone)).replies[0]).toMatch(/1 Cancel this booking\n2 Reschedule it/);
    const q = await h.say('1', phone);
    expect(q.replies[0]).toMatch(/Cancel your appointment with Dr\. Salma Haddad on .*15:00\?/);
    const no = await h.say('no', phone);
    expect(no.replies[0]).toMatch(/haven't changed anything/);
    expect((await caller.appointments.get({ id: appt.id })).status).toBe('confirmed');

    await h.say('2', phone);
    await h.say('1', phone);
    await h.say('1', phone);
    const done = await h.say('Yes please', phone);
    expect(done.replies[0]).toMatch(/Cancelled: Dr\. Salma Haddad/);
    expect((await caller.appointments.get({ id: appt.id })).status).toBe('cancelled');
  });

  it('insurance check asks for the Emirates ID, explains an invalid one, masks it in the transcript', async () => {
    const phone = '+971503333333';
    await h.say('hi', phone);
    expect((await h.say('3', phone)).replies[0]).toMatch(/Emirates ID/);
    const bad = await h.say('784-1990-1234567-0', phone);
    expect(bad.replies[0]).toMatch(/doesn't look right: The last digit/);
    // Arabic-Indic digits are the same number.
    const arabicDigits = VALID_ID.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
    const ok = await h.say(arabicDigits, phone);
    expect(ok.replies[0]).toMatch(/could not reach the insurer/); // no insurer in this file: "unknown"
    const stored = JSON.stringify(await h.conversation(phone));
    expect(stored).not.toContain(VALID_ID);
    expect(stored).not.toContain('1234567');
    expect(stored).toContain('784-****-*****67');
  });

  it('replies in Arabic to Arabic, with Arabic-Indic digits as choices', async () => {
    const phone = '+971504444444';
    const hello = await h.say('مرحبا', phone);
    expect(hello.replies[0]).toMatch(/البحث عن طبيب/);
    const specialties = await h.say('١', phone);
    expect(specialties.replies[0]).toMatch(/طب الأسرة/);
  });

  it('three answers it cannot use offer "menu or a person?"; choosing a person hands over; then only "a person will answer" until released', async () => {
    const phone = '+971505555555';
    await h.say('hi', phone);
    expect((await h.say('blue', phone)).flaggedForStaff).toBe(false);
    await h.say('green', phone);
    const third = await h.say('purple', phone);
    expect(third).toEqual({ flaggedForStaff: false, replies: [expect.stringMatching(/menu or a person\?/)] });
    expect(await h.say('2', phone)).toMatchObject({ flaggedForStaff: true, replies: [expect.stringMatching(/passed your conversation to our staff/)] });
    expect(await h.say('1', phone)).toEqual({ replies: [expect.stringMatching(/A person will answer here/)], flaggedForStaff: true });
    expect(await h.say('3', phone)).toEqual({ replies: [], flaggedForStaff: true });
    expect((await h.conversation(phone))?.flagged?.reason).toBe('failures');
    expect((await h.services.conversations.flagged(null)).items).toContainEqual(expect.objectContaining({ phone, reason: 'failures' }));
    expect(await h.services.conversations.release(phone, null)).toEqual({ released: true });
    expect((await h.say('1', phone)).replies[0]).toMatch(/Which specialty/);
  });

  it('"human please" hands over at once', async () => {
    const phone = '+971506666666';
    const r = await h.say('human please', phone);
    expect(r.flaggedForStaff).toBe(true);
    expect(r.replies).toHaveLength(1);
    expect(await h.say('hello?', phone)).toEqual({ replies: [expect.stringMatching(/For emergencies call 998/)], flaggedForStaff: true });
    const ar = await h.say('أريد التحدث مع موظف', '+971506666667');
    expect(ar).toMatchObject({ flaggedForStaff: true, replies: [expect.stringMatching(/موظفي العيادة/)] });
  });

  it('emergencies get the fixed 998 reply, in both languages', async () => {
    const en = await h.say('I have chest pain and can\'t breathe', '+971507777777');
    expect(en.replies[0]).toMatch(/Call 998/);
    expect(en.replies[0]).toContain(CLINIC_PHONE);
    const ar = await h.say('والدي فاقد الوعي', '+971507777778');
    expect(ar.replies[0]).toMatch(/998/);
    expect(ar.replies[0]).toMatch(/طارئة/);
  });

  it('a quiet session starts fresh after the timeout; lastInboundAt tracks the last message', async () => {
    const phone = '+971508888888';
    await h.say('hi', phone);
    await h.say('1', phone); // now choosing a specialty
    expect(await h.services.conversations.lastInboundAt(phone, null)).toEqual(h.clock.now());
    h.clock.advance(31 * 60_000);
    const after = await h.say('1', phone);
    expect(after.replies[0]).toMatch(/Hello Layla Test!/); // welcome + menu, not "Family Medicine — pick a physician"
    expect((await h.conversation(phone))?.messages).toHaveLength(2);
    expect(await h.services.conversations.lastInboundAt(phone, null)).toEqual(h.clock.now());
    expect(await h.services.conversations.lastInboundAt('+971599999999', null)).toBeNull();
  });
});

describe('flooding', () => {
  it('past 30 messages in 10 minutes a number gets one notice, then silence; emergencies are still answered; the next window is normal', async () => {
    const phone = '+971509999991';
    for (let i = 0; i < INBOUND_LIMIT.max; i++) expect((await h.say('0', phone)).replies.length).toBeGreaterThan(0);
    const notice = await h.say('0', phone);
    expect(notice.replies).toHaveLength(1);
    expect(notice.replies[0]).toMatch(/faster than I can answer\. Please wait \d+ minutes/);
    expect((await h.say('0', phone)).replies).toEqual([]);
    expect((await h.say('أنا أعاني من ألم في الصدر', phone)).replies[0]).toMatch(/998/);
    // The messages are still in the transcript for staff.
    const convo = await h.conversation(phone);
    const noticeAt = convo!.messages.findLastIndex((m) => m.role === 'assistant' && /faster than I can answer/.test(m.content));
    expect(convo!.messages.slice(noticeAt + 1).map((m) => m.role)).toEqual(['user', 'user', 'assistant']);

    h.clock.advance(INBOUND_LIMIT.windowSeconds * 1000);
    expect((await h.say('0', phone)).replies.join('\n')).toMatch(/1 Find a physician/);
  });
});
