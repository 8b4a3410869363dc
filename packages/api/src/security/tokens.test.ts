import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenSigner, newOtpCode } from './tokens.ts';

const SECRET = 'unit-test-secret-key-0123456789abcdef';
const CLINIC = '65f000000000000000000001';

describe('access tokens', () => {
  it('round-trip the user, role, session, a staff member\'s clinic and when they expire', async () => {
    const signer = createTokenSigner(SECRET, 900, () => new Date('2026-01-01T10:00:00Z'));
    const token = await signer.sign({ userId: 'u1', role: 'doctor', sessionId: 's1', clinicId: CLINIC });
    // Long-lived streams end at `expiresAt` (issued + 900 s).
    expect(await signer.verify(token)).toEqual({ userId: 'u1', role: 'doctor', sessionId: 's1', clinicId: CLINIC, expiresAt: new Date('2026-01-01T10:15:00Z') });
  });

  it('name no clinic for patients, nor for tokens signed before staff had one', async () => {
    const clock = () => new Date('2026-01-01T10:00:00Z');
    const signer = createTokenSigner(SECRET, 900, clock);
    const patient = await signer.sign({ userId: 'u1', role: 'patient', sessionId: 's1', clinicId: CLINIC });
    expect(await signer.verify(patient)).toMatchObject({ userId: 'u1', role: 'patient', sessionId: 's1', clinicId: null });
    // A token as the server signed it before the clinic claim existed still works, without a clinic.
    const old = await new SignJWT({ role: 'staff', sid: 's2' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('u2')
      .setIssuer('clinic-platform')
      .setAudience('clinic-api')
      .setIssuedAt(Math.floor(clock().getTime() / 1000))
      .setExpirationTime(Math.floor(clock().getTime() / 1000) + 900)
      .sign(new TextEncoder().encode(SECRET));
    expect(await signer.verify(old)).toMatchObject({ userId: 'u2', role: 'staff', sessionId: 's2', clinicId: null });
  });

  it('stop working after their lifetime', async () => {
    let now = new Date('2026-01-01T10:00:00Z');
    const signer = createTokenSigner(SECRET, 900, () => now);
    const token = await signer.sign({ userId: 'u1', role: 'patient', sessionId: 's1', clinicId: null });
    now = new Date(now.getTime() + 901_000);
    expect(await signer.verify(token)).toBeNull();
  });

  it('reject tokens signed with another key or with an edited role', async () => {
    const clock = () => new Date();
    const mine = createTokenSigner(SECRET, 900, clock);
    const theirs = createTokenSigner('another-secret-key-0123456789abcdef', 900, clock);
    expect(await mine.verify(await theirs.sign({ userId: 'u1', role: 'admin', sessionId: 's', clinicId: CLINIC }))).toBeNull();
    const [h, p, sig] = (await mine.sign({ userId: 'u1', role: 'patient', sessionId: 's', clinicId: null })).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
    expect(await mine.verify(`${h}.${forged}.${sig}`)).toBeNull();
    expect(await mine.verify('not-a-jwt')).toBeNull();
  });
});

describe('one-time codes', () => {
  it('are always six digits', () => {
    for (let i = 0; i < 200; i++) expect(newOtpCode()).toMatch(/^\d{6}$/);
  });
});
