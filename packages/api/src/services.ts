import { emailNotifier, type ApiDeps } from './deps.ts';
import { createInProcessBus } from './events/bus.ts';
import { createEventStore } from './events/event-store.ts';
import { createAgendaPublisher } from './modules/agenda/agenda.events.ts';
import { createAgendaService, type AgendaUseCases } from './modules/agenda/agenda.service.ts';
import { createAppointmentJobs } from './modules/appointments/appointments.jobs.ts';
import { createAppointmentsService, type AppointmentHooks, type AppointmentsUseCases } from './modules/appointments/appointments.service.ts';
import { createAvailability } from './modules/appointments/availability.ts';
import { CATALOGUE_VERSION, createCacheVersions } from './modules/appointments/slots-cache.ts';
import { createInProcessVersions } from './events/versions.ts';
import { createAuthService, type AuthUseCases } from './modules/auth/auth.service.ts';
import { createChatService, type ChatUseCases } from './modules/chat/chat.service.ts';
import { createSessionWatch } from './modules/auth/session-watch.ts';
import { createClinicService, type ClinicUseCases } from './modules/clinic/clinic.service.ts';
import { createClinicsService, type ClinicsUseCases } from './modules/clinic/clinics.service.ts';
import { createConversationsService, type ConversationsUseCases } from './modules/conversations/conversations.service.ts';
import { createInsuranceService, type InsuranceUseCases } from './modules/insurance/insurance.service.ts';
import { createNotificationsService, type NotificationsUseCases } from './modules/notifications/notifications.service.ts';
import { createDevicesService, type DevicesUseCases } from './modules/devices/devices.service.ts';
import { createOperatorService, type OperatorUseCases } from './modules/operator/operator.service.ts';
import { createPackagesService, type PackagesUseCases } from './modules/packages/packages.service.ts';
import { createPaymentsService, type PaymentsUseCases } from './modules/payments/payments.service.ts';
import { createPhysiciansService, type PhysiciansUseCases } from './modules/physicians/physicians.service.ts';
import { createSpecialtiesService, type SpecialtiesUseCases } from './modules/specialties/specialties.service.ts';
import { createUsersService, type UsersUseCases } from './modules/users/users.service.ts';
import { createWhatsAppService, type WhatsAppUseCases } from './modules/whatsapp/whatsapp.service.ts';
import { createWebhooksService, type WebhooksUseCases } from './modules/webhooks/webhooks.service.ts';
import { createCounterRateLimiter, createInProcessCounters, createRateLimiter } from './security/rate-limit.ts';
import { scopeOf } from './scope.ts';

/**
 * What procedures reach through the context (`ctx.services`): the use cases, in contract types only — ids are
 * strings, values are the DTOs of @clinic/contracts. The context's type is part of AppRouter and so of the SDK's
 * declarations, which must name no database, Stripe or server type (packages/sdk/src/declarations.test.ts).
 * A module with procedures adds its `…UseCases` interface here.
 */
export interface UseCases {
  auth: AuthUseCases;
  users: UsersUseCases;
  clinic: ClinicUseCases;
  clinics: ClinicsUseCases;
  specialties: SpecialtiesUseCases;
  packages: PackagesUseCases;
  physicians: PhysiciansUseCases;
  appointments: AppointmentsUseCases;
  insurance: InsuranceUseCases;
  payments: PaymentsUseCases;
  whatsapp: WhatsAppUseCases;
  conversations: ConversationsUseCases;
  operator: OperatorUseCases;
  agenda: AgendaUseCases;
  notifications: NotificationsUseCases;
  devices: DevicesUseCases;
  webhooks: WebhooksUseCases;
  chat: ChatUseCases;
}

/**
 * Every service, wired once at start-up: the use cases, and beside them what only the server side calls — the
 * calls between modules (documents, ObjectIds), the jobs, webhooks and rate limits the host drives. The host
 * holds this; procedures see it as `UseCases`.
 */
