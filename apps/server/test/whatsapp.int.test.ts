import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { EMPTY_TWIML, STATUS_WEBHOOK_PATH, WHATSAPP_WEBHOOK_PATH } from '../src/routes/whatsapp.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { TEST_WHATSAPP_FROM, makePatients, startTestServer, type TestServer } from './support/server.ts';
import { inboundParams, messageSid, startTwilioApi, until, type TwilioApi } from './support/twilio.ts';

const REMINDER_TEMPLATE = 'HX0123456789abcdef0123456789abcdef';
const SMS_FROM = '+14155550100';

let api: TwilioApi;
let s: TestServer;

beforeAll(async () => {
  api = await startTwilioApi();
  // The real assistant (@clinic/agent) in menu mode: no language model, no API key.
  s = await startTestServer({ twilio: { api, smsFrom: SMS_FROM, templates: { reminder: REMINDER_TEMPLATE } } });
});
afterAll(async () => {
  await s?.close();
  await api?.close();
});
afterEach(() => api.reset());

/** A UAE mobile number nobody else in this file uses. */
const newPhone = () => `+97155${String(randomInt(1_000_000, 9_999_999))}`;

/** Posts Twilio's form to a webhook, signed for the public URL unless `signature` says otherwise (null = unsigned). */
async function postTwilio(path: string, params: Record<string, string>, signature: string | null = api.sign(`${s.publicBaseUrl}/api/v1${path}`, params)) {
  const res = await fetch(`${s.baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, contentType: res.headers.get('content-type') ?? '', json: () => JSON.parse(text) };
}
const inbound = (params: Record<string, string>, signature?: string | null) => postTwilio(WHATSAPP_WEBHOOK_PATH, params, signature);

const inboundDoc = (sid: string) => s.database.cols.inboundMessages.findOne({ _id: sid });
const answered = (sid: string) => until(async () => (await inboundDoc(sid))?.status === 'answered');
const outboundFor = (inReplyTo: string) => s.database.cols.outboundMessages.find({ inReplyTo }).toArray();

describe('inbound WhatsApp messages', () => {
  it('a signed message is acknowledged with empty TwiML before it is answered; the reply goes out through the REST API', async () => {
    const phone = newPhone();
    const params = inboundParams(api, phone, 'Hello');
    // Twilio holds the reply's send for a moment: the webhook's answer does not wait for it.
    api.delay((p) => (p.To === `whatsapp:${phone}` ? 500 : 0));
    const res = await inbound(params);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/xml/);
    expect(res.text).toBe(EMPTY_TWIML);
    expect((await inboundDoc(params.MessageSid!))?.status).toBe('received');

    expect(await answered(params.MessageSid!)).toBe(true);
    const sent = api.to(`whatsapp:${phone}`);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const m of sent) {
      expect(m.params.From).toBe(TEST_WHATSAPP_FROM);
      expect(m.params.Body?.length).toBeGreaterThan(0);
      expect(m.params.StatusCallback).toBe(`${s.publicBaseUrl}/api/v1${STATUS_WEBHOOK_PATH}`);
      expect(m.credentials).toBe(`${api.accountSid}:${api.authToken}`);
    }
    const doc = await inboundDoc(params.MessageSid!);
    expect(doc).toMatchObject({ from: phone, body: 'Hello', profileName: 'Test Patient', status: 'answered' });
    expect(doc!.replySids).toEqual(sent.map((m) => m.sid));
    // Every reply is on record under its MessageSid.
    const recorded = await outboundFor(params.MessageSid!);
    expect(recorded.map((r) => r._id).sort()).toEqual(sent.map((m) => m.sid).sort());
    expect(recorded[0]).toMatchObject({ channel: 'whatsapp', to: phone, purpose: 'assistant_reply', mode: 'text', status: 'queued' });
  });

  it('an Emirates ID in a message is stored masked, whatever digits it was typed in', async () => {
    const phone = newPhone();
    const western = inboundParams(api, phone, 'My ID is 784-1990-1234530-4, thanks');
    const arabic = inboundParams(api, phone, 'رقمي ٧٨٤١٩٩٠١٢٣٤٥٣٠٤');
    const spaced = inboundParams(api, phone, 'id: ۷۸۴ ۱۹۸۵ ۷۶۵۴۳۵۵ ۱ and phone 0501234567');
    const dotted = inboundParams(api, phone, 'ID 784.1990.1234530.4 or 784–1985–7654355–1');
    const partial = inboundParams(api, phone, 'the first part is 784-1990-1234530, on 2026-12-01');
    const all = [western, arabic, spaced, dotted, partial];
    for (const p of all) expect((await inbound(p)).status).toBe(200);
    for (const p of all) expect(await answered(p.MessageSid!)).toBe(true);
    expect((await inboundDoc(western.MessageSid!))!.body).toBe('My ID is 784-****-*****30-4, thanks');
    expect((await inboundDoc(arabic.MessageSid!))!.body).toBe('رقمي 784-****-*****30-4');
    expect((await inboundDoc(spaced.MessageSid!))!.body).toBe('id: 784-****-*****55-1 and phone 0501234567');
    expect((await inboundDoc(dotted.MessageSid!))!.body).toBe('ID 784-****-*****30-4 or 784-****-*****55-1');
    expect((await inboundDoc(partial.MessageSid!))!.body).toBe('the first part is 784-********-530, on 2026-12-01');
    // The assistant's transcript of the same messages is masked the same way; no number is kept whole anywhere.
    const transcript = (await s.database.cols.conversations.findOne({ _id: phone }))!.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(transcript).toContain('ID 784-****-*****30-4 or 784-****-*****55-1');
    expect(transcript).toContain('the first part is 784-********-530, on 2026-12-01');
    const stored = JSON.stringify([await s.database.cols.inboundMessages.find({ from: phone }).toArray(), transcript]);
    for (const secret of ['1234530', '7654355', '١٢٣٤٥٣٠', '۷۶۵۴۳۵۵']) expect(stored).not.toContain(secret);
  });

  it('unsigned, tampered or signed-for-another-URL requests get 403 and change nothing', async () => {
    const phone = newPhone();
    const params = inboundParams(api, phone, 'Book me in');
    const good = api.sign(`${s.publicBaseUrl}/api/v1${WHATSAPP_WEBHOOK_PATH}`, params);
    const attempts = [
      await inbound(params, null),
      await inbound(params, 'bm90IGEgc2lnbmF0dXJl'),
      await inbound({ ...params, Body: 'Cancel everything' }, good),
      await inbound({ ...params, From: `whatsapp:${newPhone()}` }, good),
      // The URL this process listens on is not the URL Twilio was given.
      await inbound(params, api.sign(`${s.baseUrl}/api/v1${WHATSAPP_WEBHOOK_PATH}`, params)),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN', data: { appCode: 'FORBIDDEN', httpStatus: 403 } });
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(await inboundDoc(params.MessageSid!)).toBeNull();
    expect(api.to(`whatsapp:${phone}`)).toHaveLength(0);
  });

  it('a signed request that is not a WhatsApp message is a 400 naming what is missing', async () => {
    const params = inboundParams(api, newPhone(), 'hi', { From: '+971501234567' });
    const res = await inbound(params);
    expect(res.status).toBe(400);
    expect(res.json().message).toMatch(/From/);
    expect(await inboundDoc(params.MessageSid!)).toBeNull();
  });

  it('the same MessageSid delivered 10 times at once is answered exactly once', async () => {
    const phone = newPhone();
    const params = inboundParams(api, phone, 'Hi there');
    const results = await Promise.all(Array.from({ length: 10 }, () => inbound(params)));
    for (const res of results) {
      expect(res.status).toBe(200);
      expect(res.text).toBe(EMPTY_TWIML);
    }
    expect(await answered(params.MessageSid!)).toBe(true);
    expect(await s.database.cols.inboundMessages.countDocuments({ from: phone })).toBe(1);
    const doc = await inboundDoc(params.MessageSid!);
    // One turn of the assistant (the menu: one message), sent once.
    expect(api.to(`whatsapp:${phone}`)).toHaveLength(1);
    expect(api.to(`whatsapp:${phone}`).map((m) => m.sid)).toEqual(doc!.replySids);
    // A replay later on changes nothing either.
    expect((await inbound(params)).text).toBe(EMPTY_TWIML);
    expect(api.to(`whatsapp:${phone}`)).toHaveLength(doc!.replySids.length);
  });

  it("one number's messages are answered one at a time, in the order they came", async () => {
    const phone = newPhone();
    const first = inboundParams(api, phone, 'first');
    const second = inboundParams(api, phone, 'second');
    // Sending the answer to the first message is slow; the second must wait for it, not overtake.
    api.delay((p, i) => (p.To === `whatsapp:${phone}` && api.messages.findIndex((m) => m.params.To === p.To) === i ? 400 : 0));
    expect((await inbound(first)).status).toBe(200);
    expect((await inbound(second)).status).toBe(200);
    expect(await answered(first.MessageSid!)).toBe(true);
    expect(await answered(second.MessageSid!)).toBe(true);

    const firstSids = (await inboundDoc(first.MessageSid!))!.replySids;
    const secondSids = (await inboundDoc(second.MessageSid!))!.replySids;
    const sent = api.to(`whatsapp:${phone}`);
    expect(sent.map((m) => m.sid)).toEqual([...firstSids, ...secondSids]);
    // No send started before the one before it was accepted by Twilio.
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.arrived).toBeGreaterThan(sent[i - 1]!.answered!);
  });

  it('other numbers are not held up by a slow conversation', async () => {
    const slow = newPhone();
    const quick = newPhone();
    api.delay((p) => (p.To === `whatsapp:${slow}` ? 1_500 : 0));
    const a = inboundParams(api, slow, 'slow one');
    const b = inboundParams(api, quick, 'quick one');
    await inbound(a);
    await inbound(b);
    expect(await answered(b.MessageSid!)).toBe(true);
    expect((await inboundDoc(a.MessageSid!))!.status).toBe('received');
    expect(await answered(a.MessageSid!)).toBe(true);
  });

  it('shutting down waits for messages being answered', async () => {
    const other = await startTestServer({ twilio: { api } });
    try {
      const phone = newPhone();
      api.delay((p) => (p.To === `whatsapp:${phone}` ? 400 : 0));
      const params = inboundParams(api, phone, 'last words');
      const res = await fetch(`${other.baseUrl}/api/v1${WHATSAPP_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': api.sign(`${other.publicBaseUrl}/api/v1${WHATSAPP_WEBHOOK_PATH}`, params) },
        body: new URLSearchParams(params).toString(),
      });
      expect(res.status).toBe(200);
      await other.app.close();
      expect(await other.database.cols.inboundMessages.findOne({ _id: params.MessageSid! })).toMatchObject({ status: 'answered' });
      expect(api.to(`whatsapp:${phone}`).every((m) => m.answered !== null)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('a reply Twilio refuses leaves the message marked failed, and the next message is still answered', async () => {
    const phone = newPhone();
    let refused = 0;
    api.failWhen((p) => (p.To === `whatsapp:${phone}` && refused++ === 0 ? { code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.' } : null));
    const bad = inboundParams(api, phone, 'hello');
    const next = inboundParams(api, phone, '0');
    await inbound(bad);
    await inbound(next);
    expect(await until(async () => (await inboundDoc(bad.MessageSid!))?.status === 'failed')).toBe(true);
    expect(await answered(next.MessageSid!)).toBe(true);
    expect(api.to(`whatsapp:${phone}`).length).toBeGreaterThanOrEqual(1);
  });

  it('a patient who asks for a person is handed to staff: the message is recorded as flagged, later ones only hear a person will answer', async () => {
    const phone = newPhone();
    const ask = inboundParams(api, phone, 'I want to talk to a human');
    await inbound(ask);
    expect(await answered(ask.MessageSid!)).toBe(true);
    expect(await inboundDoc(ask.MessageSid!)).toMatchObject({ flaggedForStaff: true });
    const sentBefore = api.to(`whatsapp:${phone}`).length;
    const later = inboundParams(api, phone, 'hello?');
    await inbound(later);
    expect(await answered(later.MessageSid!)).toBe(true);
    expect(await inboundDoc(later.MessageSid!)).toMatchObject({ flaggedForStaff: true, replySids: [expect.any(String)] });
    expect(api.to(`whatsapp:${phone}`)).toHaveLength(sentBefore + 1);
    expect(api.to(`whatsapp:${phone}`).at(-1)!.params.Body).toMatch(/A person will answer here .*For emergencies call 998/);
    // Not on every message: the next one (no question) goes to staff only.
    const third = inboundParams(api, phone, 'my booking is on Monday');
    await inbound(third);
    expect(await answered(third.MessageSid!)).toBe(true);
    expect(await inboundDoc(third.MessageSid!)).toMatchObject({ flaggedForStaff: true, replySids: [] });
  });
});

describe('delivery status callbacks', () => {
  it('a signed callback records the status per MessageSid; replays and late ones do not move it back; unsigned ones are refused', async () => {
    const phone = newPhone();
    const msg = inboundParams(api, phone, 'status please');
    await inbound(msg);
    expect(await answered(msg.MessageSid!)).toBe(true);
    const sid = (await inboundDoc(msg.MessageSid!))!.replySids[0]!;
    const callback = (status: string, extra: Record<string, string> = {}) => ({
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      AccountSid: api.accountSid,
      From: TEST_WHATSAPP_FROM,
      To: `whatsapp:${phone}`,
      ChannelToAddress: phone,
      ApiVersion: '2010-04-01',
      ...extra,
    });
    const status = () => s.database.cols.outboundMessages.findOne({ _id: sid });

    expect((await postTwilio(STATUS_WEBHOOK_PATH, callback('sent'))).status).toBe(204);
    expect((await postTwilio(STATUS_WEBHOOK_PATH, callback('delivered'))).status).toBe(204);
    expect((await postTwilio(STATUS_WEBHOOK_PATH, callback('delivered'))).status).toBe(204);
    expect((await postTwilio(STATUS_WEBHOOK_PATH, callback('sent'))).status).toBe(204);
    expect(await status()).toMatchObject({ status: 'delivered', statuses: ['queued', 'sent', 'delivered'], purpose: 'assistant_reply' });

    const forged = await postTwilio(STATUS_WEBHOOK_PATH, callback('read'), null);
    expect(forged.status).toBe(403);
    expect((await status())!.status).toBe('delivered');
    expect((await postTwilio(STATUS_WEBHOOK_PATH, callback('read'))).status).toBe(204);
    expect((await status())!.status).toBe('read');
  });

  it('a failure is recorded with its error code; a callback ahead of the send record is kept', async () => {
    const sid = messageSid();
    const params = { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '63024', AccountSid: api.accountSid };
    expect((await postTwilio(STATUS_WEBHOOK_PATH, params)).status).toBe(204);
    expect(await s.database.cols.outboundMessages.findOne({ _id: sid })).toMatchObject({ status: 'undelivered', errorCode: '63024', channel: null });
    // The send's own record, arriving later, fills in the rest and leaves the status where it is.
    await s.whatsapp!.store.recordOutbound({ sid, channel: 'whatsapp', to: '+971501234567', from: TEST_WHATSAPP_FROM.slice('whatsapp:'.length), purpose: 'assistant_reply', mode: 'text', contentSid: null, inReplyTo: null, status: 'queued' });
    expect(await s.database.cols.outboundMessages.findOne({ _id: sid })).toMatchObject({ status: 'undelivered', statuses: ['undelivered', 'queued'], channel: 'whatsapp', to: '+971501234567' });
  });
});

describe('notifications on the channel the patient uses', () => {
  const day1 = dubaiDate(1);
  const day2 = dubaiDate(2);
  let physicianName: string;
  let patients: Awaited<ReturnType<typeof makePatients>>;
  let phones: string[];

  beforeAll(async () => {
    s.clock.set(dubai(day1, '09:05'));
    const physician = await createPhysician(s);
    physicianName = physician.fullName;
    patients = await makePatients(s, 4);
    phones = await Promise.all(patients.map(async (p) => (await s.database.cols.users.findOne({ email: p.email }))!.phone!));
    const times = ['15:30', '16:00', '16:30', '17:00'];
    for (const [i, p] of patients.entries()) {
      const res = await s.rest('POST', '/appointments', { physicianId: physician.id, start: dubai(day2, times[i]!).toISOString(), reason: 'Check-up' }, p.accessToken);
      expect(res.status).toBe(200);
    }
  });
  afterAll(() => s.clock.set(new Date()));

  const remindersTo = (email: string) => s.inbox.mails.filter((m) => m.to.includes(email) && /reminder/i.test(m.subject));
  const reminderSends = async (phone: string) => {
    const sids = (await s.database.cols.outboundMessages.find({ to: phone, purpose: 'appointment_reminder' }).toArray()).map((d) => d._id);
    return api.messages.filter((m) => sids.includes(m.sid));
  };

  it('WhatsApp users get reminders there: a template outside the 24-hour window, free text inside it; SMS when WhatsApp fails; everyone else email', async () => {
    const [outside, inside, emailOnly, failing] = [0, 1, 2, 3].map((i) => ({ ...patients[i]!, phone: phones[i]! }));
    // `outside` wrote on day 1 (27 h before the reminder); `inside` and `failing` on the morning of day 2.
    const hello = inboundParams(api, outside!.phone, 'hello');
    expect((await inbound(hello)).status).toBe(200);
    expect(await answered(hello.MessageSid!)).toBe(true);
    s.clock.set(dubai(day2, '11:00'));
    for (const p of [inside!, failing!]) {
      const m = inboundParams(api, p.phone, 'hi');
      expect((await inbound(m)).status).toBe(200);
      expect(await answered(m.MessageSid!)).toBe(true);
    }
    api.failWhen((p) => (p.To === `whatsapp:${failing!.phone}` ? { code: 63003, message: 'Channel could not find To address' } : null));

    s.clock.set(dubai(day2, '14:00'));
    const report = await s.services.jobs.runDue();
    expect(report.remindersSent).toBe(4);
    expect(report.remindersFailed).toBe(0);

    const [templated] = await reminderSends(outside!.phone);
    expect(templated!.params).toMatchObject({ From: TEST_WHATSAPP_FROM, To: `whatsapp:${outside!.phone}`, ContentSid: REMINDER_TEMPLATE });
    expect(templated!.params.Body).toBeUndefined();
    expect(JSON.parse(templated!.params.ContentVariables!)).toMatchObject({ physicianName, patientName: 'Patient 0', when: expect.stringContaining('15:30') });
    expect(await s.database.cols.outboundMessages.findOne({ _id: templated!.sid })).toMatchObject({ mode: 'template', contentSid: REMINDER_TEMPLATE, channel: 'whatsapp' });

    const [freeText] = await reminderSends(inside!.phone);
    expect(freeText!.params).toMatchObject({ From: TEST_WHATSAPP_FROM, To: `whatsapp:${inside!.phone}` });
    expect(freeText!.params.ContentSid).toBeUndefined();
    expect(freeText!.params.Body).toContain(physicianName);
    expect(freeText!.params.Body).toContain('16:00');

    const [sms] = await reminderSends(failing!.phone);
    expect(sms!.params).toMatchObject({ From: SMS_FROM, To: failing!.phone });
    expect(sms!.params.Body).toContain('17:00');

    for (const p of [outside!, inside!, failing!]) expect(remindersTo(p.email)).toHaveLength(0);
    expect(remindersTo(emailOnly!.email)).toHaveLength(1);
    expect(await reminderSends(emailOnly!.phone)).toHaveLength(0);
    expect(api.messages.filter((m) => m.params.To?.endsWith(emailOnly!.phone))).toHaveLength(0);

    // Sent once: the next sweep sends nothing more on any channel.
    const before = api.messages.length;
    await s.services.jobs.runDue();
    expect(api.messages.length).toBe(before);
  });
});

describe('without Twilio configuration', () => {
  let bare: TestServer;
  beforeAll(async () => {
    bare = await startTestServer();
  });
  afterAll(() => bare.close());

  it('the server runs and the webhooks answer 503 WHATSAPP_NOT_CONFIGURED', async () => {
    expect((await fetch(`${bare.baseUrl}/healthz`)).status).toBe(200);
    for (const path of [WHATSAPP_WEBHOOK_PATH, STATUS_WEBHOOK_PATH]) {
      const res = await fetch(`${bare.baseUrl}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ MessageSid: messageSid(), From: 'whatsapp:+971501234567', Body: 'hi' }).toString(),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', data: { appCode: 'WHATSAPP_NOT_CONFIGURED', httpStatus: 503 } });
    }
    expect(await bare.database.cols.inboundMessages.countDocuments()).toBe(0);
  });
});

describe('WhatsApp configuration', () => {
  const sid = `AC${'0123456789abcdef'.repeat(2)}`;
  const full = { TWILIO_SID: sid, TWILIO_AUTH_TOKEN: 'f'.repeat(32), TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886' };

  it('is off without Twilio settings (the assistant in menu mode without an OpenAI key)', () => {
    const config = loadConfig({});
    expect(config.twilio).toBeNull();
    // Tracing export of the Agents SDK is off unless OPENAI_AGENTS_TRACING says otherwise.
    expect(config.openai).toEqual({ apiKey: undefined, baseUrl: undefined, model: 'gpt-4o-mini', tracing: false });
    expect(loadConfig({ OPENAI_AGENTS_TRACING: '1' }).openai.tracing).toBe(true);
    expect(() => loadConfig({ OPENAI_AGENTS_TRACING: 'yes' })).toThrow(/OPENAI_AGENTS_TRACING/);
  });

  it('takes the sender, SMS fallback, templates and API base URL', () => {
    const config = loadConfig({ ...full, TWILIO_SMS_FROM: '+14155550100', TWILIO_TEMPLATE_REMINDER_SID: REMINDER_TEMPLATE, TWILIO_API_BASE_URL: 'http://127.0.0.1:4020' });
    expect(config.twilio).toMatchObject({ accountSid: sid, whatsappFrom: 'whatsapp:+14155238886', smsFrom: '+14155550100', apiBaseUrl: 'http://127.0.0.1:4020', templates: { reminder: REMINDER_TEMPLATE } });
  });

  it('stops start-up naming what is missing or malformed', () => {
    expect(() => loadConfig({ TWILIO_SID: sid, TWILIO_AUTH_TOKEN: 'f'.repeat(32) })).toThrow(/missing: TWILIO_WHATSAPP_FROM/);
    expect(() => loadConfig({ ...full, TWILIO_WHATSAPP_FROM: '+14155238886' })).toThrow(/TWILIO_WHATSAPP_FROM: must be a WhatsApp sender/);
    expect(() => loadConfig({ ...full, TWILIO_SID: 'SK123' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...full, TWILIO_TEMPLATE_REMINDER_SID: 'reminder' })).toThrow(/TWILIO_TEMPLATE_REMINDER_SID/);
  });
});
