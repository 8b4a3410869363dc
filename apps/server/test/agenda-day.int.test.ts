import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysician, dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const day1 = dubaiDate(1);
const day2 = dubaiDate(2);

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(day1, '09:05'));
});
afterAll(() => s?.close());

describe("GET /appointments/agenda without physicianId: the clinic's whole day", () => {
  it('staff and admins get every physician of their clinic on that day, soonest first; another clinic sees none of it', async () => {
    const [a, b] = [(await createPhysician(s)).id, (await createPhysician(s)).id];
    const patients = await makePatients(s, 3);
    const book = (i: number, physicianId: string, hhmm: string, day = day2) =>
      s.rest('POST', '/appointments', { physicianId, start: dubai(day, hhmm).toISOString(), reason: 'Check-up' }, patients[i]!.accessToken).then((r) => r.body.id as string);
    const late = await book(0, a, '11:00');
    const early = await book(1, b, '09:30');
    await book(2, a, '10:00', dubaiDate(3));

    for (const role of ['staff', 'admin'] as const) {
      const token = (await makeStaff(s, role)).accessToken;
      const res = await s.rest('GET', `/appointments/agenda?date=${day2}`, undefined, token);
      expect(res.status).toBe(200);
      expect(res.body.items.map((x: { id: string }) => x.id)).toEqual([early, late]);
      expect(res.body.items[0]).toMatchObject({ physicianId: b, start: `${day2}T09:30:00+04:00` });
      // With a physician it is still that physician's day only.
      const one = await s.rest('GET', `/appointments/agenda?date=${day2}&physicianId=${a}`, undefined, token);
      expect(one.body.items.map((x: { id: string }) => x.id)).toEqual([late]);
    }

    const other = await insertSecondClinic(s);
    const theirs = await s.rest('GET', `/appointments/agenda?date=${day2}`, undefined, (await makeClinicStaff(s, other._id, 'admin')).accessToken);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
  });

  it('a bad date is still a 400 naming it; a patient still gets 403', async () => {
    const admin = (await makeStaff(s, 'admin')).accessToken;
    const bad = await s.rest('GET', '/appointments/agenda?date=2026-02-30', undefined, admin);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data.fieldErrors)).toEqual(['date']);
    const [patient] = await makePatients(s, 1);
    expect((await s.rest('GET', `/appointments/agenda?date=${day2}`, undefined, patient!.accessToken)).status).toBe(403);
  });
});
