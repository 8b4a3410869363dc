import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCaller, createInternalContext } from '@clinic/api';
import { createClinicClient, type ClinicClient, type RouterOutputs } from '@clinic/sdk';
import { createPhysician, dubai, dubaiDate, workingDaySlots } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi } from './support/twilio.ts';

type Delivered = RouterOutputs['notifications']['onEvent'] extends AsyncIterable<infer T> ? T : never;
type Item = { id: string; kind: string; title: string; body: string; clinicId: string | null; data: Record<string, string>; readAt: string | null };

/** Waits for what a user would see to arrive; bounded, so a missing notification fails the test instead of hanging it. */
const arrive = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

let s: TestServer;
let physicianId: string;
let physicianName: string;
let doctor: { userId: string; accessToken: string };
let patients: Awaited<ReturnType<typeof makePatients>>;
/** Every booking takes the next free half hour of the working day. */
const nextSlot = workingDaySlots(2);

beforeAll(async () => {
  s = await startTestServer();
  doctor = await makeStaff(s, 'doctor');
  const physician = await createPhysician(s, { userId: doctor.userId });
  physicianId = physician.id;
  physicianName = physician.fullName;
  patients = await makePatients(s, 3);
});
afterAll(() => s?.close());

async function book(patient = patients[0]!): Promise<string> {
  const res = await s.rest('POST', '/appointments', { physicianId, start: nextSlot().toISOString(), reason: 'Check-up' }, patient.accessToken);
  if (res.status !== 200) throw new Error(`booking failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function list(token: string, query = ''): Promise<{ items: Item[]; nextCursor: string | null }> {
  const res = await s.rest('GET', `/notifications${query}`, undefined, token);
  expect(res.status).toBe(200);
  return res.body;
}
const about = async (token: string, appointmentId: string) => (await list(token, '?limit=50')).items.filter((n) => n.data.appointmentId === appointmentId);
const unread = async (token: string) => (await s.rest('GET', '/notifications/unread-count', undefined, token)).body.unread as number;

describe('both sides of a booking hear of it', () => {
  it('a confirmed booking: the patient gets it in-app and by email, the doctor in-app in Arabic', async () => {
    const me = await s.rest('PATCH', '/users/me', { locale: 'ar' }, doctor.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.locale).toBe('ar');
    expect((await s.rest('GET', '/users/me', undefined, doctor.accessToken)).body.locale).toBe('ar');

    const patient = patients[0]!;
    const id = await book(patient);
    const [mine] = await arrive(async () => {
      const found = await about(patient.accessToken, id);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(mine).toMatchObject({ kind: 'booking_confirmed', title: 'Appointment confirmed', readAt: null });
    expect(mine!.body).toContain(physicianName);
    expect(mine!.clinicId).toMatch(/^[0-9a-f]{24}$/);
    await arrive(() => expect(s.inbox.mails.some((m) => m.to.includes(patient.email) && /is confirmed$/.test(m.subject))).toBe(true));

    const [theirs] = await arrive(async () => {
      const found = await about(doctor.accessToken, id);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(theirs).toMatchObject({ kind: 'booking_confirmed', title: 'موعد جديد', clinicId: mine!.clinicId });
    expect(theirs!.body).toContain('Patient 0');
    await s.rest('PATCH', '/users/me', { locale: 'en' }, doctor.accessToken);
  });

  it('a move and a cancellation reach the patient and the doctor, once each', async () => {
    const patient = patients[1]!;
    const id = await book(patient);
    await s.services.jobs.idle();
    const moved = await s.rest('POST', `/appointments/${id}/reschedule`, { start: nextSlot().toISOString() }, patient.accessToken);
    expect(moved.status).toBe(200);
    const cancelled = await s.rest('POST', `/appointments/${id}/cancel`, { reason: 'Travelling' }, patient.accessToken);
    expect(cancelled.status).toBe(200);
    for (const token of [patient.accessToken, doctor.accessToken]) {
      await arrive(async () => {
        const kinds = (await about(token, id)).map((n) => n.kind);
        expect(kinds.filter((k) => k === 'appointment_moved')).toHaveLength(1);
        expect(kinds.filter((k) => k === 'appointment_cancelled')).toHaveLength(1);
      });
    }
    const [cancel] = (await about(doctor.accessToken, id)).filter((n) => n.kind === 'appointment_cancelled');
    // The time it had when cancelled: the one it was moved to, on the clinic's wall clock.
    const when = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Dubai', weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(moved.body.start));
    expect(cancel!.body).toBe(`Patient 1's appointment with you on ${when} is cancelled.`);
  });
});

