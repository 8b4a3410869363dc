import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { EncryptedValue } from '@clinic/db';

/**
 * Encryption at rest for personal identifiers (the Emirates ID). One configured 32-byte key; two
 * independent sub-keys are derived from it (HKDF-SHA256), one for AES-256-GCM and one for the
 * HMAC-SHA256 look-up hash, so the hash reveals nothing about the encryption key and vice versa.
 */
export interface PiiCipher {
  /** `context` (e.g. the owner's id) is authenticated with the value: the ciphertext only opens for it. */
  encrypt(plain: string, context: string): EncryptedValue;
  /** Throws when the value was altered, moved to another context, or sealed with another key. */
  decrypt(value: EncryptedValue, context: string): string;
  /** Deterministic keyed hash (hex) for equality look-ups without decrypting. */
  hash(plain: string): string;
}

export const PII_KEY_BYTES = 32;

export function createPiiCipher(key: Uint8Array): PiiCipher {
  if (key.length !== PII_KEY_BYTES) throw new Error(`The PII encryption key must be ${PII_KEY_BYTES} bytes.`);
  const subKey = (info: string) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
  const encKey = subKey('clinic/pii/aes-256-gcm/v1');
  const macKey = subKey('clinic/pii/hmac-sha256/v1');

  return {
    encrypt(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    },
    decrypt(value, context) {
      if (value.v !== 1) throw new Error(`Unknown encrypted value version ${String(value.v)}`);
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(value.iv, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(value.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(value.data, 'base64')), decipher.final()]).toString('utf8');
    },
    hash: (plain) => createHmac('sha256', macKey).update(plain, 'utf8').digest('hex'),
  };
}
