import { agendaRouter } from './modules/agenda/agenda.router.ts';
import { appointmentsRouter } from './modules/appointments/appointments.router.ts';
import { authRouter } from './modules/auth/auth.router.ts';
import { chatRouter } from './modules/chat/chat.router.ts';
import { clinicRouter } from './modules/clinic/clinic.router.ts';
import { clinicsRouter } from './modules/clinic/clinics.router.ts';
import { conversationsRouter } from './modules/conversations/conversations.router.ts';
import { insuranceRouter } from './modules/insurance/insurance.router.ts';
import { operatorRouter } from './modules/operator/operator.router.ts';
import { packagesRouter } from './modules/packages/packages.router.ts';
import { paymentsRouter } from './modules/payments/payments.router.ts';
import { physiciansRouter } from './modules/physicians/physicians.router.ts';
import { specialtiesRouter } from './modules/specialties/specialties.router.ts';
import { usersRouter } from './modules/users/users.router.ts';
import { whatsappRouter } from './modules/whatsapp/whatsapp.router.ts';
import { notificationsRouter } from './modules/notifications/notifications.router.ts';
import { devicesRouter } from './modules/devices/devices.router.ts';
import { webhooksRouter } from './modules/webhooks/webhooks.router.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  clinic: clinicRouter,
  clinics: clinicsRouter,
  specialties: specialtiesRouter,
  packages: packagesRouter,
  physicians: physiciansRouter,
  appointments: appointmentsRouter,
  payments: paymentsRouter,
  insurance: insuranceRouter,
  whatsapp: whatsappRouter,
  conversations: conversationsRouter,
  operator: operatorRouter,
  agenda: agendaRouter,
  notifications: notificationsRouter,
  devices: devicesRouter,
  webhooks: webhooksRouter,
  chat: chatRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls (the WhatsApp agent, jobs) through the very same procedures and guards. */
export const createCaller = createCallerFactory(appRouter);
