import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emiratesIdCheckDigit, maskEmiratesId } from '@clinic/contracts';
import { ObjectId } from '@clinic/db';
import { createAssistant } from '../src/index.ts';
import { startInsurer } from './support/insurer.ts';
import { CLINIC_PHONE, PAY_BASE, dubai, startHarness, type Harness } from './support/harness.ts';
import { startScriptedLlm, textOf, type ChatRequest, type ScriptedLlm } from './support/scripted-llm.ts';

/** The assistant with a model: a scripted OpenAI-compatible endpoint behind the Agents SDK's Chat Completions model (real openai client). */
let h: Harness;
let llm: ScriptedLlm;
let insurer: Awaited<ReturnType<typeof startInsurer>>;

const VALID_ID = `78419857654321${emiratesIdCheckDigit('78419857654321')}`;
const BAD_ID = `${VALID_ID.slice(0, 14)}${(Number(VALID_ID.slice(14)) + 1) % 10}`;
const dashed = (d: string) => `${d.slice(0, 3)}-${d.slice(3, 7)}-${d.slice(7, 14)}-${d.slice(14)}`;
const VALID_DASHED = dashed(VALID_ID);
const BAD_DASHED = dashed(BAD_ID);

beforeAll(async () => {
  llm = await startScriptedLlm();
  insurer = await startInsurer({ [VALID_ID]: { status: 'eligible', insurer: 'Daman', network: 'Gold', plan: 'Enhanced', copayPercent: 20 } });
  h = await startHarness({ llm, insurerUrl: insurer.url });
});
afterAll(async () => {
  await h.close();
  await llm.close();
  await insurer.close();
});
beforeEach(() => {
  expect(llm.pending).toBe(0); // the previous test used its whole script
  llm.reset();
});
afterEach(() => {
  expect(llm.stepErrors).toEqual([]); // no expectation inside a scripted step failed
});

const lastUser = (r: ChatRequest) => textOf([...r.messages].reverse().find((m) => m.role === 'user')?.content ?? null);

