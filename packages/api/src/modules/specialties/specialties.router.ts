import * as z from 'zod';
import { ListSpecialtiesInput, SpecialtySchema } from '@clinic/contracts';
import { publicProcedure, router } from '../../trpc.ts';

// The master list is edited by the platform operator (`PUT /operator/specialties/{slug}`, operator.router.ts) and a
// clinic's choice by its admin (`PUT /admin/clinic/specialties`, clinic.router.ts).
export const specialtiesRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/specialties', tags: ['catalogue'], protect: false, summary: "Specialties with their sub-specialties; with clinic, only those that clinic offers", errorResponses: [400, 404] } })
    .input(ListSpecialtiesInput.optional())
    .output(z.array(SpecialtySchema))
    .query(({ ctx, input }) => ctx.services.specialties.list(input?.clinic)),
});
