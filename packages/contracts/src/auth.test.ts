import { describe, expect, it } from 'vitest';
import { RegisterInput } from './auth.ts';

describe('RegisterInput', () => {
  it('normalises the email so one person cannot register twice by changing case or spacing', () => {
    const parsed = RegisterInput.parse({ email: '  Layla@Example.TEST ', password: 'password123', fullName: ' Layla ' });
    expect(parsed.email).toBe('layla@example.test');
    expect(parsed.fullName).toBe('Layla');
  });

  it('names each bad field', () => {
    const res = RegisterInput.safeParse({ email: 'x', password: 'short', fullName: '', phone: '0501234567', role: 'admin' });
    expect(res.success).toBe(false);
    const paths = res.error!.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
    expect(paths.sort()).toEqual(['email', 'fullName', 'password', 'phone', 'role']);
  });

  it('accepts UAE and international E.164 numbers only', () => {
    const ok = (phone: string) => RegisterInput.safeParse({ email: 'a@b.co', password: 'password123', fullName: 'A', phone }).success;
    expect(ok('+971501234567')).toBe(true);
    expect(ok('+447700900123')).toBe(true);
    expect(ok('971501234567')).toBe(false);
    expect(ok('+0501234567')).toBe(false);
  });
});