describe('booking conversations', () => {
  it('English: search → slots → book → the code asks → "yes" books (no model call) and sends the server-built payment link', async () => {
    await h.services.clinic.updatePolicies({ paymentRequired: true });
    const phone = '+971511111111';
    llm.push(
      { tools: [{ name: 'search_physicians', args: { specialty: 'family-medicine', availableOn: h.day1 } }] },
      (req) => {
        const found = llm.toolResults(req).at(-1);
        expect(found.physicians[0]).toMatchObject({ id: h.physician.id, name: 'Dr. Salma Haddad', price: 'AED 300' });
        return { tools: [{ name: 'free_slots', args: { id: found.physicians[0].id, date: h.day1 } }] };
      },
      (req) => {
        const slots = llm.toolResults(req).at(-1);
        expect(slots.slots[0]).toEqual({ start: `${h.day1}T09:00:00+04:00`, local: expect.stringMatching(/, 09:00$/) });
        return { text: 'Dr. Salma Haddad is free tomorrow at 09:00, 09:30 and 10:00. Which time suits you?' };
      },
    );
    const r1 = await h.say('Hi, I need a family doctor tomorrow morning', phone);
    expect(r1).toEqual({ replies: ['Dr. Salma Haddad is free tomorrow at 09:00, 09:30 and 10:00. Which time suits you?'], flaggedForStaff: false });

    // The tools the model gets are the contracts' schemas as JSON Schema (the SDK's strict form: optional fields nullable).
    const tools = llm.requests[0]!.tools!;
    const details = tools.find((t) => t.function.name === 'physician_details')!.function.parameters as any;
    expect(details.properties.id.pattern).toBe('^[0-9a-f]{24}$');
    const book = tools.find((t) => t.function.name === 'book_appointment')!.function.parameters as any;
    expect(book.required).toEqual(expect.arrayContaining(['physicianId', 'start']));
    const search = tools.find((t) => t.function.name === 'search_physicians')!.function.parameters as any;
    expect(JSON.stringify(search.properties.language)).toContain('"ar"');
    expect(tools.map((t) => t.function.name)).toContain('transfer_to_staff');
    expect(textOf(llm.requests[0]!.messages[0]!.content)).toMatch(/Asia\/Dubai/);

    llm.push({ tools: [{ name: 'book_appointment', args: { physicianId: h.physician.id, start: `${h.day1}T10:00:00+04:00`, reason: 'General check-up' } }] }, { text: 'I have prepared this booking for you.' });
    const r2 = await h.say('10:00 please', phone);
    expect(r2.replies[0]).toBe('I have prepared this booking for you.');
    expect(r2.replies[1]).toMatch(/^Book Dr\. Salma Haddad on .*, 10:00 \(AED 300\)\?\nReply YES to confirm/);
    expect(await h.appointmentsOf(phone)).toHaveLength(0);
    // The second turn's request carried the first turn's tool exchange.
    const second = llm.requests.at(-2)!;
    expect(second.messages.filter((m) => m.role === 'tool')).toHaveLength(2);
    expect(second.messages.some((m) => m.tool_calls?.some((c) => c.function.name === 'free_slots'))).toBe(true);

    const calls = llm.requests.length;
    const r3 = await h.say('Yes', phone);
    expect(llm.requests.length).toBe(calls);
    const [appt] = await h.appointmentsOf(phone);
    expect(appt).toMatchObject({ status: 'pending_payment', reason: 'General check-up' });
    expect(appt!.startsAt.toISOString()).toBe(dubai(h.day1, '10:00').toISOString());
    const payment = await h.database.cols.payments.findOne({ appointmentId: appt!._id });
    expect(payment).toMatchObject({ status: 'requires_payment', amount: { amount: 30000, currency: 'AED' } });
    expect(r3.replies.join('\n')).toMatch(/Reserved: Dr\. Salma Haddad/);
    expect(r3.replies.join('\n')).toContain(`Pay AED 300 here to confirm: ${PAY_BASE}/${payment!.checkoutToken}`);
    await h.services.clinic.updatePolicies({ paymentRequired: false });
  });

  it('Arabic with Arabic-Indic digits: the model sees 11:30, the patient confirms with نعم, the booking is made', async () => {
    const phone = '+971512222222';
    llm.push(
      (req) => {
        expect(lastUser(req)).toContain('11:30');
        expect(lastUser(req)).not.toContain('١١');
        expect(textOf(req.messages[0]!.content)).toMatch(/Arabic/);
        return { tools: [{ name: 'book_appointment', args: { physicianId: h.physician.id, start: `${h.day2}T11:30:00+04:00` } }], text: '' };
      },
      { text: 'جهزت لك الحجز مع الدكتورة سلمى.' },
    );
    const r1 = await h.say('أريد موعداً مع طبيبة الأسرة بعد غد الساعة ١١:٣٠', phone);
    expect(r1.replies[0]).toBe('جهزت لك الحجز مع الدكتورة سلمى.');
    expect(r1.replies[1]).toMatch(/هل تريد حجز موعد مع Dr\. Salma Haddad يوم .*11:30 \(300 درهم\)؟/);
    expect(r1.replies[1]).toMatch(/أرسل "نعم" للتأكيد/);

    const r2 = await h.say('نعم', phone);
    expect(r2.replies[0]).toMatch(/^✅ تم الحجز: Dr\. Salma Haddad، .*11:30/);
    const [appt] = await h.appointmentsOf(phone);
    expect(appt).toMatchObject({ status: 'confirmed', reason: 'Consultation (booked on WhatsApp)' });
    expect(appt!.startsAt.toISOString()).toBe(dubai(h.day2, '11:30').toISOString());
  });

  it('a taken slot is a short explanation, not a crash, and nothing is booked', async () => {
    const phone = '+971512222223';
    const other = await h.callerFor('+971512222299');
    llm.push({ tools: [{ name: 'book_appointment', args: { physicianId: h.physician.id, start: `${h.day2}T12:00:00+04:00` } }] }, { text: 'Ready.' });
    await h.say('Book me on the day after tomorrow at 12:00', phone);
    await other.caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day2, '12:00'), reason: 'Faster' });
    const r = await h.say('yes', phone);
    expect(r.replies[0]).toMatch(/that time was just taken/);
    expect(await h.appointmentsOf(phone)).toHaveLength(0);
  });
});

