import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dubai, dubaiDate, insertSecondClinic, makeClinicStaff } from './support/fixtures.ts';
import { startTestServer, uniqueEmail, type TestServer } from './support/server.ts';

// A token is checked when a stream opens; these tests show that the stream then ends with the sign-in: logout,
// a password reset or change elsewhere, the clinic's suspension, the token's expiry. The issue asks for "within 5 s".

const PASSWORD = 'staff-pass-123';
const WITHIN_MS = 5_000;

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
  s.clock.set(dubai(dubaiDate(1), '09:00'));
});
afterAll(() => s?.close());

/** Signs in on a device of its own: a session with its own tokens. */
async function signIn(email: string) {
  const res = await s.rest('POST', '/auth/login', { email, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { accessToken: string; refreshToken: string };
}
async function newStaff() {
  const user = await s.services.users.createStaffUser({ email: uniqueEmail('staff'), password: PASSWORD, fullName: 'Desk Staff', role: 'staff' });
  return user.email!;
}

/** A WebSocket following the clinic's agenda with `accessToken`; `closedWithin` is its close code, or null while still open after WITHIN_MS. */
async function liveSocket(accessToken: string) {
  const ws = new WebSocket(`${s.baseUrl.replace('http', 'ws')}/trpc?connectionParams=1`);
  const messages: any[] = [];
  let code: number | null = null;
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve((code = e.code))));
  ws.addEventListener('message', (e) => messages.push(JSON.parse(String(e.data))));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('socket failed to open')));
  });
  ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken } }));
  ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'agenda.onChange', input: { json: {} } } }));
  // Started: the subscription answered, so the token was accepted.
  for (let i = 0; i < 200 && !messages.some((m) => m.id === 1); i++) await new Promise((r) => setTimeout(r, 25));
  expect(messages.find((m) => m.id === 1)?.result?.type, JSON.stringify(messages)).toBe('started');
  return {
    closedWithin: () => Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), WITHIN_MS))]),
    get code() {
      return code;
    },
    close: () => ws.close(),
  };
}

describe('open streams end with the sign-in behind them', () => {
  it('logout closes that session’s socket (4401) and leaves the same user’s other device open', async () => {
    const email = await newStaff();
    const [phone, laptop] = [await signIn(email), await signIn(email)];
    const [onPhone, onLaptop] = [await liveSocket(phone.accessToken), await liveSocket(laptop.accessToken)];

    expect((await s.rest('POST', '/auth/logout', { refreshToken: phone.refreshToken })).status).toBe(200);
    expect(await onPhone.closedWithin()).toBe(4401);
    expect(onLaptop.code).toBeNull();
    onLaptop.close();
  });

  it('a password change closes the other devices’ sockets, not the one that changed it', async () => {
    const email = await newStaff();
    const [here, elsewhere] = [await signIn(email), await signIn(email)];
    const [sockHere, sockElsewhere] = [await liveSocket(here.accessToken), await liveSocket(elsewhere.accessToken)];

    const changed = await s.rest('POST', '/auth/change-password', { currentPassword: PASSWORD, newPassword: 'a-new-staff-pass-456' }, here.accessToken);
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(await sockElsewhere.closedWithin()).toBe(4401);
    expect(sockHere.code).toBeNull();
    sockHere.close();
  });

  it('a clinic’s suspension closes its people’s sockets; another clinic’s stay open', async () => {
    const clinic = await insertSecondClinic(s);
    const theirs = await makeClinicStaff(s, clinic._id, 'staff', PASSWORD);
    const ours = await signIn(await newStaff());
    const [sockTheirs, sockOurs] = [await liveSocket(theirs.accessToken), await liveSocket(ours.accessToken)];

    await s.services.operator.suspendClinic(clinic._id.toHexString(), 'Licence under review');
    expect(await sockTheirs.closedWithin()).toBe(4401);
    expect(sockOurs.code).toBeNull();
    sockOurs.close();
  });

  it('the token’s expiry closes the socket; a server-sent event stream is cut by logout', async () => {
    const email = await newStaff();
    const tokens = await signIn(email);
    const sock = await liveSocket(tokens.accessToken);
    const sse = await fetch(`${s.baseUrl}/api/v1/agenda/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${tokens.accessToken}` } });
    expect(sse.status).toBe(200);
    const reader = sse.body!.getReader();
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // A cut connection: the stream ended.
      }
      return true;
    })();

    expect((await s.rest('POST', '/auth/logout', { refreshToken: tokens.refreshToken })).status).toBe(200);
    expect(await Promise.race([ended, new Promise<false>((r) => setTimeout(() => r(false), WITHIN_MS))])).toBe(true);
    // The socket of that session closed too; a fresh session's socket then ends when its token expires.
    expect(await sock.closedWithin()).toBe(4401);

    const again = await signIn(email);
    const next = await liveSocket(again.accessToken);
    s.clock.advance(16 * 60_000);
    expect(await next.closedWithin()).toBe(4401);
  });
});

