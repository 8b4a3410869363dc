import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

// On FerretDB every command is a serial round trip on the process's one connection: what a booking's listeners (the
// agenda, the notifications, the confirmation sent right after) read again that the booking had read is pure cost.
let s: TestServer;
/** `<command> <collection>` of every command this server sent since the last reset. */
let commands: string[] = [];
/** The kinds of the in-app notifications each insert into user_notifications carried. */
let inAppInserts: string[][] = [];
let withDoctor: string;
let withoutDoctor: string;
let patients: { accessToken: string }[];

beforeAll(async () => {
  s = await startTestServer({ monitorCommands: true });
  s.database.client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    commands.push(`${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
    if (e.commandName === 'insert' && target === 'user_notifications') inAppInserts.push((e.command.documents as { kind: string }[]).map((d) => d.kind));
  });
  const doctor = await makeStaff(s, 'doctor');
  withDoctor = (await createPhysician(s, { userId: doctor.userId })).id;
  withoutDoctor = (await createPhysician(s)).id;
  patients = await makePatients(s, 6);
});
afterAll(() => s?.close());

const count = (list: string[], command: string) => list.filter((c) => c === command).length;

/** Books, then waits for what the booking started in the background (the confirmation); the commands of it all. */
async function booking(physicianId: string, time: string, token: string): Promise<{ answered: string[]; all: string[] }> {
  await s.services.jobs.idle();
  commands = [];
  const res = await s.rest('POST', '/appointments', { physicianId, start: dubai(dubaiDate(2), time).toISOString(), reason: 'Check-up' }, token);
  expect(res.status).toBe(200);
  const answered = [...commands];
  await s.services.jobs.idle();
  return { answered, all: [...commands] };
}

describe('round trips of a booking, its listeners and its confirmation', () => {
  it.each([
    ['a physician with a doctor login', () => withDoctor, 0, 1],
    ['a physician without one', () => withoutDoctor, 3, 0],
  ])('%s: the clinic, the physician and the patient are read once; the doctor only for their language', async (_name, physician, first, doctors) => {
    // The first booking fills the process's stream tails; the next ones are what every booking costs.
    await booking(physician(), '09:00', patients[first]!.accessToken);
    for (const [i, time] of ['10:00', '11:00'].entries()) {
      const { answered, all } = await booking(physician(), time, patients[first + 1 + i]!.accessToken);
      expect(count(all, 'find clinics')).toBe(1);
      expect(count(all, 'find physicians')).toBe(1);
      expect(count(all, 'find users')).toBe(1 + doctors);
      // The agenda's two events (the clinic's and the physician's streams) are stored before the answer, in one insert.
      expect(count(answered, 'insert events')).toBeGreaterThanOrEqual(1);
      // Everything: the booking's own 7, the 2 agenda events' one insert, the patient's confirmation (the appointment as
      // the booking stored it, not re-read; preferences, in-app copy, unread count, event; one insert storing the outbox
      // entry with its message, which is its claim; the attempt's claim and outcome, the settled plan; and the tail of
      // the patient's stream, new to this process), and per doctor their language, preferences, in-app copy, unread
      // count and event. Before `change.known` and `BuiltNotification`: 27 and 33 (the agenda and the notifications
      // each read the clinic again, the notifications the physician, the confirmation the appointment and the clinic
      // twice); before `appendMany`, 21 and 26 (an insert per agenda event); 19 and 24 once the slot cache's version
      // left the database; before the outbox entry was stored in one insert and the booked appointment handed to its
      // confirmation, 19 and 24 (a claim, then the message written into it; the appointment read again).
      expect(all.length).toBe(17 + 5 * doctors);
    }
  });
});

describe('round trips of a move told to both sides', () => {
  it('the patient’s and the doctor’s notices are stored in one insert, their live events in another, before the answer', async () => {
    const { answered } = await booking(withDoctor, '14:00', patients[5]!.accessToken);
    const id = (await s.database.cols.appointments.findOne({}, { sort: { _id: -1 } }))!._id.toHexString();
    expect(answered).toContain('insert appointments');
    await s.services.jobs.idle();
    commands = [];
    inAppInserts = [];
    const moved = await s.rest('POST', `/appointments/${id}/reschedule`, { start: dubai(dubaiDate(2), '15:00').toISOString() }, patients[5]!.accessToken);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const atAnswer = [...commands];
    // Both notices of the move are there when it answers, stored by one insert (the patient's copy of the new
    // confirmation comes with its own send).
    expect(inAppInserts).toContainEqual(['appointment_moved', 'appointment_moved']);
    expect(inAppInserts.flat().filter((k) => k === 'appointment_moved')).toHaveLength(2);
    expect(count(atAnswer, 'insert user_notifications')).toBeLessThanOrEqual(2);
    const notices = await s.database.cols.userNotifications.find({ kind: 'appointment_moved', 'data.appointmentId': id }).toArray();
    expect(notices).toHaveLength(2);
  });
});
