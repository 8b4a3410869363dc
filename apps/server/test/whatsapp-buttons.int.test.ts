import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createInternalContext } from '@clinic/api';
import { buttonPayload } from '@clinic/agent';
import { loadConfig } from '../src/config.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { TEST_WHATSAPP_FROM, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, tapButton, type TwilioApi } from './support/twilio.ts';

const REMINDER_TEMPLATE = 'HX0123456789abcdef0123456789abcdef';
const BUTTONS_TEMPLATE = 'HXb0770b0770b0770b0770b0770b0770b0';
const CLINIC_PHONE = '+97145550123';

let api: TwilioApi;
let s: TestServer;
let physician: { id: string; fullName: string };

const day2 = dubaiDate(2);
const day4 = dubaiDate(4);

beforeAll(async () => {
  api = await startTwilioApi();
  const templates = { reminder: REMINDER_TEMPLATE, reminderButtons: BUTTONS_TEMPLATE };
  s = await startTestServer({ twilio: { api, templates } });
  s.clock.set(dubai(dubaiDate(1), '09:05'));
  physician = await createPhysician(s);
  // After the first use: that is when the server's clinic is made.
  await s.database.cols.clinics.updateMany({}, { $set: { phone: CLINIC_PHONE } });
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});

const newPhone = () => `+97156${String(randomInt(1_000_000, 9_999_999))}`;

/** A patient who came over WhatsApp (their first message creates them), and their procedures as the assistant calls them. */
async function whatsappPatient(phone = newPhone()) {
  await sendWhatsApp(s, api, phone, 'hi');
  const { userId } = await s.services.whatsapp.patientFor(phone, null);
  const caller = createCaller(createInternalContext(s.services, { userId, role: 'patient', sessionId: null }, 'test', 'whatsapp'));
  const book = (date: string, time: string) => caller.appointments.book({ physicianId: physician.id, start: dubai(date, time), reason: 'Check-up' });
  return { phone, userId, caller, book };
}

const appointment = async (caller: Awaited<ReturnType<typeof whatsappPatient>>['caller'], id: string) => caller.appointments.get({ id });

