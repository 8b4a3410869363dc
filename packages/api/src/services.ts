import { emailNotifier, type ApiDeps } from './deps.ts';
import { createAppointmentJobs } from './modules/appointments/appointments.jobs.ts';
import { createAppointmentsService } from './modules/appointments/appointments.service.ts';
import { createAvailability } from './modules/appointments/availability.ts';
import { createAuthService } from './modules/auth/auth.service.ts';
import { createClinicService } from './modules/clinic/clinic.service.ts';
import { createConversationsService } from './modules/conversations/conversations.service.ts';
import { createInsuranceService } from './modules/insurance/insurance.service.ts';
import { createNotificationsService } from './modules/notifications/notifications.service.ts';
import { createPackagesService } from './modules/packages/packages.service.ts';
import { createPaymentsService } from './modules/payments/payments.service.ts';
import { createPhysiciansService } from './modules/physicians/physicians.service.ts';
import { createSpecialtiesService } from './modules/specialties/specialties.service.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { createWhatsAppService } from './modules/whatsapp/whatsapp.service.ts';
import { createRateLimiter } from './security/rate-limit.ts';

/** Every use case, wired once at start-up; procedures reach them through the context. */
export function createServices(deps: ApiDeps) {
  const rateLimiter = createRateLimiter(deps.db.cols, deps.clock);
  const users = createUsersService(deps);
  const clinic = createClinicService(deps);
  const specialties = createSpecialtiesService(deps);
  const packages = createPackagesService(deps);
  const availability = createAvailability(deps);
  const notifications = createNotificationsService(deps, deps.notifier ?? emailNotifier(deps.mailer));
  const physicians = createPhysiciansService(deps, clinic, specialties, availability);
  const insurance = createInsuranceService(deps, clinic);
  // Appointments and payments know of each other: a cancel may refund, a payment confirms; a confirmation is
  // sent by the jobs, which read appointments. The hooks are resolved at call time, after all of them exist.
  const appointments = createAppointmentsService(deps, clinic, physicians, packages, users, availability, {
    afterCancel: (appt) => payments.afterCancel(appt),
    afterConfirm: (appt) => jobs.confirmSoon(appt),
  });
  const payments = createPaymentsService(deps, clinic, appointments, insurance, notifications);
  const jobs = createAppointmentJobs(deps, clinic, notifications);
  return {
    clock: deps.clock,
    rateLimiter,
    auth: createAuthService(deps, rateLimiter),
    users,
    clinic,
    specialties,
    packages,
    physicians,
    appointments,
    insurance,
    payments,
    conversations: createConversationsService(deps, clinic),
    whatsapp: createWhatsAppService(deps, rateLimiter, users, appointments, payments, insurance),
    jobs,
  };
}
export type Services = ReturnType<typeof createServices>;
