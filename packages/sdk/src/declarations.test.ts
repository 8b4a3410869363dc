import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitSdkDeclarations, type SdkDeclarations } from '../scripts/declarations.ts';

// Server-side packages: if the SDK's types name one, the mobile app's compiler must find it to check a call.
const FORBIDDEN = ['mongodb', 'bson', 'stripe', 'fastify', 'pino'];
const isForbidden = (module: string) => FORBIDDEN.some((f) => module === f || module.startsWith(`${f}/`) || module.startsWith(`@${f}/`));

describe('SDK declarations', () => {
  let dts: SdkDeclarations;
  beforeAll(async () => {
    dts = await emitSdkDeclarations();
  }, 120_000);
  afterAll(() => dts?.dispose());

  it('emit without errors', () => {
    expect(dts.diagnostics).toEqual([]);
    expect(existsSync(join(dts.outDir, 'packages/sdk/src/index.d.ts'))).toBe(true);
  });

  it("follow AppRouter into the api's procedures, context and contracts", () => {
    expect(dts.reached).toContain('packages/api/src/router.ts#appRouter');
    expect(dts.reached).toContain('packages/api/src/context.ts#Context');
    expect([...dts.reached].some((r) => r.startsWith('packages/contracts/src/'))).toBe(true);
    expect(dts.externals.map((e) => e.module)).toEqual(expect.arrayContaining(['@trpc/server', 'zod']));
  });

  it('reference no server-side package (database driver, Stripe, Fastify, logger)', () => {
    const leaks = dts.externals.filter((e) => isForbidden(e.module)).map((e) => `${e.module} via ${e.chain.join(' -> ')}`);
    expect(leaks).toEqual([]);
  });
});
