import * as z from 'zod';
import { IdSchema, MedicalPackageSchema, SlugSchema, UpsertPackageInput } from '@clinic/contracts';
import { publicProcedure, roleProcedure, router } from '../../trpc.ts';

export const packagesRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/packages', tags: ['catalogue'], protect: false, summary: 'Active medical packages of every clinic, or of one', errorResponses: [400] } })
    .input(z.strictObject({ clinic: SlugSchema.optional().describe("only this active clinic's packages (its slug)") }))
    .output(z.array(MedicalPackageSchema))
    .query(({ ctx, input }) => ctx.services.packages.list(input)),

  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/packages/{id}', tags: ['catalogue'], protect: false, summary: 'One medical package', errorResponses: [400, 404] } })
    .input(z.strictObject({ id: IdSchema }))
    .output(MedicalPackageSchema)
    .query(({ ctx, input }) => ctx.services.packages.get(input.id)),

  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/admin/packages', tags: ['admin'], protect: true, summary: 'Create a medical package', errorResponses: [400, 401, 403] } })
    .input(UpsertPackageInput)
    .output(MedicalPackageSchema)
    .mutation(({ ctx, input }) => ctx.services.packages.create(input, ctx.actor.clinicId)),

  update: roleProcedure('admin')
    .meta({ openapi: { method: 'PATCH', path: '/admin/packages/{id}', tags: ['admin'], protect: true, summary: 'Change or deactivate a medical package of the admin’s clinic', errorResponses: [400, 401, 403, 404] } })
    .input(UpsertPackageInput.partial().extend({ id: IdSchema, active: z.boolean().optional() }))
    .output(MedicalPackageSchema)
    .mutation(({ ctx, input: { id, ...patch } }) => ctx.services.packages.update(ctx.actor, id, patch)),
});
