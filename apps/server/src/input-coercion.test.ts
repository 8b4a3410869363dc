import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { pinInputCoercion } from './input-coercion.ts';

describe('pinInputCoercion', () => {
  it('keeps declared coercion and ignores a later switch-on (what trpc-to-openapi does on its first REST call)', async () => {
    const t = initTRPC.create();
    const input = z.strictObject({
      flag: z.boolean().optional(),
      price: z.strictObject({ amount: z.number().int() }),
      limit: z.coerce.number().int().default(20),
      at: z.coerce.date().optional(),
    });
    const router = t.router({ p: t.procedure.input(input).mutation(({ input }) => input) });
    expect(pinInputCoercion(router)).toBe(1);

    // The adapter's mutation, as it does it.
    for (const s of [input.shape.flag.unwrap(), input.shape.price.shape.amount, input.shape.limit.unwrap(), input.shape.at.unwrap()]) {
      (s._def as { coerce?: boolean }).coerce = true;
    }

    const call = t.createCallerFactory(router)({}).p;
    await expect(call({ flag: { $gt: '' } as never, price: { amount: 1 } })).rejects.toThrow(/expected boolean/);
    await expect(call({ price: { amount: [] as never } })).rejects.toThrow(/expected number/);
    // Declared coercion still works: REST query strings become numbers and dates.
    await expect(call({ price: { amount: 1 }, limit: '5' as never, at: '2026-01-01T00:00:00Z' as never })).resolves.toMatchObject({ limit: 5, at: new Date('2026-01-01T00:00:00Z') });
  });
});
