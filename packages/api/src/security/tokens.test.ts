import { describe, expect, it } from 'vitest';
import { createTokenSigner, newOtpCode } from './tokens.ts';

const SECRET = 'unit-test-secret-key-0123456789abcdef';

describe('access tokens', () => {
  it('round-trip the user, role and session', async () => {
    const signer = createTokenSigner(SECRET, 900, () => new Date('2026-01-01T10:00:00Z'));
    const token = await signer.sign({ userId: 'u1', role: 'doctor', sessionId: 's1' });
    expect(await signer.verify(token)).toEqual({ userId: 'u1', role: 'doctor', sessionId: 's1' });
  });

  it('stop working after their lifetime', async () => {
    let now = new Date('2026-01-01T10:00:00Z');
    const signer = createTokenSigner(SECRET, 900, () => now);
    const token = await signer.sign({ userId: 'u1', role: 'patient', sessionId: 's1' });
    now = new Date(now.getTime() + 901_000);
    expect(await signer.verify(token)).toBeNull();
  });

  it('reject tokens signed with another key or with an edited role', async () => {
    const clock = () => new Date();
    const mine = createTokenSigner(SECRET, 900, clock);
    const theirs = createTokenSigner('another-secret-key-0123456789abcdef', 900, clock);
    expect(await mine.verify(await theirs.sign({ userId: 'u1', role: 'admin', sessionId: 's' }))).toBeNull();
    const [h, p, sig] = (await mine.sign({ userId: 'u1', role: 'patient', sessionId: 's' })).split('.');
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
