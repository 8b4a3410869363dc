import { randomInt } from 'node:crypto';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCaller, createInternalContext } from '@clinic/api';
import { createClinicClient, type ClinicClient, type RouterOutputs } from '@clinic/sdk';
import { insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, TEST_WHATSAPP_FROM, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, type TwilioApi } from './support/twilio.ts';

type InboxDelivered = RouterOutputs['conversations']['onEvent'] extends AsyncIterable<infer T> ? T : never;

/** An approved template (Content SID) for staff replies outside WhatsApp's 24-hour window. */
const STAFF_REPLY_TEMPLATE = `HX${'5'.repeat(32)}`;

let api: TwilioApi;
let s: TestServer;
let staff: Awaited<ReturnType<typeof makeStaff>>;
let colleague: Awaited<ReturnType<typeof makeStaff>>;
let admin: Awaited<ReturnType<typeof makeStaff>>;

beforeAll(async () => {
  api = await startTwilioApi();
  s = await startTestServer({ twilio: { api, staffReplyTemplate: STAFF_REPLY_TEMPLATE } });
  [staff, colleague, admin] = [await makeStaff(s, 'staff'), await makeStaff(s, 'staff'), await makeStaff(s, 'admin')];
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});

/** Waits for what a user would see to arrive; bounded, so a missing event fails the test instead of hanging it. */
const arrive = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 25 });
const newPhone = () => `+97155${randomInt(1_000_000, 9_999_999)}`;
const path = (phone: string, rest = '') => `/staff/conversations/${encodeURIComponent(phone)}${rest}`;
const sdk = (token: string): ClinicClient => createClinicClient({ baseUrl: s.baseUrl, getAccessToken: () => token, webSocket: { retryDelayMs: () => 50 } });

/** The staff member's inbox, live over WebSocket through the SDK. */
async function inbox(token: string) {
  const events: InboxDelivered[] = [];
  let started = false;
  const sub = sdk(token).conversations.onEvent.subscribe({}, { onStarted: () => void (started = true), onData: (e) => void events.push(e) });
  await arrive(() => expect(started).toBe(true));
  return { events, of: (phone: string) => events.map((e) => e.data).filter((e) => e.phone === phone), stop: () => sub.unsubscribe() };
}

/** Everything Twilio was asked to send to the number (free text or template), in order. */
const sentTo = (phone: string) => api.to(`whatsapp:${phone}`);

const LANGS = [
  {
    lang: 'en',
    hello: 'hi',
    ask: 'I want to talk to a person please',
    handover: /passed your conversation to our staff\. A person will answer here shortly\./,
    withId: 'My Emirates ID is 784-1990-1234567-1, my booking is wrong',
    ack: /A person will answer here as soon as possible\. For emergencies call 998\./,
    link: 'LINK ABCD-EFGH',
    joined: /has joined this chat\. You are now talking to a person\./,
    reply: 'Hello, this is Test staff. I can move your booking to Thursday.',
    answer: 'Thursday is fine, thank you',
    menuBack: /1 Find a physician and book/,
  },
  {
    lang: 'ar',
    hello: 'مرحبا',
    ask: 'أريد التحدث مع موظف',
    handover: /حوّلت محادثتك إلى موظفي العيادة، وسيرد عليك أحد الموظفين هنا قريباً/,
    withId: 'رقم هويتي 784-1990-1234567-1 وحجزي خطأ',
    ack: /سيرد عليك أحد الموظفين هنا في أقرب وقت\. في حالات الطوارئ اتصل بالرقم 998/,
    link: 'ربط ABCD-EFGH',
    joined: /انضم .* إلى هذه المحادثة\. أنت الآن تتحدث مع موظف\./,
    reply: 'مرحباً، يمكنني نقل موعدك إلى يوم الخميس.',
    answer: 'الخميس مناسب، شكراً',
    menuBack: /البحث عن طبيب والحجز/,
  },
] as const;

