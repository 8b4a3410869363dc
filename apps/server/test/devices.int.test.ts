import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPhysician, workingDaySlots } from './support/fixtures.ts';
import { createLogger } from '../src/logger.ts';
import { startExpoStandIn, type ExpoStandIn } from './support/expo.ts';
import { makePatients, startTestServer, type TestServer } from './support/server.ts';

const arrive = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

let expo: ExpoStandIn;
/** Everything the server logged, at every level. */
const logLines: string[] = [];
let s: TestServer;
let physicianId: string;
let physicianName: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
/** Every booking takes the next free half hour of the working day. */
const nextSlot = workingDaySlots(2);

let tokens = 0;
/** A token as the Expo SDK makes one, different every call. */
const pushToken = (prefix = 'ExponentPushToken') => `${prefix}[dev${Date.now().toString(36)}x${tokens++}]`;
const phone = (token: string) => ({ token, platform: 'ios', appVersion: '2.4.0', osVersion: '18.1', model: 'iPhone 15', locale: 'en-AE' });

beforeAll(async () => {
  expo = await startExpoStandIn();
  s = await startTestServer({ expoPushUrl: expo.url, logger: createLogger('trace', { write: (line: string) => void logLines.push(line) } as never) });
  const physician = await createPhysician(s);
  physicianId = physician.id;
  physicianName = physician.fullName;
  patients = await makePatients(s, 4);
});
afterAll(async () => {
  await s?.close();
  await expo?.close();
});

