import { ClinicSchema, TimeNowSchema, UpdateClinicDetailsInput, UpdateClinicPoliciesInput, UpdateClinicSpecialtiesInput } from '@clinic/contracts';
import { publicProcedure, roleProcedure, router } from '../../trpc.ts';

export const clinicRouter = router({
  info: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/clinic', tags: ['clinic'], protect: false, summary: 'Clinic details, opening hours and booking policies' } })
    .output(ClinicSchema)
    .query(({ ctx }) => ctx.services.clinic.info()),

  updatePolicies: roleProcedure('admin')
    .meta({ openapi: { method: 'PATCH', path: '/admin/clinic/policies', tags: ['admin'], protect: true, summary: 'Change booking policies (payment, holds, notice, cutoff, reminders)', errorResponses: [400, 401, 403] } })
    .input(UpdateClinicPoliciesInput)
    .output(ClinicSchema)
    .mutation(({ ctx, input }) => ctx.services.clinic.updatePolicies(input, ctx.actor.clinicId)),

  updateDetails: roleProcedure('admin')
    .meta({ openapi: { method: 'PATCH', path: '/admin/clinic', tags: ['admin'], protect: true, summary: "Change your clinic's details: the crisis line the WhatsApp assistant gives beside 999/998 (null removes it)", errorResponses: [400, 401, 403] } })
    .input(UpdateClinicDetailsInput)
    .output(ClinicSchema)
    .mutation(({ ctx, input }) => ctx.services.clinic.updateDetails(input, ctx.actor.clinicId)),

  updateSpecialties: roleProcedure('admin')
    .meta({
      openapi: {
        method: 'PUT',
        path: '/admin/clinic/specialties',
        tags: ['admin'],
        protect: true,
        summary: "Choose the specialties your clinic offers (from GET /specialties); its physicians practise only these. One its active physicians practise cannot be removed (409)",
        errorResponses: [400, 401, 403, 409],
      },
    })
    .input(UpdateClinicSpecialtiesInput)
    .output(ClinicSchema)
    .mutation(({ ctx, input }) => ctx.services.specialties.setOffered(input.specialties, ctx.actor.clinicId)),

  now: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/time/now', tags: ['clinic'], protect: false, summary: 'Server time (UTC) and the clinic time zone, for clock sync' } })
    .output(TimeNowSchema)
    .query(({ ctx }) => ctx.services.clinic.now()),
});