describe.each(LANGS)('a WhatsApp hand-over staff answer ($lang)', (t) => {
  it('patient asks for a person → live in the inbox, masked → taken → "a person has joined" → reply → answer live → release → the assistant again', async () => {
    const phone = newPhone();
    const live = await inbox(staff.accessToken);
    expect((await sendWhatsApp(s, api, phone, t.hello)).length).toBeGreaterThan(0);

    // The patient asks for a person: told one will answer shortly; the inbox hears of it at once.
    expect(await sendWhatsApp(s, api, phone, t.ask)).toEqual([expect.stringMatching(t.handover)]);
    await arrive(() => expect(live.of(phone).map((e) => e.kind)).toEqual(['handover']));
    expect(live.of(phone)[0]).toMatchObject({ conversation: { phone, reason: 'requested', takenBy: null, flaggedAt: expect.stringMatching(/\+04:00$/) } });

    // Waiting: the patient hears a person will answer (once), and staff see the message live with the ID masked.
    expect(await sendWhatsApp(s, api, phone, t.withId)).toEqual([expect.stringMatching(t.ack)]);
    expect(await sendWhatsApp(s, api, phone, t.link)).toEqual([]);
    await arrive(() => expect(live.of(phone).map((e) => e.kind)).toEqual(['handover', 'message', 'message']));
    const [idMessage, linkMessage] = live.of(phone).slice(1).map((e) => e.message!);
    expect(idMessage).toMatchObject({ from: 'patient', text: expect.stringContaining('784-****-*****67'), staffName: null });
    expect(JSON.stringify(live.events)).not.toContain('1234567');
    expect(linkMessage!.text).toBe('LINK ****-****');

    // The transcript: the whole session, masked, never the link code.
    const transcript = await s.rest('GET', path(phone), undefined, staff.accessToken);
    expect(transcript.status).toBe(200);
    expect(transcript.body).toMatchObject({ phone, language: t.lang, takenBy: null });
    const lines = transcript.body.messages as { from: string; text: string; at: string }[];
    expect(lines.filter((m) => m.from === 'patient').map((m) => m.text)).toEqual([t.hello, t.ask, expect.stringContaining('784-****-*****67'), 'LINK ****-****']);
    expect(lines.every((m) => m.at.endsWith('+04:00'))).toBe(true);
    expect(JSON.stringify(transcript.body)).not.toMatch(/1234567|ABCD-EFGH/);

    // Taking it: the patient reads, in their language, that a person joined; colleagues see who has it.
    const before = sentTo(phone).length;
    const taken = await s.rest('POST', path(phone, '/take'), {}, staff.accessToken);
    expect(taken.status).toBe(200);
    expect(taken.body.takenBy).toMatchObject({ userId: staff.userId, name: 'Test staff' });
    await arrive(() => expect(sentTo(phone).length).toBe(before + 1));
    expect(sentTo(phone).at(-1)!.params).toMatchObject({ From: TEST_WHATSAPP_FROM, Body: expect.stringMatching(t.joined) });
    await arrive(() => expect(live.of(phone).at(-1)).toMatchObject({ kind: 'taken', conversation: { takenBy: { name: 'Test staff' } } }));
    const second = await s.rest('POST', path(phone, '/take'), {}, colleague.accessToken);
    expect(second.status).toBe(409);
    expect(second.body.message).toContain('Test staff');

    // The reply goes out from the number the patient wrote to, as free text (inside the 24-hour window).
    const reply = await s.rest('POST', path(phone, '/reply'), { text: t.reply }, staff.accessToken);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ message: { from: 'staff', text: t.reply, staffName: 'Test staff' }, delivery: { mode: 'text' } });
    const out = sentTo(phone).at(-1)!;
    expect(out.sid).toBe(reply.body.delivery.messageSid);
    expect(out.params).toMatchObject({ From: TEST_WHATSAPP_FROM, Body: t.reply });
    expect(out.params.ContentSid).toBeUndefined();

    // The patient answers: no automatic note now a person is writing; staff see it live.
    expect(await sendWhatsApp(s, api, phone, t.answer)).toEqual([]);
    await arrive(() => expect(live.of(phone).at(-1)).toMatchObject({ kind: 'message', message: { from: 'patient', text: t.answer } }));
    const after = (await s.rest('GET', path(phone), undefined, admin.accessToken)).body.messages as { from: string; text: string; staffName: string | null }[];
    expect(after.slice(-2)).toEqual([expect.objectContaining({ from: 'staff', text: t.reply, staffName: 'Test staff' }), expect.objectContaining({ from: 'patient', text: t.answer })]);

    // Released: the inbox hears of it, and the assistant answers the next message.
    expect((await s.rest('POST', path(phone, '/release'), {}, staff.accessToken)).status).toBe(200);
    await arrive(() => expect(live.of(phone).at(-1)).toMatchObject({ kind: 'released' }));
    expect((await sendWhatsApp(s, api, phone, t.hello)).join('\n')).toMatch(t.menuBack);
    live.stop();
  });
});