const devicesOf = async (token: string) => (await s.rest('GET', '/devices', undefined, token)).body.items as { token: string; active: boolean }[];
async function book(patient: { accessToken: string }): Promise<string> {
  const res = await s.rest('POST', '/appointments', { physicianId, start: nextSlot().toISOString(), reason: 'Check-up' }, patient.accessToken);
  if (res.status !== 200) throw new Error(`booking failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
/** The patient's in-app notification about this appointment is stored (so its push, if any, has been attempted). */
async function notified(patient: { accessToken: string }, appointmentId: string) {
  await arrive(async () => {
    const items = (await s.rest('GET', '/notifications?limit=50', undefined, patient.accessToken)).body.items as { data: { appointmentId?: string } }[];
    expect(items.some((n) => n.data.appointmentId === appointmentId)).toBe(true);
  });
  await s.services.jobs.idle();
  await s.services.devices.idle();
}

describe('the device registry', () => {
  it('refuses a token that is not an Expo push token, naming it, and stores nothing', async () => {
    const p = patients[0]!;
    for (const bad of ['abc', 'ExponentPushToken[]', 'ExponentPushToken[x y]', 'ExponentPushToken[abc', 'FCM:abc']) {
      const res = await s.rest('POST', '/devices', phone(bad), p.accessToken);
      expect(res.status).toBe(400);
      expect(res.body.data.fieldErrors).toHaveProperty('token');
    }
    const platform = await s.rest('POST', '/devices', { ...phone(pushToken()), platform: 'windows' }, p.accessToken);
    expect(platform.status).toBe(400);
    expect(platform.body.data.fieldErrors).toHaveProperty('platform');
    expect(await devicesOf(p.accessToken)).toEqual([]);
  });

  it('registers, updates and removes one’s own phones; another user’s is a 404; a phone that changes hands moves', async () => {
    const [a, b] = [patients[0]!, patients[1]!];
    const token = pushToken('ExpoPushToken');
    const first = await s.rest('POST', '/devices', phone(token), a.accessToken);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token, platform: 'ios', appVersion: '2.4.0', active: true });
    const again = await s.rest('POST', '/devices', { ...phone(token), appVersion: '2.5.0' }, a.accessToken);
    expect(again.body.appVersion).toBe('2.5.0');
    expect((await devicesOf(a.accessToken)).map((d) => d.token)).toEqual([token]);

    const path = `/devices/${encodeURIComponent(token)}`;
    expect((await s.rest('DELETE', path, undefined, b.accessToken)).status).toBe(404);
    expect((await devicesOf(a.accessToken)).map((d) => d.token)).toEqual([token]);
    expect(await devicesOf(b.accessToken)).toEqual([]);

    // The phone is handed on: whoever registers the token last receives its pushes.
    expect((await s.rest('POST', '/devices', phone(token), b.accessToken)).status).toBe(200);
    expect(await devicesOf(a.accessToken)).toEqual([]);
    expect((await devicesOf(b.accessToken)).map((d) => d.token)).toEqual([token]);
    expect((await s.rest('DELETE', path, undefined, a.accessToken)).status).toBe(404);

    const removed = await s.rest('DELETE', path, undefined, b.accessToken);
    expect(removed.status).toBe(200);
    expect(await devicesOf(b.accessToken)).toEqual([]);
    expect((await s.rest('DELETE', path, undefined, b.accessToken)).status).toBe(404);
  });
});

describe('push through Expo', () => {
  it('a notification reaches the patient’s phone with its token and text', async () => {
    const p = patients[2]!;
    const token = pushToken();
    expect((await s.rest('POST', '/devices', phone(token), p.accessToken)).status).toBe(200);
    const id = await book(p);
    await notified(p, id);
    const [push] = expo.pushesTo(token);
    expect(expo.pushesTo(token)).toHaveLength(1);
    expect(push).toMatchObject({ title: 'Appointment confirmed', data: { appointmentId: id, kind: 'booking_confirmed' } });
    expect(push!.body).toContain(physicianName);
  });

  it('a DeviceNotRegistered receipt deactivates the phone: no more pushes to it', async () => {
    const p = patients[3]!;
    const token = pushToken();
    await s.rest('POST', '/devices', phone(token), p.accessToken);
    // The app is uninstalled: Expo accepts the next push, and its receipt says the device is gone.
    expo.unregister(token);
    const first = await book(p);
    await notified(p, first);
    expect(expo.pushesTo(token)).toHaveLength(1);

    const report = await s.services.devices.readReceipts();
    expect(report.deactivated).toBeGreaterThanOrEqual(1);
    expect(expo.receiptRequests.flat()).toContain(expo.pushesTo(token)[0]!.receiptId);
    expect(await devicesOf(p.accessToken)).toMatchObject([{ token, active: false }]);

    const second = await book(p);
    await notified(p, second);
    expect(expo.pushesTo(token)).toHaveLength(1);
    // A receipt read is not asked for again.
    expect((await s.services.devices.readReceipts()).read).toBe(0);

    // Installed again: registering reactivates it.
    await s.rest('POST', '/devices', phone(token), p.accessToken);
    expect(await devicesOf(p.accessToken)).toMatchObject([{ token, active: true }]);
  });
});

describe('push preferences', () => {
  it('push switched off for a kind: the notification is kept in-app and no push goes out', async () => {
    const [p] = await makePatients(s, 1);
    const token = pushToken();
    await s.rest('POST', '/devices', phone(token), p!.accessToken);
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { booking_confirmed: { push: false } } }, p!.accessToken)).status).toBe(200);
    const id = await book(p!);
    await notified(p!, id);
    expect(expo.pushesTo(token)).toEqual([]);
  });

  it('in-app switched off for a kind: the push still goes, the centre does not list it', async () => {
    const [p] = await makePatients(s, 1);
    const token = pushToken();
    await s.rest('POST', '/devices', phone(token), p!.accessToken);
    expect((await s.rest('PATCH', '/notifications/preferences', { preferences: { booking_confirmed: { in_app: false } } }, p!.accessToken)).status).toBe(200);
    const id = await book(p!);
    await arrive(() => expect(expo.pushesTo(token).map((m) => m.data?.appointmentId)).toEqual([id]));
    await s.services.jobs.idle();
    await s.services.devices.idle();
    expect((await s.rest('GET', '/notifications', undefined, p!.accessToken)).body.items).toEqual([]);
    expect((await s.rest('GET', '/notifications/unread-count', undefined, p!.accessToken)).body.unread).toBe(0);
  });
});

describe('push tokens stay out of the logs', () => {
  it('registering, listing, pushing to and removing a phone logs no part of its token', async () => {
    const p = patients[0]!;
    const token = pushToken();
    const secret = token.slice(token.indexOf('[') + 1, -1);
    await s.rest('POST', '/devices', phone(token), p.accessToken);
    await devicesOf(p.accessToken);
    const id = await book(p);
    await notified(p, id);
    expect(expo.pushesTo(token)).toHaveLength(1);
    await s.rest('DELETE', `/devices/${encodeURIComponent(token)}`, undefined, patients[1]!.accessToken);
    expect((await s.rest('DELETE', `/devices/${encodeURIComponent(token)}`, undefined, p.accessToken)).status).toBe(200);
    expect(logLines.join('')).toContain('/devices/');
    expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
  });
});
