import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const HEX_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

describe('insurance and PII configuration', () => {
  it('takes the encryption key as 64 hex characters or base64 of the same 32 bytes', () => {
    const fromHex = loadConfig({ PII_ENCRYPTION_KEY: HEX_KEY }).insurance.encryptionKey;
    const fromBase64 = loadConfig({ PII_ENCRYPTION_KEY: Buffer.from(HEX_KEY, 'hex').toString('base64') }).insurance.encryptionKey;
    const fromBase64Url = loadConfig({ PII_ENCRYPTION_KEY: Buffer.from(HEX_KEY, 'hex').toString('base64url') }).insurance.encryptionKey;
    expect(fromHex.toString('hex')).toBe(HEX_KEY);
    expect(fromBase64.equals(fromHex)).toBe(true);
    expect(fromBase64Url.equals(fromHex)).toBe(true);
  });

  it('stops start-up naming PII_ENCRYPTION_KEY when it is not 32 bytes', () => {
    for (const bad of ['too-short', HEX_KEY.slice(2), Buffer.alloc(16).toString('base64')]) {
      expect(() => loadConfig({ PII_ENCRYPTION_KEY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ PII_ENCRYPTION_KEY: bad })).toThrow(/PII_ENCRYPTION_KEY: must be 32 bytes/);
    }
  });

  it('in development, uses (and reports) a development key and the simulated insurer with a 3 s timeout', () => {
    const config = loadConfig({});
    expect(config.insurance.encryptionKey).toHaveLength(32);
    expect(config.defaultsInUse).toContain('PII_ENCRYPTION_KEY');
    expect(config.insurance.apiUrl).toBeUndefined();
    expect(config.insurance.timeoutMs).toBe(3_000);
  });

  it('reads the insurer URL and timeout, refusing a non-HTTP URL and silly timeouts', () => {
    const config = loadConfig({ INSURANCE_API_URL: 'https://eligibility.insurer.example/api', INSURANCE_TIMEOUT_MS: '1500' });
    expect(config.insurance).toMatchObject({ apiUrl: 'https://eligibility.insurer.example/api', timeoutMs: 1500 });
    expect(() => loadConfig({ INSURANCE_API_URL: 'ftp://insurer.example' })).toThrow(/INSURANCE_API_URL: must be an http/);
    expect(() => loadConfig({ INSURANCE_TIMEOUT_MS: '5' })).toThrow(/INSURANCE_TIMEOUT_MS/);
  });

  it('in production, requires a real key and a real insurer', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PII_ENCRYPTION_KEY.*INSURANCE_API_URL|INSURANCE_API_URL.*PII_ENCRYPTION_KEY/);
  });
});
