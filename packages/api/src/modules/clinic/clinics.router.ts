import { ClinicDetailSchema, ClinicPageSchema, ClinicSlugInput, ListClinicsInput } from '@clinic/contracts';
import { publicProcedure, router } from '../../trpc.ts';

const tags = ['clinic'];

/** The directory of clinics: search across active clinics and one clinic's details. Public. */
export const clinicsRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/clinics', tags, protect: false, summary: 'Search active clinics by name (English or Arabic), emirate and specialty', errorResponses: [400] } })
    .input(ListClinicsInput)
    .output(ClinicPageSchema)
    .query(({ ctx, input }) => ctx.services.clinics.list(input)),

  bySlug: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/clinics/{slug}', tags, protect: false, summary: "An active clinic's details, locations and number of active physicians", errorResponses: [400, 404] } })
    .input(ClinicSlugInput)
    .output(ClinicDetailSchema)
    .query(({ ctx, input }) => ctx.services.clinics.bySlug(input.slug)),
});