describe('payment links', () => {
  it('payment_link returns the server-built link; links the model made up are dropped from its reply', async () => {
    await h.services.clinic.updatePolicies({ paymentRequired: true });
    const phone = '+971512222224';
    const { caller } = await h.callerFor(phone);
    const appt = await caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '11:00'), reason: 'Check-up' });
    await h.services.clinic.updatePolicies({ paymentRequired: false });
    llm.push({ tools: [{ name: 'payment_link', args: { appointmentId: appt.id } }] }, (req) => {
      const link = llm.toolResults(req).at(-1).link as string;
      return { text: `Pay here: ${link}. Or use https://pay.example.com/fake-${appt.id} if that fails.` };
    });
    const r = await h.say('How do I pay for my booking?', phone);
    const payment = await h.database.cols.payments.findOne({ appointmentId: new ObjectId(appt.id) });
    expect(payment!.checkoutToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(r.replies[0]).toContain(`Pay here: ${PAY_BASE}/${payment!.checkoutToken}.`);
    expect(r.replies[0]).not.toContain('pay.example.com');
  });
});

describe('cancel and ownership', () => {
  it('cancels one of my bookings after my yes', async () => {
    const phone = '+971513333333';
    const { caller } = await h.callerFor(phone);
    const appt = await caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '16:00'), reason: 'Follow-up' });
    llm.push(
      { tools: [{ name: 'my_appointments', args: {} }] },
      (req) => {
        const mine = llm.toolResults(req).at(-1);
        expect(mine.appointments).toEqual([expect.objectContaining({ id: appt.id, physician: 'Dr. Salma Haddad', status: 'confirmed', local: expect.stringMatching(/16:00$/) })]);
        return { tools: [{ name: 'cancel_appointment', args: { id: mine.appointments[0].id } }] };
      },
      { text: 'You have one booking with Dr. Salma Haddad.' },
    );
    const r1 = await h.say('Please cancel my appointment', phone);
    expect(r1.replies[1]).toMatch(/^Cancel your appointment with Dr\. Salma Haddad on .*16:00\?/);
    expect((await caller.appointments.get({ id: appt.id })).status).toBe('confirmed');
    const r2 = await h.say('confirm', phone);
    expect(r2.replies[0]).toMatch(/^Cancelled: Dr\. Salma Haddad/);
    expect((await caller.appointments.get({ id: appt.id })).status).toBe('cancelled');
  });

  it('moves one of my bookings to another free slot after my yes', async () => {
    const phone = '+971513333334';
    const { caller } = await h.callerFor(phone);
    const appt = await caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '09:00'), reason: 'Follow-up' });
    llm.push({ tools: [{ name: 'reschedule_appointment', args: { id: appt.id, start: `${h.day3}T10:30:00+04:00` } }] }, { text: 'Noted.' });
    const r1 = await h.say('Can you move my appointment to 10:30 the same day?', phone);
    expect(r1.replies[1]).toMatch(/^Move your appointment with Dr\. Salma Haddad from .*09:00 to .*10:30\?/);
    expect((await caller.appointments.get({ id: appt.id })).start).toBe(appt.start);
    const r2 = await h.say('ok', phone);
    expect(r2.replies[0]).toMatch(/^✅ Moved: Dr\. Salma Haddad, now .*10:30/);
    expect((await caller.appointments.get({ id: appt.id })).start).toBe(`${h.day3}T10:30:00+04:00`);
  });

  it("another patient's appointment id is refused by the procedures' ownership check; a later yes changes nothing", async () => {
    const phone = '+971514444444';
    const victim = await h.callerFor('+971514444499');
    const theirs = await victim.caller.appointments.book({ physicianId: h.physician.id, start: dubai(h.day3, '17:00'), reason: 'Private' });
    llm.push(
      { tools: [{ name: 'cancel_appointment', args: { id: theirs.id } }, { name: 'reschedule_appointment', args: { id: theirs.id, start: `${h.day3}T18:00:00+04:00` } }, { name: 'payment_link', args: { appointmentId: theirs.id } }] },
      (req) => {
        const results = llm.toolResults(req);
        expect(results).toEqual([
          expect.objectContaining({ ok: false, code: 'NOT_FOUND' }),
          expect.objectContaining({ ok: false, code: 'NOT_FOUND' }),
          expect.objectContaining({ ok: false }),
        ]);
        expect(JSON.stringify(results)).not.toContain('Private');
        return { text: "I couldn't find that booking among yours." };
      },
    );
    const r1 = await h.say(`Cancel appointment ${theirs.id}`, phone);
    expect(r1.replies).toEqual(["I couldn't find that booking among yours."]);
    expect((await h.conversation(phone))?.pending).toBeNull();
    llm.push({ text: 'There is nothing waiting for your confirmation.' });
    await h.say('yes', phone);
    const after = await victim.caller.appointments.get({ id: theirs.id });
    expect(after).toMatchObject({ status: 'confirmed', start: theirs.start });
    expect(await h.database.cols.payments.countDocuments({ appointmentId: new ObjectId(theirs.id) })).toBe(0);
  });
});