describe('the staff side: who may do what, and bad input', () => {
  it("another clinic's staff get 404 on the transcript, take and reply, and their inbox hears nothing of it", async () => {
    const phone = newPhone();
    const other = await insertSecondClinic(s);
    const otherStaff = (await makeClinicStaff(s, other._id, 'staff')).accessToken;
    const theirs = await inbox(otherStaff);
    const ours = await inbox(admin.accessToken);
    await sendWhatsApp(s, api, phone, 'human please');
    await arrive(() => expect(ours.of(phone).map((e) => e.kind)).toEqual(['handover']));
    for (const [method, rest, body] of [['GET', '', undefined], ['POST', '/take', {}], ['POST', '/reply', { text: 'hello' }]] as const) {
      const res = await s.rest(method, path(phone, rest), body, otherStaff);
      expect(res.status, `${method} ${rest}`).toBe(404);
      expect(res.body.data.appCode).toBe('NOT_FOUND');
    }
    expect(theirs.events.filter((e) => e.data.phone === phone)).toEqual([]);
    expect(sentTo(phone)).toHaveLength(1);
    theirs.stop();
    ours.stop();
  });

  it('an empty, invisible or over-long reply is a 400 naming text; replying before taking (or to a colleague\'s) 409; not with staff 404; nothing sent', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    const sent = sentTo(phone).length;
    expect((await s.rest('POST', path(phone, '/reply'), { text: 'hello' }, staff.accessToken)).status).toBe(409);
    expect((await s.rest('POST', path(phone, '/take'), {}, staff.accessToken)).status).toBe(200);
    const afterTake = sentTo(phone).length;
    expect(afterTake).toBe(sent + 1);
    for (const text of ['', '   ', '\u200b', 'x'.repeat(1601)]) {
      const res = await s.rest('POST', path(phone, '/reply'), { text }, staff.accessToken);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.data.fieldErrors)).toEqual(['text']);
    }
    expect((await s.rest('POST', path(phone, '/reply'), {}, staff.accessToken)).status).toBe(400);
    const byColleague = await s.rest('POST', path(phone, '/reply'), { text: 'hello' }, colleague.accessToken);
    expect(byColleague.status).toBe(409);
    expect(byColleague.body.message).toContain('Test staff is answering');
    expect((await s.rest('POST', path(newPhone(), '/reply'), { text: 'hello' }, staff.accessToken)).status).toBe(404);
    expect((await s.rest('GET', path(newPhone()), undefined, staff.accessToken)).status).toBe(404);
    expect(sentTo(phone)).toHaveLength(afterTake);
    // Twilio refusing it: 502 naming WhatsApp, and the transcript has no reply that never left.
    api.failWhen(() => ({ code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.' }));
    try {
      const refused = await s.rest('POST', path(phone, '/reply'), { text: 'hello' }, staff.accessToken);
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ message: expect.stringContaining('Twilio error 63016'), data: { appCode: 'WHATSAPP_SEND_FAILED' } });
    } finally {
      api.reset();
    }
    expect(((await s.rest('GET', path(phone), undefined, staff.accessToken)).body.messages as { from: string }[]).filter((m) => m.from === 'staff')).toEqual([]);
    // 1,600 characters is one WhatsApp message: accepted.
    expect((await s.rest('POST', path(phone, '/reply'), { text: 'y'.repeat(1600) }, staff.accessToken)).status).toBe(200);
    const [patient] = await makePatients(s, 1);
    expect((await s.rest('GET', path(phone), undefined, patient!.accessToken)).status).toBe(403);
    expect((await s.rest('GET', '/staff/inbox/events', undefined, patient!.accessToken)).status).toBe(403);
  });

  it('createCaller reaches the same procedures: staff take and reply server-side, a patient is FORBIDDEN', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    const asStaff = createCaller(createInternalContext(s.services, { userId: colleague.userId, role: 'staff', sessionId: null }, 'test-staff'));
    expect((await asStaff.conversations.take({ phone })).takenBy?.userId).toBe(colleague.userId);
    expect((await asStaff.conversations.reply({ phone, text: 'Hi from the desk' })).delivery.mode).toBe('text');
    expect(sentTo(phone).at(-1)!.params.Body).toBe('Hi from the desk');
    const asPatient = createCaller(createInternalContext(s.services, { userId: staff.userId, role: 'patient', sessionId: null }, 'test-patient', 'whatsapp'));
    await expect(asPatient.conversations.transcript({ phone })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("a clinic with its own number in another zone: flaggedAt and every inbox time carry its offset; replies leave from its number", async () => {
    const number = '+97165559999';
    const clinic = await insertSecondClinic(s, {}, { slug: 'kolkata-care', timeZone: 'Asia/Kolkata', whatsappNumber: number });
    const token = (await makeClinicStaff(s, clinic._id, 'staff')).accessToken;
    const live = await inbox(token);
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please', number);
    const item = (await s.rest('GET', '/staff/conversations/flagged', undefined, token)).body.items.find((c: { phone: string }) => c.phone === phone);
    expect(item.flaggedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+05:30$/);
    const stored = await s.database.cols.conversations.findOne({ _id: `${phone}|${number}` });
    expect(new Date(item.flaggedAt).getTime()).toBe(stored!.flagged!.at.getTime());
    await arrive(() => expect(live.of(phone)[0]?.conversation?.flaggedAt).toBe(item.flaggedAt));
    const taken = await s.rest('POST', path(phone, '/take'), {}, token);
    expect(taken.body.takenBy.at).toMatch(/\+05:30$/);
    expect(taken.body.messages.every((m: { at: string }) => m.at.endsWith('+05:30'))).toBe(true);
    expect((await s.rest('POST', path(phone, '/reply'), { text: 'Hello from Kolkata Care' }, token)).status).toBe(200);
    expect(sentTo(phone).at(-1)!.params).toMatchObject({ From: `whatsapp:${number}`, Body: 'Hello from Kolkata Care' });
    // The first clinic's staff do not see it.
    expect((await s.rest('GET', path(phone), undefined, staff.accessToken)).status).toBe(404);
    live.stop();
  });

  it("a patient's message being answered while staff take and reply keeps both: the taker and the reply survive the assistant's save", async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    const patientId = (await s.database.cols.conversations.findOne({ _id: phone }))!.userId.toHexString();
    // The assistant has read the conversation for the patient's next message…
    const { convo } = await s.services.conversations.load(phone, null, patientId, 'en', s.clock.now(), 30 * 60_000);
    // …when staff take it and reply…
    const asStaff = createCaller(createInternalContext(s.services, { userId: staff.userId, role: 'staff', sessionId: null }, 'test-staff'));
    await asStaff.conversations.take({ phone });
    await asStaff.conversations.reply({ phone, text: 'Here to help' });
    // …and only then stores what it read plus the patient's message.
    convo.messages.push({ role: 'user', content: 'are you there?', at: s.clock.now() });
    await s.services.conversations.save(convo, s.clock.now());
    const transcript = await asStaff.conversations.transcript({ phone });
    expect(transcript.takenBy?.userId).toBe(staff.userId);
    expect(transcript.messages.map((m) => `${m.from}: ${m.text}`).slice(-2)).toEqual(['staff: Here to help', 'patient: are you there?']);
  });

  it('REST follows the inbox as server-sent events; without that Accept header, the position', async () => {
    const position = await s.rest('GET', '/staff/inbox/events', undefined, staff.accessToken);
    expect(position.status).toBe(200);
    expect(position.body.lastEventId).toMatch(/^\d+$/);
    // The stream: a new hand-over arrives as an SSE event with the conversation.
    const stream = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(`${s.baseUrl}/api/v1/staff/inbox/events?lastEventId=${position.body.lastEventId}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${staff.accessToken}` } }, resolve).on('error', reject),
    );
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    let text = '';
    stream.on('data', (chunk: Buffer) => void (text += chunk.toString()));
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    await arrive(() => expect(text).toContain(phone));
    stream.destroy();
    expect(text).toMatch(new RegExp(`event: handover\ndata: \\{"kind":"handover","phone":"\\${phone}"`));
    const doc = (await s.rest('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/staff/inbox/events', '/staff/conversations/{phone}', '/staff/conversations/{phone}/take', '/staff/conversations/{phone}/reply']));
  });
});