describe('the notification centre', () => {
  it('lists newest first by pages, counts unread, marks one and then all read — a user’s own only', async () => {
    const patient = patients[2]!;
    const other = patients[0]!;
    const ids = [await book(patient), await book(patient), await book(patient)];
    await arrive(async () => expect((await list(patient.accessToken)).items.filter((n) => n.kind === 'booking_confirmed')).toHaveLength(3));
    expect(await unread(patient.accessToken)).toBe(3);

    const first = await list(patient.accessToken, '?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBe(first.items[1]!.id);
    const second = await list(patient.accessToken, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    // Newest first: the last booking's confirmation heads the list.
    expect([...first.items, ...second.items].map((n) => n.data.appointmentId)).toEqual([...ids].reverse());

    const target = first.items[0]!;
    const refused = await s.rest('POST', `/notifications/${target.id}/read`, {}, other.accessToken);
    expect(refused.status).toBe(404);
    expect(await unread(patient.accessToken)).toBe(3);
    expect((await s.rest('POST', '/notifications/f0f0f0f0f0f0f0f0f0f0f0f0/read', {}, patient.accessToken)).status).toBe(404);

    const read = await s.rest('POST', `/notifications/${target.id}/read`, {}, patient.accessToken);
    expect(read.status).toBe(200);
    expect(read.body.readAt).not.toBeNull();
    expect(await unread(patient.accessToken)).toBe(2);

    const all = await s.rest('POST', '/notifications/read-all', {}, patient.accessToken);
    expect(all.body).toEqual({ marked: 2, unread: 0 });
    expect(await unread(patient.accessToken)).toBe(0);
    expect((await list(patient.accessToken)).items.every((n) => n.readAt !== null)).toBe(true);
    // The other patient's centre is untouched by all of this.
    expect((await list(other.accessToken, '?limit=50')).items.some((n) => ids.includes(n.data.appointmentId!))).toBe(false);
  });

  it('refuses bad input naming the field, changing nothing', async () => {
    const token = patients[0]!.accessToken;
    const locale = await s.rest('PATCH', '/users/me', { locale: 'de' }, token);
    expect(locale.status).toBe(400);
    expect(locale.body.data.fieldErrors).toHaveProperty('locale');
    expect((await s.rest('GET', '/users/me', undefined, token)).body.locale).toBe('en');
    const limit = await s.rest('GET', '/notifications?limit=0', undefined, token);
    expect(limit.status).toBe(400);
    expect(limit.body.data.fieldErrors).toHaveProperty('limit');
    expect((await s.rest('POST', '/notifications/not-an-id/read', {}, token)).status).toBe(400);
    expect((await s.rest('GET', '/notifications', undefined)).status).toBe(401);
  });
});

describe('preferences per kind and channel', () => {
  it('every channel is on until the user switches one off; an email switched off is not sent, the in-app copy still is', async () => {
    const [patient] = await makePatients(s, 1);
    const token = patient!.accessToken;
    const initial = await s.rest('GET', '/notifications/preferences', undefined, token);
    expect(initial.status).toBe(200);
    expect(initial.body.preferences.booking_confirmed).toEqual({ in_app: true, push: true, email: true, whatsapp: true, sms: true });
    expect(Object.keys(initial.body.preferences)).toContain('chat_message');

    const changed = await s.rest('PATCH', '/notifications/preferences', { preferences: { booking_confirmed: { email: false } } }, token);
    expect(changed.status).toBe(200);
    expect(changed.body.preferences.booking_confirmed).toEqual({ in_app: true, push: true, email: false, whatsapp: true, sms: true });

    const id = await book(patient);
    await arrive(async () => expect(await about(token, id)).toHaveLength(1));
    await s.services.jobs.idle();
    expect(s.inbox.mails.filter((m) => m.to.includes(patient!.email) && /is confirmed$/.test(m.subject))).toEqual([]);
  });

  it('a kind about bookings or money keeps at least one channel (400 naming it, nothing changed); a chat notice may go silent', async () => {
    const [patient] = await makePatients(s, 1);
    const token = patient!.accessToken;
    const allOff = { in_app: false, push: false, email: false, whatsapp: false, sms: false };
    const refused = await s.rest('PATCH', '/notifications/preferences', { preferences: { payment_refunded: allOff, chat_message: allOff } }, token);
    expect(refused.status).toBe(400);
    expect(refused.body.data.fieldErrors).toHaveProperty(['preferences.payment_refunded']);
    const after = (await s.rest('GET', '/notifications/preferences', undefined, token)).body.preferences;
    expect(after.payment_refunded.email).toBe(true);
    expect(after.chat_message.email).toBe(true);

    // In two steps: the second would leave nothing, and is refused on its own.
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { payment_refunded: { push: false, email: false, whatsapp: false, sms: false } } }, token)).status).toBe(200);
    const last = await s.rest('PATCH', '/notifications/preferences', { preferences: { payment_refunded: { in_app: false } } }, token);
    expect(last.status).toBe(400);
    expect((await s.rest('GET', '/notifications/preferences', undefined, token)).body.preferences.payment_refunded.in_app).toBe(true);

    const silent = await s.rest('PATCH', '/notifications/preferences', { preferences: { chat_message: allOff } }, token);
    expect(silent.status).toBe(200);
    expect(silent.body.preferences.chat_message).toEqual(allOff);
  });

  it('refuses unknown kinds, unknown channels and non-booleans, naming them', async () => {
    const token = patients[0]!.accessToken;
    for (const preferences of [{ newsletter: { email: false } }, { booking_confirmed: { pigeon: false } }, { booking_confirmed: { email: 'no' } }]) {
      const res = await s.rest('PATCH', '/notifications/preferences', { preferences }, token);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.data.fieldErrors ?? {}).join(' ')).toMatch(/preferences/);
    }
  });
});

