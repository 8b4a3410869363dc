import * as z from 'zod';
import { SlugSchema, SpecialtySchema } from '@clinic/contracts';
import { publicProcedure, roleProcedure, router } from '../../trpc.ts';

const UpsertSpecialtyInput = z.strictObject({
  slug: SlugSchema,
  name: z.string().trim().min(1).max(80),
  nameAr: z.string().trim().min(1).max(80),
  subSpecialties: z.array(z.strictObject({ slug: SlugSchema, name: z.string().trim().min(1).max(80) })).max(30),
});

export const specialtiesRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/specialties', tags: ['catalogue'], protect: false, summary: 'Specialties with their sub-specialties' } })
    .output(z.array(SpecialtySchema))
    .query(({ ctx }) => ctx.services.specialties.list()),

  upsert: roleProcedure('admin')
    .meta({ openapi: { method: 'PUT', path: '/admin/specialties/{slug}', tags: ['admin'], protect: true, summary: 'Create or replace a specialty', errorResponses: [400, 401, 403] } })
    .input(UpsertSpecialtyInput)
    .output(SpecialtySchema)
    .mutation(({ ctx, input }) => ctx.services.specialties.upsert(input)),
});
