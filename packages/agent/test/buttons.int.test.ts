import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonPayload } from '../src/index.ts';
import { CLINIC_PHONE, dubai, startHarness, type Harness } from './support/harness.ts';
import { startScriptedLlm, type ScriptedLlm } from './support/scripted-llm.ts';

/** Quick-reply buttons with a model configured: they are handled in code, and their payloads never reach the model. */
let h: Harness;
let llm: ScriptedLlm;
beforeAll(async () => {
  llm = await startScriptedLlm();
  h = await startHarness({ llm });
});
afterAll(async () => {
  await h.close();
  await llm.close();
});

const tap = (phone: string, payload: string, title: string) => h.assistant.handle({ from: phone, profileName: 'Layla Test', text: title, buttonPayload: payload, receivedAt: h.clock.now() });

describe('reminder buttons', () => {
  it('reschedule: the slots, the pick and the yes run without a model call; the model later sees titles, never payloads', async () => {
    const phone = '+971521111111';
    const { caller } = await h.callerFor(phone);
    const appt = await caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '10:00'), reason: 'Check-up' });

    const list = await tap(phone, buttonPayload(appt.id, 'reschedule'), 'Reschedule');
    expect(list.replies[0]).toMatch(/^Free times with Dr\. Salma Haddad instead of .*10:00:\n1\. /);
    const first = /\n1\. (.+)\n/.exec(list.replies[0]!)![1]!;
    expect((await h.say('1', phone)).replies[0]).toContain(`to ${first}?`);
    expect((await h.say('yes', phone)).replies[0]).toBe(`✅ Moved: Dr. Salma Haddad, now ${first}.`);
    expect(llm.requests).toHaveLength(0);

    llm.push({ text: 'You are welcome.' });
    expect((await h.say('thank you', phone)).replies).toEqual(['You are welcome.']);
    const sent = JSON.stringify(llm.requests);
    expect(sent).toContain('Reschedule');
    expect(sent).not.toContain('appt:');
    expect(sent).not.toContain(appt.id);
  });

  it('an Arabic button title gets Arabic answers; a payload of ours with a bad action gets the menu', async () => {
    const phone = '+971521111112';
    const { caller } = await h.callerFor(phone);
    const appt = await caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '11:00'), reason: 'Check-up' });
    const calls = llm.requests.length;
    expect((await tap(phone, buttonPayload(appt.id, 'confirm'), 'سأحضر')).replies[0]).toMatch(/^شكراً لك! نراك مع Dr\. Salma Haddad/);
    // Two hours before (inside the 24-hour cutoff): refused at once, with the clinic's phone.
    h.clock.set(dubai(h.day3, '09:00'));
    expect((await tap(phone, buttonPayload(appt.id, 'cancel'), 'إلغاء')).replies[0]).toBe(`يمكن إلغاء الحجز عبر الإنترنت حتى 24 ساعة قبل موعده، ولم يعد ذلك ممكناً لهذا الموعد. يرجى الاتصال بالعيادة على ${CLINIC_PHONE}.`);
    expect((await tap(phone, `appt:${appt.id}:delete`, 'حذف')).replies[0]).toMatch(/^عذراً، لم أفهم هذا الزر\.\nكيف يمكنني مساعدتك؟/);
    expect(llm.requests).toHaveLength(calls);
  });
});
