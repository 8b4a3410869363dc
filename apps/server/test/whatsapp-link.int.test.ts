import { randomInt } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInsurerSim, type InsurerSim } from '../src/dev/insurer-sim.ts';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, makeStaff, startTestServer, type TestServer } from './support/server.ts';
import { sendWhatsApp, startTwilioApi, until, type TwilioApi } from './support/twilio.ts';

let api: TwilioApi;
let sim: InsurerSim;
let s: TestServer;

beforeAll(async () => {
  api = await startTwilioApi();
  sim = await startInsurerSim();
  s = await startTestServer({ twilio: { api }, insurance: { url: sim.url, timeoutMs: 2_000 } });
  await createPhysician(s);
  // Bookings wait for payment, so a WhatsApp booking also has a payment to move.
  const admin = await makeStaff(s, 'admin');
  expect((await s.rest('PATCH', '/admin/clinic/policies', { paymentRequired: true }, admin.accessToken)).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
  await sim?.close();
  await api?.close();
});
afterEach(() => {
  api.reset();
  s.clock.set(new Date());
});

const newPhone = () => `+97155${String(randomInt(1_000_000, 9_999_999))}`;
const say = (phone: string, text: string) => sendWhatsApp(s, api, phone, text).then((r) => r.join('\n'));

/** Books the first free slot of the first physician through the menu, as a WhatsApp-only patient would. */
async function bookOnWhatsApp(phone: string): Promise<void> {
  for (const text of ['hi', '1', '1', '1', '1']) await say(phone, text);
  expect(await say(phone, 'yes')).toMatch(/Booked|held/i);
}

async function linkCode(token: string) {
  const res = await s.rest('POST', '/users/me/whatsapp/link-code', {}, token);
  expect(res.status).toBe(200);
  return res.body as { code: string; message: string; expiresAt: string; whatsappUrl: string | null };
}

const mine = async (token: string) => (await s.rest('GET', '/appointments/mine?scope=upcoming', undefined, token)).body.items as { id: string; physicianName: string }[];
const phoneProfile = (phone: string) => s.database.cols.users.findOne({ email: null, phoneIdentity: phone });

describe('linking a WhatsApp number to an app account', () => {
  it('a code from the app, sent from WhatsApp, links the number: what was booked and checked there moves to the account, and later messages act as it', async () => {
    const phone = newPhone();
    const [app] = await makePatients(s, 1);
    await bookOnWhatsApp(phone);
    expect(await say(phone, '3')).toMatch(/Emirates ID/);
    expect(await say(phone, '784-1990-1234530-4')).toMatch(/Daman/);
    const profile = (await phoneProfile(phone))!;
    expect(await mine(app!.accessToken)).toHaveLength(0);
    expect((await s.rest('GET', '/insurance/me', undefined, app!.accessToken)).status).toBe(404);

    const link = await linkCode(app!.accessToken);
    expect(link.code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(link.message).toBe(`LINK ${link.code}`);
    expect(link.whatsappUrl).toBe(`https://wa.me/14155238886?text=${encodeURIComponent(link.message)}`);
    expect(new Date(link.expiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);

    // Typed loosely, as people do: lower case, no dash.
    const reply = await say(phone, `link ${link.code.replace('-', '').toLowerCase()}`);
    expect(reply).toContain(`linked to the app account of Patient 0 (${app!.email})`);
    // The account's owner is told, in case the code was not theirs to give.
    const notice = s.inbox.mails.find((m) => m.to.includes(app!.email) && /a WhatsApp number was linked to your account/.test(m.subject));
    expect(notice?.text).toContain(`ending ${phone.slice(-4)}`);
    expect(notice?.text).toContain('Profile → WhatsApp and disconnect it');

    expect((await s.rest('GET', '/users/me/whatsapp', undefined, app!.accessToken)).body).toMatchObject({ linked: true, phone });
    const booked = await mine(app!.accessToken);
    expect(booked).toHaveLength(1);
    const appt = await s.database.cols.appointments.findOne({ _id: new ObjectId(booked[0]!.id) });
    expect(appt).toMatchObject({ patientId: new ObjectId(app!.userId), patient: { name: 'Patient 0', email: app!.email, phone } });
    expect(appt!.patientSlotKey.startsWith(app!.userId)).toBe(true);
    expect(await s.database.cols.payments.countDocuments({ patientId: profile._id })).toBe(0);
    expect(await s.database.cols.payments.countDocuments({ patientId: new ObjectId(app!.userId) })).toBe(1);
    const insurance = await s.rest('GET', '/insurance/me', undefined, app!.accessToken);
    expect(insurance.body).toMatchObject({ status: 'eligible', insurer: 'Daman', emiratesId: '784-****-*****30-4' });
    expect(await s.database.cols.appointments.countDocuments({ patientId: profile._id })).toBe(0);
    expect(await s.database.cols.whatsappLinks.findOne({ _id: phone })).toMatchObject({ userId: new ObjectId(app!.userId), mergedAt: expect.any(Date) });

    // From now on the number is the account: its bookings list is the account's, new bookings are the account's.
    expect(await say(phone, '2')).toMatch(/Your upcoming bookings:\n1\. /);
    await bookOnWhatsApp(phone);
    expect(await mine(app!.accessToken)).toHaveLength(2);

    // The code was a secret until used: it is in no stored message.
    const secret = link.code.replace('-', '');
    const stored = JSON.stringify([await s.database.cols.inboundMessages.find({ from: phone }).toArray(), await s.database.cols.conversations.findOne({ _id: phone })]);
    expect(stored).toContain('LINK ****-****');
    expect(stored.toUpperCase().replace(/-/g, '')).not.toContain(secret);
  });

  it("after linking, the account's messages go to the linked WhatsApp number, even for bookings made in the app", async () => {
    const [app] = await makePatients(s, 1);
    const phone = newPhone();
    const physician = await createPhysician(s);
    await say(phone, (await linkCode(app!.accessToken)).message);
    api.reset();
    const appt = await s.rest('POST', '/appointments', { physicianId: physician.id, start: dubai(dubaiDate(2), '10:00').toISOString(), reason: 'Check-up' }, app!.accessToken);
    expect(appt.status).toBe(200);
    // Booked in the app with the profile's own phone (not the WhatsApp number); staff confirm the desk payment.
    const stored = await s.database.cols.appointments.findOne({ _id: new ObjectId(appt.body.id) });
    expect(stored!.patient.phone).toMatch(/^\+97150/);
    const mailsBefore = s.inbox.count(app!.email);
    const staff = await makeStaff(s, 'staff');
    expect((await s.rest('POST', `/appointments/${appt.body.id}/confirm`, {}, staff.accessToken)).status).toBe(200);
    expect(await until(() => api.to(`whatsapp:${phone}`).some((m) => /confirmed/.test(m.params.Body ?? '')))).toBe(true);
    expect(s.inbox.count(app!.email)).toBe(mailsBefore);
  });

  it('a used, wrong or expired code links nothing, and after five tries the number must wait', async () => {
    const [app] = await makePatients(s, 1);
    const phone = newPhone();
    const { message } = await linkCode(app!.accessToken);
    expect(await say(phone, message)).toMatch(/now linked/);
    // The same code from another number: used up.
    const other = newPhone();
    expect(await say(other, message)).toMatch(/wrong or has expired/);

    const expiring = await linkCode(app!.accessToken);
    s.clock.advance(16 * 60_000);
    expect(await say(newPhone(), expiring.message)).toMatch(/wrong or has expired/);
    s.clock.set(new Date());
    expect(await say(other, 'LINK ABCD-EFGH')).toMatch(/wrong or has expired/);
    expect(await say(other, 'ربط ABCD-EFGH')).toMatch(/رمز الربط غير صحيح/);
    expect(await say(other, 'LINK 2345 6789')).toMatch(/wrong or has expired/);
    expect(await say(other, 'link: 9999-9999')).toMatch(/wrong or has expired/);

    // Five tries per 15 minutes: now even a good code waits.
    const good = await linkCode(app!.accessToken);
    expect(await say(other, good.message)).toMatch(/Too many link attempts/);
    expect((await s.rest('GET', '/users/me/whatsapp', undefined, app!.accessToken)).body).toMatchObject({ linked: true, phone });
    expect(await s.database.cols.whatsappLinks.countDocuments({ _id: other })).toBe(0);
  });

  it('only patients link a number: staff get 403, a signed-out caller 401', async () => {
    const staff = await makeStaff(s, 'staff');
    expect((await s.rest('POST', '/users/me/whatsapp/link-code', {}, staff.accessToken)).status).toBe(403);
    expect((await s.rest('POST', '/users/me/whatsapp/link-code', {})).status).toBe(401);
    expect((await s.rest('GET', '/users/me/whatsapp')).status).toBe(401);
  });

  it('unlinking: the number becomes its own profile again; what moved stays with the account; linking again works', async () => {
    const [app] = await makePatients(s, 1);
    const phone = newPhone();
    await bookOnWhatsApp(phone);
    await say(phone, (await linkCode(app!.accessToken)).message);
    expect(await mine(app!.accessToken)).toHaveLength(1);

    const res = await s.rest('DELETE', '/users/me/whatsapp', undefined, app!.accessToken);
    expect(res.body).toEqual({ linked: false, phone: null, linkedAt: null });
    expect(await say(phone, '2')).toMatch(/no upcoming bookings/);
    expect(await mine(app!.accessToken)).toHaveLength(1);

    expect(await say(phone, (await linkCode(app!.accessToken)).message)).toMatch(/now linked/);
    expect(await say(phone, '2')).toMatch(/Your upcoming bookings:\n1\. /);
  });

  it('an account has one number: linking a second one unlinks the first', async () => {
    const [app] = await makePatients(s, 1);
    const first = newPhone();
    const second = newPhone();
    await say(first, (await linkCode(app!.accessToken)).message);
    await say(second, (await linkCode(app!.accessToken)).message);
    expect((await s.rest('GET', '/users/me/whatsapp', undefined, app!.accessToken)).body).toMatchObject({ linked: true, phone: second });
    expect(await s.database.cols.whatsappLinks.countDocuments({ userId: new ObjectId(app!.userId) })).toBe(1);
    await bookOnWhatsApp(first);
    expect(await mine(app!.accessToken)).toHaveLength(0);
  });

  it('a merge cut short (the link written, the records not yet moved) is finished by the next message', async () => {
    const [app] = await makePatients(s, 1);
    const phone = newPhone();
    await bookOnWhatsApp(phone);
    // As if the process died right after writing the link.
    await s.database.cols.whatsappLinks.insertOne({ _id: phone, userId: new ObjectId(app!.userId), linkedAt: new Date() });
    expect(await mine(app!.accessToken)).toHaveLength(0);
    expect(await say(phone, '2')).toMatch(/Your upcoming bookings:\n1\. /);
    expect(await mine(app!.accessToken)).toHaveLength(1);
  });
});
