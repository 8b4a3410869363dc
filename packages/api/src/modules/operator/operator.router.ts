import { OperatorClinicIdInput, OperatorClinicListSchema, OperatorClinicSchema, SpecialtySchema, SuspendClinicInput, UpdateClinicIntegrationsInput, UpsertSpecialtyInput } from '@clinic/contracts';
import { roleProcedure, router } from '../../trpc.ts';

const tags = ['operator'];
const operatorProcedure = roleProcedure('operator');

/** The platform operator's view of clinics. Operators only (403 for anyone else). */
export const operatorRouter = router({
  listClinics: operatorProcedure
    .meta({ openapi: { method: 'GET', path: '/operator/clinics', tags, protect: true, summary: 'Every clinic, whatever its status, with its staff and physicians counted (operators only)', errorResponses: [401, 403] } })
    .output(OperatorClinicListSchema)
    .query(({ ctx }) => ctx.services.operator.listClinics()),

  suspendClinic: operatorProcedure
    .meta({ openapi: { method: 'POST', path: '/operator/clinics/{id}/suspend', tags, protect: true, summary: "Suspend a clinic with a reason: its people cannot sign in, its tokens stop working, its physicians and pages leave the directory (operators only)", errorResponses: [400, 401, 403, 404] } })
    .input(SuspendClinicInput)
    .output(OperatorClinicSchema)
    .mutation(({ ctx, input }) => ctx.services.operator.suspendClinic(input.id, input.reason)),

  reactivateClinic: operatorProcedure
    .meta({ openapi: { method: 'POST', path: '/operator/clinics/{id}/reactivate', tags, protect: true, summary: 'Reactivate a suspended clinic: everything it had comes back (operators only)', errorResponses: [400, 401, 403, 404, 409] } })
    .input(OperatorClinicIdInput)
    .output(OperatorClinicSchema)
    .mutation(({ ctx, input }) => ctx.services.operator.reactivateClinic(input.id)),

  updateIntegrations: operatorProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/operator/clinics/{id}/integrations',
        tags,
        protect: true,
        summary: "Connect a clinic's own WhatsApp sender (inbound messages to it are that clinic's) and Stripe Connect account (its payments are made on it); null disconnects (operators only)",
        errorResponses: [400, 401, 403, 404, 409],
      },
    })
    .input(UpdateClinicIntegrationsInput)
    .output(OperatorClinicSchema)
    .mutation(({ ctx, input }) => ctx.services.operator.updateIntegrations(input)),

  upsertSpecialty: operatorProcedure
    .meta({ openapi: { method: 'PUT', path: '/operator/specialties/{slug}', tags, protect: true, summary: 'Create or replace a specialty of the master list, with its sub-specialties, for every clinic (operators only)', errorResponses: [400, 401, 403] } })
    .input(UpsertSpecialtyInput)
    .output(SpecialtySchema)
    .mutation(({ ctx, input }) => ctx.services.specialties.upsert(input)),
});
