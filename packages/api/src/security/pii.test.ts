import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPiiCipher } from './pii.ts';

const ID = '784199012345676';
const key = randomBytes(32);

describe('PII cipher (AES-256-GCM + HMAC-SHA256)', () => {
  it('round-trips, and the sealed value contains no trace of the plain digits', () => {
    const pii = createPiiCipher(key);
    const sealed = pii.encrypt(ID, 'patient-1');
    expect(pii.decrypt(sealed, 'patient-1')).toBe(ID);
    expect(JSON.stringify(sealed)).not.toContain(ID);
    expect(JSON.stringify(sealed)).not.toContain(Buffer.from(ID).toString('base64'));
  });

  it('uses a fresh IV each time, so equal IDs do not look equal', () => {
    const pii = createPiiCipher(key);
    const a = pii.encrypt(ID, 'p');
    const b = pii.encrypt(ID, 'p');
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it('refuses a tampered value, a value moved to another patient, and another key', () => {
    const pii = createPiiCipher(key);
    const sealed = pii.encrypt(ID, 'patient-1');
    const flipped = Buffer.from(sealed.data, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => pii.decrypt({ ...sealed, data: flipped.toString('base64') }, 'patient-1')).toThrow();
    expect(() => pii.decrypt(sealed, 'patient-2')).toThrow();
    expect(() => createPiiCipher(randomBytes(32)).decrypt(sealed, 'patient-1')).toThrow();
  });

  it('hashes deterministically under the key, and differently under another key', () => {
    const pii = createPiiCipher(key);
    expect(pii.hash(ID)).toBe(pii.hash(ID));
    expect(pii.hash(ID)).toMatch(/^[0-9a-f]{64}$/);
    expect(pii.hash(ID)).not.toBe(pii.hash('784199012345684'));
    expect(createPiiCipher(randomBytes(32)).hash(ID)).not.toBe(pii.hash(ID));
  });

  it('demands a 32-byte key', () => {
    expect(() => createPiiCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});
