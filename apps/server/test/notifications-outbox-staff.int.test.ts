import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId } from '@clinic/db';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

// The clinic's staff see the notifications the outbox gave up on, without the recipients' full addresses, and send
// them again; another clinic's staff see none of them and cannot touch them.
const MIN = 60_000;
let s: TestServer;
let physicianId: string;
let patients: Awaited<ReturnType<typeof makePatients>>;
let staff: { accessToken: string };
let admin: { accessToken: string };
let otherStaff: string;
const day3 = dubaiDate(3);
const MORNING = () => dubai(dubaiDate(1), '09:05');

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(MORNING());
  physicianId = (await createPhysician(s)).id;
  patients = await makePatients(s, 2);
  staff = await makeStaff(s, 'staff');
  admin = await makeStaff(s, 'admin');
  otherStaff = (await makeClinicStaff(s, (await insertSecondClinic(s))._id, 'staff')).accessToken;
});
afterAll(() => s?.close());

const entryOf = (appointmentId: string) => s.database.cols.notifications.findOne({ appointmentId: new ObjectId(appointmentId), kind: 'booking_confirmed' });
const confirmationsTo = (email: string) => s.inbox.mails.filter((m) => m.to.includes(email) && /is confirmed$/.test(m.subject));

/** A booking whose confirmation email the mail server refused for more than a day: the outbox gave up on it. */
async function givenUp(i: number, time: string, bookedAt: Date) {
  const p = patients[i]!;
  s.clock.set(bookedAt);
  s.inbox.refuse(true);
  try {
    const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(day3, time).toISOString(), reason: 'Check-up' }, p.accessToken);
    expect(res.status).toBe(200);
    await s.services.jobs.idle();
    for (let n = 0; n < 60 && (await entryOf(res.body.id))!.status === 'queued'; n++) {
      s.clock.advance(60 * MIN);
      await s.services.notifications.sweepOutbox();
    }
    expect((await entryOf(res.body.id))!.status).toBe('failed');
    return { appointmentId: res.body.id as string, email: p.email };
  } finally {
    s.inbox.refuse(false);
    // Back to the morning, where the sign-ins' tokens are still valid.
    s.clock.set(MORNING());
  }
}

describe('the outbox for the clinic’s staff', () => {
  it('lists the failed notifications with the recipient masked and every attempt’s channel and code in clinic time; retry sends it once; another clinic sees none', async () => {
    const first = await givenUp(0, '10:00', MORNING());
    const second = await givenUp(1, '10:30', new Date(MORNING().getTime() + 5 * MIN));
    const user = (await s.database.cols.users.findOne({ email: first.email }))!;

    const list = await s.rest('GET', '/admin/notifications/outbox?status=failed&limit=1', undefined, staff.accessToken);
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.timeZone).toBe('Asia/Dubai');
    expect(list.body.items).toHaveLength(1);
    const [newest] = list.body.items;
    expect(newest).toMatchObject({ kind: 'booking_confirmed', status: 'failed', appointmentId: second.appointmentId, channels: ['email'] });
    expect(newest.lastError).toMatch(/smtp 451/);
    expect(newest.tries.length).toBeGreaterThan(3);
    expect(newest.tries.every((t: { channel: string; outcome: string; error: string }) => t.channel === 'email' && t.outcome === 'failed' && /smtp 451/.test(t.error))).toBe(true);
    for (const at of [newest.createdAt, newest.updatedAt, ...newest.tries.map((t: { at: string }) => t.at)]) expect(at).toMatch(/T\d\d:\d\d:\d\d(\.\d+)?\+04:00$/);
    // Page two: the older one. Neither page shows an address or a phone number in full.
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const next = await s.rest('GET', `/admin/notifications/outbox?limit=1&cursor=${list.body.nextCursor}`, undefined, admin.accessToken);
    expect(next.status).toBe(200);
    expect(next.body.items.map((e: { appointmentId: string }) => e.appointmentId)).toEqual([first.appointmentId]);
    expect(next.body.nextCursor).toBeNull();
    const older = next.body.items[0];
    expect(older.recipient).toEqual({ name: 'Patient 0', email: `${first.email[0]}***${first.email.slice(first.email.indexOf('@'))}`, phone: expect.stringMatching(/^\+971\*+\d\d$/) });
    for (const text of [JSON.stringify(list.body), JSON.stringify(next.body)]) {
      expect(text).not.toContain(first.email);
      expect(text).not.toContain(user.phone!);
    }

    // Another clinic's staff: an empty list, and the entry is not found (as an unknown one); nothing changes.
    const theirs = await s.rest('GET', '/admin/notifications/outbox', undefined, otherStaff);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    expect((await s.rest('POST', `/admin/notifications/outbox/${older.id}/retry`, {}, otherStaff)).status).toBe(404);
    expect((await entryOf(first.appointmentId))!.status).toBe('failed');
    // Patients and doctors have no outbox to see.
    expect((await s.rest('GET', '/admin/notifications/outbox', undefined, patients[0]!.accessToken)).status).toBe(403);

    // Sent again by staff: the mail server is back, so it goes out at once, once.
    expect(confirmationsTo(first.email)).toHaveLength(0);
    const retried = await s.rest('POST', `/admin/notifications/outbox/${older.id}/retry`, {}, staff.accessToken);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ id: older.id, status: 'sent' });
    expect(retried.body.tries.at(-1)).toMatchObject({ channel: 'email', outcome: 'sent', error: null });
    expect(confirmationsTo(first.email)).toHaveLength(1);
    // Not failed any more: a second retry is refused and sends nothing; the list no longer shows it.
    const again = await s.rest('POST', `/admin/notifications/outbox/${older.id}/retry`, {}, staff.accessToken);
    expect(again.status).toBe(409);
    expect(confirmationsTo(first.email)).toHaveLength(1);
    const after = await s.rest('GET', '/admin/notifications/outbox', undefined, staff.accessToken);
    expect(after.body.items.map((e: { appointmentId: string }) => e.appointmentId)).toEqual([second.appointmentId]);
  });

  it('bad input: an id or a cursor this API never gave is a 400 or 404 naming it, a status it does not list a 400', async () => {
    const bad = await s.rest('POST', '/admin/notifications/outbox/not%20an%20id/retry', {}, staff.accessToken);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('id');
    expect((await s.rest('POST', '/admin/notifications/outbox/Y29uZmlybWF0aW9ufG5vbmU/retry', {}, staff.accessToken)).status).toBe(404);
    const status = await s.rest('GET', '/admin/notifications/outbox?status=sent', undefined, staff.accessToken);
    expect(status.status).toBe(400);
    expect(JSON.stringify(status.body)).toContain('status');
    const cursor = await s.rest('GET', '/admin/notifications/outbox?cursor=bm9wZQ', undefined, staff.accessToken);
    expect(cursor.status).toBe(400);
    expect(JSON.stringify(cursor.body)).toContain('cursor');
  });
});