describe('preferences and the WhatsApp channel', () => {
  it('WhatsApp and SMS switched off: a WhatsApp patient gets no WhatsApp confirmation, and keeps the in-app one', async () => {
    const api = await startTwilioApi();
    const w = await startTestServer({ twilio: { api, smsFrom: '+14155550100' } });
    try {
      const physician = await createPhysician(w);
      async function patientInChat(phone: string) {
        await sendWhatsApp(w, api, phone, 'hello');
        const user = await w.database.cols.users.findOne({ phoneIdentity: phone, email: null });
        return createCaller(createInternalContext(w.services, { userId: user!._id.toHexString(), role: 'patient', sessionId: null }, 'test'));
      }
      const confirmationsTo = async (phone: string) => w.database.cols.outboundMessages.countDocuments({ to: phone, purpose: 'booking_confirmed' });
      const [usual, quiet] = ['+971551230001', '+971551230002'];
      const usualCaller = await patientInChat(usual);
      const quietCaller = await patientInChat(quiet);
      await quietCaller.notifications.setPreferences({ preferences: { booking_confirmed: { whatsapp: false, sms: false } } });

      await usualCaller.appointments.book({ physicianId: physician.id, start: dubai(dubaiDate(3), '09:00'), reason: 'Check-up' });
      const booked = await quietCaller.appointments.book({ physicianId: physician.id, start: dubai(dubaiDate(3), '10:00'), reason: 'Check-up' });
      await w.services.jobs.idle();
      expect(await confirmationsTo(usual)).toBe(1);
      expect(await confirmationsTo(quiet)).toBe(0);
      expect((await quietCaller.notifications.list({ limit: 10 })).items.map((n) => [n.kind, n.data.appointmentId])).toEqual([['booking_confirmed', booked.id]]);
    } finally {
      await w.close();
      await api.close();
    }
  });
});

function sdk(token: string, transport: 'ws' | 'sse'): ClinicClient {
  return createClinicClient({ baseUrl: s.baseUrl, getAccessToken: () => token, ...(transport === 'ws' ? { webSocket: { retryDelayMs: () => 50 } } : { EventSource }) });
}

function follow(client: ClinicClient, input: { lastEventId?: string } = {}) {
  const events: Delivered[] = [];
  let started = false;
  const sub = client.notifications.onEvent.subscribe(input, { onStarted: () => void (started = true), onData: (e) => void events.push(e) });
  return { events, started: () => arrive(() => expect(started).toBe(true)), stop: () => sub.unsubscribe() };
}

describe('live through the SDK', () => {
  it.each(['ws', 'sse'] as const)('over %s, new notifications and read changes arrive, and a resumed follow gets what it missed', async (transport) => {
    const [patient] = await makePatients(s, 1);
    const live = follow(sdk(patient!.accessToken, transport));
    await live.started();
    const id = await book(patient);
    await arrive(() => expect(live.events.map((e) => e.data.kind)).toEqual(['created']));
    const created = live.events[0]!.data;
    expect(created.notification).toMatchObject({ kind: 'booking_confirmed', data: { appointmentId: id } });
    expect(created.unread).toBe(1);

    await s.rest('POST', `/notifications/${created.notification!.id}/read`, {}, patient!.accessToken);
    await arrive(() => expect(live.events.map((e) => e.data.kind)).toEqual(['created', 'read']));
    expect(live.events[1]!.data.unread).toBe(0);
    live.stop();

    // Away for a while: a cancellation is stored; back from the last event kept, it arrives first.
    await s.rest('POST', `/appointments/${id}/cancel`, { reason: 'Travelling' }, patient!.accessToken);
    const resumed = follow(sdk(patient!.accessToken, transport), { lastEventId: live.events[1]!.id });
    await arrive(() => expect(resumed.events.map((e) => e.data.notification?.kind)).toEqual(['appointment_cancelled']));
    resumed.stop();

    // Nobody else hears of it: another patient's stream carries only their own.
    const [other] = await makePatients(s, 1);
    const stranger = follow(sdk(other!.accessToken, transport));
    await stranger.started();
    await s.rest('POST', '/notifications/read-all', {}, patient!.accessToken);
    const theirs = await book(other);
    await arrive(() => expect(stranger.events.map((e) => e.data.notification?.data.appointmentId)).toContain(theirs));
    expect(stranger.events.map((e) => e.data.kind)).toEqual(['created']);
    stranger.stop();
  });
});
