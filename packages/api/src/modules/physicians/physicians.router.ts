import {
  ListPhysiciansInput,
  PhysicianDetailSchema,
  PhysicianIdInput,
  PhysicianPageSchema,
  SlotsInput,
  SlotsOutput,
  UpdatePhysicianInput,
  UpsertPhysicianInput,
} from '@clinic/contracts';
import { publicProcedure, roleProcedure, router } from '../../trpc.ts';

const tags = ['catalogue'];

export const physiciansRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/physicians', tags, protect: false, summary: 'Search physicians; each item carries its next free slot', errorResponses: [400] } })
    .input(ListPhysiciansInput)
    .output(PhysicianPageSchema)
    .query(({ ctx, input }) => ctx.services.physicians.list(input)),

  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/physicians/{id}', tags, protect: false, summary: 'One physician with schedule and next free slot', errorResponses: [400, 404] } })
    .input(PhysicianIdInput)
    .output(PhysicianDetailSchema)
    .query(({ ctx, input }) => ctx.services.physicians.get(input.id)),

  slots: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/physicians/{id}/slots', tags, protect: false, summary: 'Free slots in [from, to) — at most 31 days', errorResponses: [400, 404] } })
    .input(SlotsInput)
    .output(SlotsOutput)
    .query(({ ctx, input }) => ctx.services.physicians.slots(input)),

  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/admin/physicians', tags: ['admin'], protect: true, summary: 'Add a physician', errorResponses: [400, 401, 403] } })
    .input(UpsertPhysicianInput)
    .output(PhysicianDetailSchema)
    .mutation(({ ctx, input }) => ctx.services.physicians.create(input, ctx.actor.clinicId)),

  update: roleProcedure('admin')
    .meta({ openapi: { method: 'PATCH', path: '/admin/physicians/{id}', tags: ['admin'], protect: true, summary: 'Change a physician of the admin’s clinic, their schedule, or deactivate them', errorResponses: [400, 401, 403, 404] } })
    .input(UpdatePhysicianInput)
    .output(PhysicianDetailSchema)
    .mutation(({ ctx, input }) => ctx.services.physicians.update(ctx.actor, input)),
});