describe('the patient side of a hand-over', () => {
  it('waiting: one note, then quiet for 15 minutes, but "are you there?" always gets one', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    expect(await sendWhatsApp(s, api, phone, 'my booking is on Monday')).toEqual([expect.stringMatching(/A person will answer here/)]);
    expect(await sendWhatsApp(s, api, phone, 'with Dr. Layla')).toEqual([]);
    expect(await sendWhatsApp(s, api, phone, 'are you there?')).toEqual([expect.stringMatching(/For emergencies call 998/)]);
    expect(await sendWhatsApp(s, api, phone, 'وينكم')).toEqual([expect.stringMatching(/في حالات الطوارئ اتصل بالرقم 998/)]);
    // An emergency is still answered first, and staff see it live.
    const live = await inbox(staff.accessToken);
    expect((await sendWhatsApp(s, api, phone, 'I have chest pain'))[0]).toMatch(/Call 998/);
    await arrive(() => expect(live.of(phone)).toContainEqual(expect.objectContaining({ kind: 'message', message: expect.objectContaining({ text: 'I have chest pain' }) })));
    live.stop();
  });

  it('three messages it cannot use get "menu or a person?" (no silent hand-over); garbage is not a person; "2" is', async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'hi');
    await sendWhatsApp(s, api, phone, '\u200b');
    await sendWhatsApp(s, api, phone, 'x'.repeat(2000));
    expect(await sendWhatsApp(s, api, phone, 'what?')).toEqual([expect.stringMatching(/Would you like the menu or a person\?\n1 The menu\n2 Talk to our staff/)]);
    expect((await s.rest('GET', '/staff/conversations/flagged', undefined, staff.accessToken)).body.items.map((c: { phone: string }) => c.phone)).not.toContain(phone);
    // Garbage again: asked again, still not handed over.
    expect(await sendWhatsApp(s, api, phone, '\u200b')).toEqual([expect.stringMatching(/menu or a person\?/)]);
    expect(await sendWhatsApp(s, api, phone, '2')).toEqual([expect.stringMatching(/passed your conversation to our staff/)]);
    expect((await s.rest('GET', '/staff/conversations/flagged', undefined, staff.accessToken)).body.items).toContainEqual(expect.objectContaining({ phone, reason: 'failures' }));

    // In Arabic, "القائمة" picks the menu.
    const ar = newPhone();
    await sendWhatsApp(s, api, ar, 'مرحبا');
    for (const x of ['؟؟', 'أزرق']) await sendWhatsApp(s, api, ar, x);
    expect(await sendWhatsApp(s, api, ar, 'أخضر')).toEqual([expect.stringMatching(/هل تريد القائمة أم التحدث مع موظف/)]);
    expect((await sendWhatsApp(s, api, ar, 'القائمة')).join('\n')).toMatch(/البحث عن طبيب والحجز/);
  });

  it("outside the clinic's opening hours a hand-over says when staff will answer", async () => {
    const clinic = await s.services.clinic.current();
    const now = s.clock.now();
    // Open only on the weekday after today (Dubai), 08:00–09:00.
    const tomorrow = (new Date(now.getTime() + 4 * 3_600_000).getUTCDay() + 1) % 7;
    await s.database.cols.clinics.updateOne({ _id: clinic._id }, { $set: { 'locations.0.openingHours': [{ weekday: tomorrow, open: '08:00', close: '09:00' }] } });
    try {
      const phone = newPhone();
      const [handover] = await sendWhatsApp(s, api, phone, 'human please');
      expect(handover).toMatch(/The clinic is closed now: a person will answer here from \w{3} \d{1,2} \w{3}, 08:00\. In an emergency call 998\./);
      expect(await sendWhatsApp(s, api, phone, 'ok')).toEqual([expect.stringMatching(/A person will answer here from .*08:00, when the clinic opens\./)]);
      const ar = newPhone();
      expect((await sendWhatsApp(s, api, ar, 'أريد موظف'))[0]).toMatch(/العيادة مغلقة الآن، وسيرد عليك أحد الموظفين هنا ابتداءً من .*08:00/);
    } finally {
      await s.database.cols.clinics.updateOne({ _id: clinic._id }, { $set: { 'locations.0.openingHours': [] } });
    }
  });

  // Last: it moves the server's clock a day on.
  it("outside WhatsApp's 24-hour window a staff reply goes as the approved template, as Twilio receives it", async () => {
    const phone = newPhone();
    await sendWhatsApp(s, api, phone, 'human please');
    expect((await s.rest('POST', path(phone, '/take'), {}, staff.accessToken)).status).toBe(200);
    s.clock.advance(25 * 3_600_000);
    // A day on, the staff member signs in again.
    const token = (await s.rest('POST', '/auth/login', { email: staff.email, password: 'staff-pass-123' })).body.accessToken as string;
    const res = await s.rest('POST', path(phone, '/reply'), { text: 'Sorry for the wait: your booking is moved.' }, token);
    expect(res.status).toBe(200);
    expect(res.body.delivery.mode).toBe('template');
    const out = sentTo(phone).at(-1)!;
    expect(out.sid).toBe(res.body.delivery.messageSid);
    expect(out.params.Body).toBeUndefined();
    expect(out.params.ContentSid).toBe(STAFF_REPLY_TEMPLATE);
    expect(JSON.parse(out.params.ContentVariables!)).toEqual({ clinicName: 'Test Clinic', text: 'Sorry for the wait: your booking is moved.' });
    const stored = await s.database.cols.outboundMessages.findOne({ _id: out.sid });
    expect(stored).toMatchObject({ purpose: 'staff_reply', mode: 'template', contentSid: STAFF_REPLY_TEMPLATE });
    // The transcript still has it, and the patient's next message opens the window again.
    expect(((await s.rest('GET', path(phone), undefined, token)).body.messages as { from: string }[]).at(-1)).toMatchObject({ from: 'staff' });
    await sendWhatsApp(s, api, phone, 'thanks');
    expect((await s.rest('POST', path(phone, '/reply'), { text: 'You are welcome' }, token)).body.delivery.mode).toBe('text');
  });
});
