import { InsuranceCheckInput, InsuranceCheckOutput, InsuranceProfileSchema } from '@clinic/contracts';
import { roleProcedure, router } from '../../trpc.ts';

const tags = ['insurance'];

export const insuranceRouter = router({
  check: roleProcedure('patient')
    .meta({
      openapi: {
        method: 'POST',
        path: '/insurance/check',
        tags,
        protect: true,
        summary: "Check the caller's insurance by Emirates ID (dashes, spaces and Arabic-Indic digits accepted); answers are kept for 24 h",
        errorResponses: [400, 401, 403, 422],
      },
    })
    .input(InsuranceCheckInput)
    .output(InsuranceCheckOutput)
    .mutation(({ ctx, input }) => ctx.services.insurance.check(ctx.actor.userId, input.emiratesId)),

  me: roleProcedure('patient')
    .meta({ openapi: { method: 'GET', path: '/insurance/me', tags, protect: true, summary: "The caller's latest insurance check (Emirates ID masked)", errorResponses: [401, 403, 404] } })
    .output(InsuranceProfileSchema)
    .query(({ ctx }) => ctx.services.insurance.latest(ctx.actor.userId)),
});