describe('insurance', () => {
  it('an invalid then a valid Emirates ID: the model only ever sees masked numbers; the insurer gets the real one', async () => {
    const phone = '+971515555555';
    const badMasked = maskEmiratesId(BAD_ID);
    const goodMasked = maskEmiratesId(VALID_ID);
    llm.push(
      (req) => {
        expect(lastUser(req)).toContain(badMasked);
        return { tools: [{ name: 'check_insurance', args: { emiratesId: badMasked } }] };
      },
      (req) => {
        expect(llm.toolResults(req).at(-1)).toMatchObject({ ok: false, code: 'INVALID_EMIRATES_ID', message: expect.stringMatching(/last digit/) });
        return { text: 'That number does not look right — the last digit does not match. Could you check it?' };
      },
    );
    const r1 = await h.say(`Can you check my insurance? My Emirates ID is ${BAD_DASHED}`, phone);
    expect(r1.replies[0]).toMatch(/does not look right/);

    llm.push(
      (req) => {
        expect(lastUser(req)).toContain(goodMasked);
        return { tools: [{ name: 'check_insurance', args: { emiratesId: goodMasked } }] };
      },
      (req) => {
        expect(llm.toolResults(req).at(-1)).toMatchObject({ ok: true, status: 'eligible', insurer: 'Daman', copayPercent: 20, emiratesId: goodMasked });
        return { text: 'Good news: Daman (Enhanced) covers you; you pay 20% of the fee.' };
      },
    );
    const r2 = await h.say(`sorry, it is ${VALID_DASHED}`, phone);
    expect(r2.replies[0]).toMatch(/Daman/);

    expect(insurer.asked).toEqual([VALID_ID]); // the invalid one never left the server
    const everythingSent = JSON.stringify(llm.requests);
    for (const raw of [VALID_ID, BAD_ID, VALID_DASHED, BAD_DASHED, '7654321']) expect(everythingSent).not.toContain(raw);
    const stored = JSON.stringify(await h.conversation(phone));
    for (const raw of [VALID_ID, BAD_ID, VALID_DASHED, BAD_DASHED, '7654321']) expect(stored).not.toContain(raw);
    const user = await h.database.cols.users.findOne({ phoneIdentity: phone });
    expect((await h.database.cols.insuranceProfiles.findOne({ _id: user!._id }))?.status).toBe('eligible');
  });
});

