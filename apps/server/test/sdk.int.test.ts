import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createClinicClient, isClinicError, type Appointment, type AppointmentStatus, type RouterOutputs, type Tokens } from '@clinic/sdk';
import { createPhysician, dubai, dubaiDate } from './support/fixtures.ts';
import { makePatients, startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

/** What a React Native app keeps in secure storage. */
function tokenStore() {
  const store = { access: null as string | null, refresh: null as string | null, expiredCalls: 0, refreshed: 0 };
  const client = createClinicClient({
    baseUrl: s.baseUrl,
    getAccessToken: () => store.access,
    getRefreshToken: () => store.refresh,
    onTokensRefreshed: (t: Tokens) => {
      store.access = t.accessToken;
      store.refresh = t.refreshToken;
      store.refreshed++;
    },
    onSessionExpired: () => {
      store.expiredCalls++;
      store.access = store.refresh = null;
    },
  });
  return { store, client };
}

describe('the SDK against the live server', () => {
  it('runs the account life and refreshes an expired access token transparently, once', async () => {
    const { store, client } = tokenStore();
    const email = uniqueEmail();
    await client.auth.register.mutate({ email, password: 'sdk-password-1', fullName: 'Noura SDK' });
    const code = await s.inbox.codeFor(email, /verification code/);
    const verified = await client.auth.verify.mutate({ email, code });
    expect(verified.user.email).toBe(email);
    expect(verified.user.createdAt).toBeInstanceOf(Date);

    const login = await client.auth.login.mutate({ email, password: 'sdk-password-1' });
    store.access = login.accessToken;
    store.refresh = login.refreshToken;
    expect((await client.users.me.query()).fullName).toBe('Noura SDK');

    // The access token goes stale: two parallel calls share one refresh and both succeed.
    s.clock.advance(16 * 60_000);
    const [a, b] = await Promise.all([client.users.me.query(), client.users.me.query()]);
    expect(a.email).toBe(email);
    expect(b.email).toBe(email);
    expect(store.refreshed).toBe(1);
    expect(store.refresh).not.toBe(login.refreshToken);

    // Logout: the refresh token dies; the next call ends the session in the app.
    await client.auth.logout.mutate({ refreshToken: store.refresh! });
    s.clock.advance(16 * 60_000);
    const err = await client.users.me.query().catch((e: unknown) => e);
    expect(isClinicError(err)).toBe(true);
    expect(store.expiredCalls).toBe(1);

    // Forgot → reset through the SDK.
    await client.auth.forgotPassword.mutate({ email });
    const resetCode = await s.inbox.codeFor(email, /reset code/);
    await client.auth.resetPassword.mutate({ email, code: resetCode, newPassword: 'sdk-password-2' });
    const again = await client.auth.login.mutate({ email, password: 'sdk-password-2' });
    expect(again.user.email).toBe(email);
  });

  it('surfaces domain errors with their code and field errors', async () => {
    const { client } = tokenStore();
    const err = await client.auth.register.mutate({ email: 'bad', password: 'x', fullName: 'A' }).catch((e: unknown) => e);
    expect(isClinicError(err)).toBe(true);
    if (isClinicError(err)) {
      expect(err.data?.appCode).toBe('VALIDATION_FAILED');
      expect(Object.keys(err.data?.fieldErrors ?? {})).toEqual(expect.arrayContaining(['email', 'password']));
    }
  });

  it('reads errors raised before a procedure runs (too large, nested too deeply) like any other', async () => {
    const { client } = tokenStore();
    const tooLarge = await client.auth.register.mutate({ email: 'big@example.test', password: 'x'.repeat(200_000), fullName: 'A' }).catch((e: unknown) => e);
    expect(isClinicError(tooLarge)).toBe(true);
    if (isClinicError(tooLarge)) {
      expect(tooLarge.data?.appCode).toBe('PAYLOAD_TOO_LARGE');
      expect(tooLarge.data?.httpStatus).toBe(413);
      expect(tooLarge.message).toBe('The request body is too large.');
    }
    const nested = JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown;
    const tooDeep = await client.auth.register.mutate({ email: 'deep@example.test', password: 'password-1', fullName: nested as string }).catch((e: unknown) => e);
    expect(isClinicError(tooDeep)).toBe(true);
    if (isClinicError(tooDeep)) {
      expect(tooDeep.data?.appCode).toBe('VALIDATION_FAILED');
      expect(tooDeep.message).toMatch(/nested too deeply/);
    }
  });
});

describe('booking through the SDK', () => {
  it('lists physicians, reads slots, books, sees it in "mine", reschedules and cancels — typed all the way', async () => {
    const physician = await createPhysician(s, { fullName: 'Dr. Sdk Booking' });
    const [patient] = await makePatients(s, 1);
    const { store, client } = tokenStore();
    store.access = patient!.accessToken;

    const page = await client.physicians.list.query({ q: 'Sdk Booking' });
    expectTypeOf(page.items[0]!.nextFreeSlot).toEqualTypeOf<{ start: string; end: string } | null>();
    const listed = page.items.find((p) => p.id === physician.id);
    expect(listed).toMatchObject({ fullName: 'Dr. Sdk Booking', price: { amount: 30000, currency: 'AED' } });
    expect(listed!.nextFreeSlot?.start).toMatch(/\+04:00$/);

    // Three days ahead: outside the 24 h cancellation cutoff, so the patient may cancel online.
    const day = dubaiDate(3, s.clock.now());
    const { slots, timeZone } = await client.physicians.slots.query({ id: physician.id, from: dubai(day, '00:00'), to: dubai(day, '23:59') });
    expect(timeZone).toBe('Asia/Dubai');
    expect(slots[0]).toEqual({ start: `${day}T08:00:00+04:00`, end: `${day}T08:30:00+04:00` });

    const booked = await client.appointments.book.mutate({ physicianId: physician.id, start: new Date(slots[0]!.start), reason: 'Follow-up via the app' });
    expectTypeOf(booked).toEqualTypeOf<RouterOutputs['appointments']['book']>();
    expectTypeOf(booked.start).toEqualTypeOf<string>();
    expectTypeOf(booked.status).toEqualTypeOf<AppointmentStatus>();
    const typed: Appointment = booked;
    expect(typed).toMatchObject({ physicianId: physician.id, physicianName: 'Dr. Sdk Booking', patientId: patient!.userId, status: 'confirmed', reason: 'Follow-up via the app', cancellation: null });
    // Times come back as ISO 8601 strings with the clinic's offset, not Dates.
    expect(booked.start).toBe(`${day}T08:00:00+04:00`);
    expect(booked.end).toBe(`${day}T08:30:00+04:00`);
    expect(typeof booked.createdAt).toBe('string');

    const upcoming = await client.appointments.mine.query({ scope: 'upcoming' });
    expect(upcoming.items.map((a) => a.id)).toEqual([booked.id]);

    const moved = await client.appointments.reschedule.mutate({ id: booked.id, start: new Date(slots[3]!.start) });
    expect(moved).toMatchObject({ id: booked.id, status: 'confirmed', start: `${day}T09:30:00+04:00`, end: `${day}T10:00:00+04:00` });
    // The calendar shows it on its day, at its new time.
    const calendar = await client.appointments.calendar.query({ from: day, to: day });
    expect(calendar.days).toEqual([{ date: day, appointments: [expect.objectContaining({ id: booked.id, start: moved.start })] }]);

    const cancelled = await client.appointments.cancel.mutate({ id: booked.id, reason: 'Feeling better' });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancellation).toMatchObject({ by: 'patient', reason: 'Feeling better' });
    expect(cancelled.cancellation!.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await client.appointments.mine.query({ scope: 'upcoming' })).items).toEqual([]);
    expect((await client.appointments.mine.query({ scope: 'cancelled' })).items.map((a) => a.id)).toEqual([booked.id]);

    // A second cancel is a typed domain error, and the freed slot is offered again.
    const again = await client.appointments.cancel.mutate({ id: booked.id, reason: 'again' }).catch((e: unknown) => e);
    expect(isClinicError(again) && again.data?.appCode).toBe('INVALID_TRANSITION');
    const after = await client.physicians.slots.query({ id: physician.id, from: dubai(day, '09:30'), to: dubai(day, '10:00') });
    expect(after.slots.map((x) => x.start)).toEqual([`${day}T09:30:00+04:00`]);
  });
});
