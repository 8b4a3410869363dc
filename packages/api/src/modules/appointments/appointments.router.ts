import {
  AgendaInput,
  AppointmentIdInput,
  AppointmentListSchema,
  AppointmentSchema,
  BookAppointmentInput,
  CancelInput,
  MyAppointmentsInput,
  RescheduleInput,
} from '@clinic/contracts';
import { CalendarInput, CalendarSchema, PhysicianStatsInput, PhysicianStatsSchema } from '@clinic/contracts';
import { authedProcedure, roleProcedure, router } from '../../trpc.ts';

const tags = ['appointments'];

export const appointmentsRouter = router({
  book: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/appointments', tags, protect: true, summary: 'Book a free slot', errorResponses: [400, 401, 404, 409, 422] } })
    .input(BookAppointmentInput)
    .output(AppointmentSchema)
    .mutation(({ ctx, input }) => ctx.services.appointments.book(ctx.actor, input)),

  mine: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/appointments/mine', tags, protect: true, summary: "The caller's own bookings", errorResponses: [400, 401] } })
    .input(MyAppointmentsInput)
    .output(AppointmentListSchema)
    .query(({ ctx, input }) => ctx.services.appointments.mine(ctx.actor, input.scope)),

  agenda: roleProcedure('doctor', 'staff', 'admin')
    .meta({ openapi: { method: 'GET', path: '/appointments/agenda', tags, protect: true, summary: "A physician's appointments on a local date (doctors: their own; staff and admins without physicianId: every physician of their clinic)", errorResponses: [400, 401, 403, 404] } })
    .input(AgendaInput)
    .output(AppointmentListSchema)
    .query(({ ctx, input }) => ctx.services.appointments.agenda(ctx.actor, input)),

  calendar: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/appointments/calendar', tags, protect: true, summary: 'Appointments of a local date range (≤ 31 days) grouped by local day (patients: their own; doctors: their own physician)', errorResponses: [400, 401, 403, 404] } })
    .input(CalendarInput)
    .output(CalendarSchema)
    .query(({ ctx, input }) => ctx.services.appointments.calendar(ctx.actor, input)),

  stats: roleProcedure('doctor', 'staff', 'admin')
    .meta({ openapi: { method: 'GET', path: '/appointments/stats', tags, protect: true, summary: "A physician's figures over a local date period (≤ 92 days): counts by status, no-show rate, bookings per day (doctors: their own; staff and admins without physicianId: every physician of their clinic)", errorResponses: [400, 401, 403, 404] } })
    .input(PhysicianStatsInput)
    .output(PhysicianStatsSchema)
    .query(({ ctx, input }) => ctx.services.appointments.stats(ctx.actor, input)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/appointments/{id}', tags, protect: true, summary: 'One appointment', errorResponses: [400, 401, 404] } })
    .input(AppointmentIdInput)
    .output(AppointmentSchema)
    .query(({ ctx, input }) => ctx.services.appointments.get(ctx.actor, input.id)),

  reschedule: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/appointments/{id}/reschedule', tags, protect: true, summary: 'Move to another free slot in one atomic step', errorResponses: [400, 401, 404, 409, 422] } })
    .input(RescheduleInput)
    .output(AppointmentSchema)
    .mutation(({ ctx, input }) => ctx.services.appointments.reschedule(ctx.actor, input)),

  cancel: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/appointments/{id}/cancel', tags, protect: true, summary: 'Cancel (patients: before the clinic cutoff)', errorResponses: [400, 401, 404, 409, 422] } })
    .input(CancelInput)
    .output(AppointmentSchema)
    .mutation(({ ctx, input }) => ctx.services.appointments.cancel(ctx.actor, input)),

  confirm: roleProcedure('doctor', 'staff', 'admin')
    .meta({ openapi: { method: 'POST', path: '/appointments/{id}/confirm', tags, protect: true, summary: 'Confirm a booking paid at the desk', errorResponses: [400, 401, 403, 404, 409] } })
    .input(AppointmentIdInput)
    .output(AppointmentSchema)
    .mutation(({ ctx, input }) => ctx.services.appointments.confirm(ctx.actor, input.id)),

  checkIn: roleProcedure('staff', 'admin')
    .meta({ openapi: { method: 'POST', path: '/appointments/{id}/check-in', tags, protect: true, summary: 'Mark the patient as arrived', errorResponses: [400, 401, 403, 404, 409] } })
    .input(AppointmentIdInput)
    .output(AppointmentSchema)
    .mutation(({ ctx, input }) => ctx.services.appointments.checkIn(ctx.actor, input.id)),

  complete: roleProcedure('doctor', 'admin')
    .meta({ openapi: { method: 'POST', path: '/appointments/{id}/complete', tags, protect: true, summary: 'Mark the consultation as done', errorResponses: [400, 401, 403, 404, 409] } })
    .input(AppointmentIdInput)
    .output(AppointmentSchema)
    .mutation(({ ctx, input }) => ctx.services.appointments.complete(ctx.actor, input.id)),
});
