import { describe, expect, it } from 'vitest';
import { AppError, createCaller, createInternalContext, type Services } from '@clinic/api';
import { failureOf } from './actions.ts';

// Input is checked before any service is used, so no services are needed to see a refusal.
const caller = createCaller(createInternalContext({} as Services, null, 'req-1', 'whatsapp'));

describe('failureOf (the assistant reads procedure errors through the shared error body)', () => {
  it('a refused input names its fields, as REST and the app are told', async () => {
    const err = await caller.auth.register({ email: 'not-an-email', password: 'long enough password', fullName: 'A Patient' }).catch((e: unknown) => e);
    const failure = failureOf(err);
    expect(failure).toEqual({ ok: false, code: 'VALIDATION_FAILED', message: expect.stringMatching(/^Invalid input: email /), fieldErrors: { email: [expect.any(String)] } });
  });

  it('a signed-out caller of a guarded procedure is told to sign in', async () => {
    expect(failureOf(await caller.users.me().catch((e: unknown) => e))).toEqual({ ok: false, code: 'UNAUTHENTICATED', message: 'Sign in to use this.' });
  });

  it('domain errors keep code and message; anything else is an internal error', () => {
    expect(failureOf(new AppError('SLOT_TAKEN', 'Someone just took this slot.'))).toEqual({ ok: false, code: 'SLOT_TAKEN', message: 'Someone just took this slot.' });
    expect(failureOf(new Error('secret detail'))).toEqual({ ok: false, code: 'INTERNAL', message: 'Something went wrong on our side.' });
  });
});