describe('safety and hand-over', () => {
  it('emergencies and medicine questions get fixed replies with zero model calls', async () => {
    const en = await h.say('My father has severe chest pain', '+971516666661');
    expect(en.replies[0]).toMatch(/Call 998 for an ambulance/);
    expect(en.replies[0]).toContain(CLINIC_PHONE);
    const ar = await h.say('لا أستطيع التنفس', '+971516666662');
    expect(ar.replies[0]).toMatch(/اتصل فوراً بالرقم 998/);
    const med = await h.say('What dose of paracetamol should I take?', '+971516666663');
    expect(med.replies[0]).toMatch(/can't give medical advice/);
    const medAr = await h.say('ما هي جرعة الدواء المناسبة لي؟', '+971516666664');
    expect(medAr.replies[0]).toMatch(/لا أستطيع تقديم نصائح طبية/);
    expect(llm.requests).toHaveLength(0);
  });

  it('"human please" flags the conversation: one hand-over reply, then only "a person will answer" (no model calls) until released', async () => {
    const phone = '+971517777777';
    const r = await h.say('human please', phone);
    expect(r).toEqual({ replies: [expect.stringMatching(/passed your conversation to our staff/)], flaggedForStaff: true });
    expect(await h.say('hello? anyone?', phone)).toEqual({ replies: [expect.stringMatching(/A person will answer here/)], flaggedForStaff: true });
    expect(await h.say('book me tomorrow', phone)).toEqual({ replies: [], flaggedForStaff: true });
    expect(llm.requests).toHaveLength(0);
    const convo = await h.conversation(phone);
    expect(convo?.flagged?.reason).toBe('requested');
    expect(convo?.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['human please', 'hello? anyone?', 'book me tomorrow']);

    await h.services.conversations.release(phone, null);
    llm.push({ text: 'Hello again! How can I help?' });
    expect(await h.say('hi', phone)).toEqual({ replies: ['Hello again! How can I help?'], flaggedForStaff: false });
  });

  it('three failed turns in a row offer "menu or a person?"; a person hands the conversation over', async () => {
    const phone = '+971517777778';
    // The model answers, but with nothing usable.
    llm.push({ text: '' }, { text: ' ' }, { text: '' });
    expect((await h.say('hello', phone)).replies[0]).toMatch(/having trouble/);
    await h.say('hello?', phone);
    const third = await h.say('anyone?', phone);
    expect(third).toEqual({ replies: [expect.stringMatching(/menu or a person\?/)], flaggedForStaff: false });
    expect(await h.say('2', phone)).toEqual({ replies: [expect.stringMatching(/passed your conversation to our staff/)], flaggedForStaff: true });
  });

  it('when the model cannot be reached the patient gets the numbered menu, books through it, and is not handed over for our outage', async () => {
    const phone = '+971517777779';
    // The script is empty: the endpoint refuses every call.
    const down = await h.say('I need to see a family doctor', phone);
    // The menu reads the typed specialty itself: the patient is not sent back to the start.
    expect(down.replies[0]).toMatch(/can't understand free text right now, but the menu works\.\n[^]*Family Medicine — pick a physician:\n1\. Dr\. Salma Haddad/);
    expect(llm.exhausted).toBe(1);
    // A number picked from the list on screen goes to the menu, not to the model.
    expect((await h.say('1', phone)).replies.join('\n')).toMatch(/Free times with Dr\. Salma Haddad:\n1\. /);
    expect(llm.exhausted).toBe(1);
    expect((await h.say('1', phone)).replies.join('\n')).toMatch(/Reply YES/i);
    expect((await h.say('yes', phone)).replies.join('\n')).toMatch(/Booked/);
    expect(await h.appointmentsOf(phone)).toHaveLength(1);
    for (const text of ['hello?', 'anyone there?', 'please']) expect((await h.say(text, phone)).flaggedForStaff).toBe(false);
    expect((await h.conversation(phone))!.failures).toBe(0);
  });
});

describe('conversation mechanics', () => {
  it('splits a long reply into WhatsApp messages of at most 1600 characters', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i + 1} about the clinic's services and opening hours.`).join(' ');
    expect(long.length).toBeGreaterThan(3200);
    llm.push({ text: long });
    const r = await h.say('Tell me everything about the clinic', '+971518888888');
    expect(r.replies.length).toBeGreaterThanOrEqual(3);
    for (const part of r.replies) expect(part.length).toBeLessThanOrEqual(1600);
    expect(r.replies.join(' ')).toBe(long);
  });

  it('remembers the conversation within a session and starts fresh after 30 quiet minutes', async () => {
    const phone = '+971519999999';
    llm.push({ text: 'Hello! How can I help?' }, { text: 'Sure.' });
    await h.say('Hi there', phone);
    h.clock.advance(10 * 60_000);
    await h.say('I want to book', phone);
    expect(llm.requests[1]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    h.clock.advance(31 * 60_000);
    llm.push({ text: 'Welcome back!' });
    await h.say('Hi again', phone);
    expect(llm.requests[2]!.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(lastUser(llm.requests[2]!)).toBe('Hi again');
  });

  it('caps tool rounds per message: after maxTurns the model must answer in text', async () => {
    const capped = createAssistant({ services: h.services, llm: { apiKey: 'sk-test', baseURL: llm.url, model: 'scripted-model', maxTurns: 2 } });
    llm.push({ tools: [{ name: 'clinic_info', args: {} }] }, { tools: [{ name: 'list_packages', args: {} }] }, { text: 'We are open every day from 08:00 to 20:00.' });
    const r = await capped.handle({ from: '+971510000001', profileName: null, text: 'When are you open?', receivedAt: h.clock.now() });
    expect(r.replies).toEqual(['We are open every day from 08:00 to 20:00.']);
    // Two rounds with the tools on offer, then a call with none: it can only answer in text.
    expect(llm.requests.map((q) => (q.tools ?? []).length > 0)).toEqual([true, true, false]);
    const info = llm.toolResults(llm.requests[1]!)[0];
    expect(info.clinic).toMatchObject({ phone: CLINIC_PHONE, timeZone: 'Asia/Dubai' });
  });
});

describe("a clinic's own WhatsApp number", () => {
  const OWN_NUMBER = '+97165550123';
  let other: { id: string; slug: string };
  let otherPhysician: string;

  beforeAll(async () => {
    const _id = new ObjectId();
    const clinic = (await h.database.cols.clinics.findOne({}))!;
    other = { id: _id.toHexString(), slug: 'harbour-clinic' };
    await h.database.cols.clinics.insertOne({
      ...clinic,
      _id,
      slug: other.slug,
      name: 'Harbour Clinic',
      nameAr: 'عيادة الميناء',
      phone: '+97165550000',
      whatsappNumber: OWN_NUMBER,
      specialties: ['family-medicine'],
      locations: [{ ...clinic.locations[0]!, id: 'harbour' }],
    });
    const created = await h.services.physicians.create(
      {
        fullName: 'Dr. Omar Harbour',
        title: 'Specialist',
        gender: 'male',
        specialty: 'family-medicine',
        subSpecialties: [],
        languages: ['en'],
        bio: 'Family physician.',
        yearsOfExperience: 8,
        price: { amount: 25000, currency: 'AED' },
        photoUrl: null,
        locationIds: ['harbour'],
        userId: null,
        schedule: h.physician.schedule,
      },
      _id.toHexString(),
    );
    otherPhysician = created.id;
  });

  it("speaks for that clinic, searches only its physicians, and treats another clinic's physician as not found", async () => {
    const phone = '+971519999123';
    llm.push(
      { tools: [{ name: 'search_physicians', args: { specialty: 'family-medicine' } }, { name: 'physician_details', args: { id: h.physician.id } }, { name: 'free_slots', args: { id: h.physician.id, date: h.day1 } }] },
      { tools: [{ name: 'book_appointment', args: { physicianId: h.physician.id, start: `${h.day1}T10:00:00+04:00` } }] },
      { text: 'Dr. Omar Harbour can see you.' },
    );
    const r = await h.assistant.handle({ from: phone, via: OWN_NUMBER, profileName: 'Layla Test', text: 'I need a family doctor', receivedAt: h.clock.now() });
    expect(r.replies).toEqual(['Dr. Omar Harbour can see you.']);
    expect(textOf(llm.requests[0]!.messages[0]!.content)).toMatch(/WhatsApp assistant of Harbour Clinic/);
    const [search, details, slots] = llm.toolResults(llm.requests[1]!);
    expect(search.physicians.map((p: { id: string; clinic: string }) => [p.id, p.clinic])).toEqual([[otherPhysician, 'Harbour Clinic']]);
    expect(details).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(slots).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(llm.toolResults(llm.requests[2]!).at(-1)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await h.appointmentsOf(phone)).toHaveLength(0);
    // Its own conversation, apart from the same number's on the shared number.
    expect(await h.conversation(phone)).toBeNull();
    expect(await h.database.cols.conversations.findOne({ _id: `${phone}|${OWN_NUMBER}` })).toMatchObject({ phone, via: OWN_NUMBER });
  });
});
