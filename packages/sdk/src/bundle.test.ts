import { beforeAll, describe, expect, it } from 'vitest';
import { bundleSdk, type SdkBundle } from '../scripts/bundle.ts';

// What the mobile app would ship if a runtime import reached the server side.
const FORBIDDEN_INPUTS = [
  'packages/api/',
  'packages/db/',
  'apps/server/',
  'node_modules/fastify',
  'node_modules/@fastify/',
  'node_modules/mongodb',
  'node_modules/bson',
  '@trpc/server/dist/adapters',
  'node_modules/@node-rs/',
  'node_modules/jose/',
  'node_modules/nodemailer/',
  'node_modules/pino',
  'node_modules/trpc-to-openapi',
];
const FORBIDDEN_STRINGS = ['fastify', 'MongoClient', 'argon2', 'nodemailer'];
// ~480 KiB today, almost all of it zod (see the report on `import { z }` in contracts);
// server code leaking in would add megabytes.
const MAX_BYTES = 600 * 1024;

describe('SDK bundle', () => {
  let bundle: SdkBundle;
  beforeAll(async () => {
    bundle = await bundleSdk();
  }, 60_000);

  it('contains no server-side module', () => {
    const leaked = bundle.inputs.filter((input) => FORBIDDEN_INPUTS.some((bad) => input.includes(bad)));
    expect(leaked).toEqual([]);
  });

  it('contains no server-side code by name', () => {
    const found = FORBIDDEN_STRINGS.filter((s) => bundle.code.includes(s));
    expect(found).toEqual([]);
  });

  it('contains the client and the shared contracts', () => {
    expect(bundle.inputs).toContain('packages/sdk/src/client.ts');
    expect(bundle.inputs.some((i) => i.startsWith('packages/contracts/src/'))).toBe(true);
    expect(bundle.code).toContain('/trpc');
    expect(bundle.code).toContain('SESSION_EXPIRED');
  });

  it('stays small enough for a mobile app', () => {
    const bytes = Buffer.byteLength(bundle.code);
    console.info(`SDK bundle: ${(bytes / 1024).toFixed(1)} KiB minified, ${bundle.inputs.length} input files`);
    expect(bytes).toBeLessThan(MAX_BYTES);
  });
});