describe('reminders with quick-reply buttons', () => {
  it('go out as the buttons template inside and outside the 24-hour window, with the booking in the variables and each button its payload', async () => {
    // `outside` last wrote 29 hours before the reminder, `inside` 3 hours before.
    const outside = await whatsappPatient();
    const far = await outside.book(day2, '15:30');
    s.clock.set(dubai(day2, '11:00'));
    const inside = await whatsappPatient();
    const near = await inside.book(day2, '16:00');

    s.clock.set(dubai(day2, '14:00'));
    const report = await s.services.jobs.runDue();
    expect(report.remindersSent).toBe(2);

    for (const [p, appt, time] of [[outside, far, '15:30'], [inside, near, '16:00']] as const) {
      const sids = (await s.database.cols.outboundMessages.find({ to: p.phone, purpose: 'appointment_reminder' }).toArray()).map((d) => d._id);
      const sent = api.messages.filter((m) => sids.includes(m.sid));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.params).toMatchObject({ From: TEST_WHATSAPP_FROM, To: `whatsapp:${p.phone}`, ContentSid: BUTTONS_TEMPLATE });
      expect(sent[0]!.params.Body).toBeUndefined();
      expect(JSON.parse(sent[0]!.params.ContentVariables!)).toEqual({
        patientName: 'Test Patient',
        physicianName: physician.fullName,
        when: expect.stringContaining(time),
        appointmentId: appt.id,
        confirmPayload: `appt:${appt.id}:confirm`,
        reschedulePayload: `appt:${appt.id}:reschedule`,
        cancelPayload: `appt:${appt.id}:cancel`,
      });
    }

    // Confirm on a confirmed booking: an acknowledgement, nothing changes.
    const thanks = await tapButton(s, api, inside.phone, buttonPayload(near.id, 'confirm'), 'I will come');
    expect(thanks).toEqual([expect.stringMatching(new RegExp(`^Thank you! See you with ${physician.fullName} on .*16:00`))]);
    expect((await appointment(inside.caller, near.id)).status).toBe('confirmed');

    // Cancel two hours before: inside the clinic's 24-hour cutoff, refused before any question, with the clinic's phone.
    const refused = await tapButton(s, api, inside.phone, buttonPayload(near.id, 'cancel'), 'Cancel');
    expect(refused).toEqual([expect.stringContaining(`up to 24 hours before the start. Please call the clinic on ${CLINIC_PHONE}.`)]);
    expect((await sendWhatsApp(s, api, inside.phone, 'yes')).join('\n')).not.toMatch(/Cancelled/);
    expect((await appointment(inside.caller, near.id)).status).toBe('confirmed');

    // The payload is acted on, never kept: the transcript and the inbound log have the button's title only.
    const stored = JSON.stringify([await s.database.cols.conversations.findOne({ _id: inside.phone }), await s.database.cols.inboundMessages.find({ from: inside.phone }).toArray()]);
    expect(stored).not.toContain('appt:');
    expect(stored).toContain('I will come');
  });

  it('cancel asks for YES first, and YES cancels', async () => {
    const p = await whatsappPatient();
    const appt = await p.book(day4, '10:00');
    const question = await tapButton(s, api, p.phone, buttonPayload(appt.id, 'cancel'), 'Cancel');
    expect(question).toEqual([expect.stringMatching(new RegExp(`^Cancel your appointment with ${physician.fullName} on .*10:00\\?\\nReply YES`))]);
    expect((await appointment(p.caller, appt.id)).status).toBe('confirmed');
    const done = await sendWhatsApp(s, api, p.phone, 'YES');
    expect(done).toEqual([expect.stringMatching(/^Cancelled: /)]);
    expect((await appointment(p.caller, appt.id)).status).toBe('cancelled');
  });

  it('reschedule offers the physician\'s next free times; a pick asks for YES, and YES moves the booking there', async () => {
    const p = await whatsappPatient();
    const appt = await p.book(day4, '11:00');
    const [list] = await tapButton(s, api, p.phone, buttonPayload(appt.id, 'reschedule'), 'Reschedule');
    expect(list).toMatch(new RegExp(`^Free times with ${physician.fullName} instead of .*11:00:\\n1\\. `));
    const second = /\n2\. (.+)\n/.exec(list!)![1]!;

    const [question] = await sendWhatsApp(s, api, p.phone, '2');
    expect(question).toContain(`Move your appointment with ${physician.fullName} from`);
    expect(question).toContain(`to ${second}?`);
    expect((await appointment(p.caller, appt.id)).start).toBe(appt.start);

    const [moved] = await sendWhatsApp(s, api, p.phone, 'yes');
    expect(moved).toBe(`✅ Moved: ${physician.fullName}, now ${second}.`);
    const after = await appointment(p.caller, appt.id);
    expect(after.status).toBe('confirmed');
    expect(after.start).not.toBe(appt.start);
  });

  it("another patient's appointment in a forged payload is not found, and a YES after it changes nothing", async () => {
    const owner = await whatsappPatient();
    const target = await owner.book(day4, '12:00');
    const forger = await whatsappPatient();
    for (const action of ['cancel', 'reschedule', 'confirm'] as const) {
      expect(await tapButton(s, api, forger.phone, buttonPayload(target.id, action), 'Cancel')).toEqual(["I couldn't find that among your bookings."]);
    }
    await sendWhatsApp(s, api, forger.phone, 'yes');
    const after = await appointment(owner.caller, target.id);
    expect({ status: after.status, start: after.start }).toEqual({ status: 'confirmed', start: target.start });
  });

  it('a malformed or unknown payload gets a polite answer and the menu', async () => {
    const p = await whatsappPatient();
    const appt = await p.book(day4, '15:00');
    for (const payload of ['appt:123:cancel', `appt:${appt.id}:delete`, 'hello', `appt:${appt.id}:cancel:extra`, 'x'.repeat(5_000)]) {
      const [reply] = await tapButton(s, api, p.phone, payload, 'Cancel');
      expect(reply).toMatch(/^Sorry, I didn't understand that button\.\nHow can I help\?\n1 Find a physician/);
    }
    // The menu is live: a number picks from it.
    expect((await sendWhatsApp(s, api, p.phone, '2')).join('\n')).toMatch(/Your upcoming bookings:\n1\. /);
    expect((await appointment(p.caller, appt.id)).status).toBe('confirmed');
  });

  it('confirm on a booking still waiting for payment answers with how to pay', async () => {
    await s.services.clinic.updatePolicies({ paymentRequired: true });
    try {
      const p = await whatsappPatient();
      const appt = await p.book(day4, '14:00');
      expect(appt.status).toBe('pending_payment');
      const reply = await tapButton(s, api, p.phone, buttonPayload(appt.id, 'confirm'), 'I will come');
      expect(reply).toEqual(['Please pay AED 300 in the clinic app (My bookings) to confirm.']);
      expect((await appointment(p.caller, appt.id)).status).toBe('pending_payment');
    } finally {
      await s.services.clinic.updatePolicies({ paymentRequired: false });
    }
  });

  it('when the buttons template is refused, the reminder still goes: as free text inside the window', async () => {
    const p = await whatsappPatient();
    const appt = await p.book(day2, '19:30');
    api.failWhen((params) => (params.ContentSid === BUTTONS_TEMPLATE ? { code: 63016, message: 'Failed to send freeform message because you are outside the allowed window' } : null));
    try {
      s.clock.set(dubai(day2, '16:45'));
      await s.services.jobs.runDue();
    } finally {
      api.reset();
    }
    const sids = (await s.database.cols.outboundMessages.find({ to: p.phone, purpose: 'appointment_reminder' }).toArray()).map((d) => d._id);
    const sent = api.messages.filter((m) => sids.includes(m.sid));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.params.ContentSid).toBeUndefined();
    expect(sent[0]!.params.Body).toContain('19:30');
    expect((await appointment(p.caller, appt.id)).status).toBe('confirmed');
  });
});

describe('configuration', () => {
  const twilio = { TWILIO_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'a'.repeat(32), TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886' };
  it('takes the buttons template as a Content SID, and names the setting when it is not one', () => {
    expect(loadConfig({ ...twilio, TWILIO_TEMPLATE_REMINDER_BUTTONS_SID: BUTTONS_TEMPLATE }).twilio?.templates).toMatchObject({ reminderButtons: BUTTONS_TEMPLATE });
    expect(() => loadConfig({ ...twilio, TWILIO_TEMPLATE_REMINDER_BUTTONS_SID: 'buttons' })).toThrow(/TWILIO_TEMPLATE_REMINDER_BUTTONS_SID/);
  });
});