export function createServices(deps: ApiDeps) {
  // What the slot lists' and searches' in-memory caches check on read: in Redis when the bus is Redis (several
  // processes), else in this process's memory (the in-process bus serves one process).
  const cacheVersions = createCacheVersions(deps.bus?.versions ?? createInProcessVersions(), deps.db.db.databaseName, deps.log);
  const rateLimiter = createRateLimiter(deps.db.cols, deps.clock);
  // Chat's per-user windows are hit on every message: kept off the database, in Redis when the bus is Redis (several
  // processes), else in this process's memory.
  let counterWarnedAt = -Infinity;
  const chatLimiter = createCounterRateLimiter(deps.bus?.counters ?? createInProcessCounters(deps.clock), deps.clock, deps.db.db.databaseName, {
    fallback: createInProcessCounters(deps.clock),
    onFallback: (err) => {
      // One line per 10 s at most while Redis is away.
      if (Date.now() - counterWarnedAt < 10_000) return;
      counterWarnedAt = Date.now();
      deps.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate-limit counters unreachable: each process counts chat messages on its own');
    },
  });
  // Every write of a clinic replaces the catalogue's version before it answers (zone, policies, status, locations).
  const clinic = createClinicService(deps, { changed: () => cacheVersions.bump([CATALOGUE_VERSION]) });
  const users = createUsersService(deps, clinic);
  // A clinic stops offering a specialty only when none of its active physicians practises it (resolved at call time).
  const specialties = createSpecialtiesService(deps, clinic, (clinicId) => physicians.practising(clinicId));
  const packages = createPackagesService(deps, clinic);
  const availability = createAvailability(deps, cacheVersions);
  const devices = createDevicesService(deps);
  // Every notification is also kept in its user's notification centre, live on their stream and pushed to their phones.
  const notifications = createNotificationsService(deps, deps.notifier ?? emailNotifier(deps.mailer), {
    events: () => events,
    localeOf: (userId) => users.localeOf(userId),
    appointment: (id) => appointments.byId(id),
    clinic: (clinicId) => clinic.infoFor(clinicId),
    doctorOf: async (physicianId) => (await physicians.load(physicianId.toHexString()).catch(() => null))?.userId ?? null,
    pushTo: async (userId, message) => devices.pushSoon(userId, message),
    scope: (actor) => scopeOf(actor, clinic.current),
    // A payment notice's email carries the receipt PDF, rendered by payments at each email attempt.
    attachments: (kind, data) => payments.attachmentsFor(kind, data),
  });
  const physicians = createPhysiciansService(deps, clinic, specialties, availability, cacheVersions);
  const insurance = createInsuranceService(deps, clinic);
  const bus = deps.bus ?? createInProcessBus();
  const events = createEventStore(deps.db.cols, bus, deps.clock, deps.log);
  // Streams opened with a token end when its session does: auth announces revocations, the watch rechecks.
  const sessionWatch = createSessionWatch({ bus, clock: deps.clock, stillSignedIn: (actor) => auth.stillSignedIn(actor), log: deps.log });
  const auth = createAuthService(deps, rateLimiter, clinic, { sessionsChanged: (userId) => sessionWatch.sessionsChanged(userId) });
  const agendaEvents = createAgendaPublisher(events, clinic, deps.log);
  // Every change of an appointment, by a use case or a job sweep.
  const afterChange: AppointmentHooks['afterChange'] = async (change) => {
    // First, and awaited: once the change is answered, no process's slot cache serves the physician's old intervals.
    await availability.busyChanged(change.appointment.physicianId);
    await agendaEvents.publish(change);
    await notifications.appointmentChanged(change);
  };
  // Appointments and payments know of each other: a cancel may refund, a payment confirms; a confirmation is
  // sent by the jobs, which read appointments. The hooks are resolved at call time, after all of them exist.
  const appointments = createAppointmentsService(deps, clinic, physicians, packages, users, availability, {
    afterCancel: (appt) => payments.afterCancel(appt),
    afterConfirm: (appt, known) => jobs.confirmSoon(appt, known),
    afterChange,
  });
  const payments = createPaymentsService(deps, clinic, appointments, insurance, notifications);
  const jobs = createAppointmentJobs(deps, clinic, notifications, afterChange);
  return {
    clock: deps.clock,
    rateLimiter,
    auth,
    users,
    clinic,
    clinics: createClinicsService(deps, (clinicId) => physicians.countActive(clinicId)),
    specialties,
    packages,
    physicians,
    appointments,
    insurance,
    payments,
    // Staff replies are signed with the staff member's name; the inbox's events live in the event store.
    conversations: createConversationsService(deps, clinic, { events: () => events, nameOf: async (userId) => (await users.me(userId)).fullName }),
    whatsapp: createWhatsAppService(deps, rateLimiter, users, appointments, payments, insurance),
    operator: createOperatorService(clinic, users, (clinicId) => physicians.countActive(clinicId), (clinicId) => sessionWatch.clinicChanged(clinicId)),
    agenda: createAgendaService(deps, clinic, physicians, events, appointments),
    notifications,
    devices,
    // Delivers each clinic's agenda events to its admins' endpoints; swept by the host's jobs timer.
    webhooks: createWebhooksService(deps, clinic, events, users),
    chat: createChatService(deps, clinic, physicians, users, notifications, chatLimiter, events, appointments, cacheVersions),
    events,
    bus,
    sessionWatch,
    jobs,
  };
}
export type Services = ReturnType<typeof createServices>;
