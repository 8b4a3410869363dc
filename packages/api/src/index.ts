export { appRouter, createCaller, type AppRouter } from './router.ts';
export { createServices, type Services } from './services.ts';
export { createRequestContext, createInternalContext, type Context, type ContextSource } from './context.ts';
export type { Actor } from './actor.ts';
export {
  DEFAULT_AUTH_SETTINGS,
  emailNotifier,
  type ApiDeps,
  type AuthSettings,
  type InsuranceSettings,
  type Mailer,
  type MailMessage,
  type Notification,
  type Notifier,
  type Recipient,
  type RateLimits,
} from './deps.ts';
export { AppError } from './errors.ts';
export { toErrorBody, type ErrorBody } from './error-body.ts';
export { systemClock, type Clock } from './clock.ts';
export { hashPassword } from './security/passwords.ts';
export { createCounterRateLimiter, type WindowCounters } from './security/rate-limit.ts';
export { buildOpenApiDocument } from './openapi.ts';
export { createInProcessBus, type EventBus, type EventNote, type StoredEvent } from './events/bus.ts';
export { createInProcessVersions, type VersionStore } from './events/versions.ts';
export { EVENT_RETENTION, createEventStore } from './events/event-store.ts';
export { broadcastEncoder, shareSerialized } from './events/serialized.ts';
export { AgendaSubscriptionInput } from './modules/agenda/agenda.router.ts';
export { AGENDA_EVENT_KINDS } from './modules/agenda/agenda.events.ts';
export type { AgendaEvent } from './modules/agenda/agenda.service.ts';
export { webhooksDocument } from './modules/webhooks/webhooks.openapi.ts';
export { WEBHOOK_EVENT_TYPES } from './modules/webhooks/webhooks.events.ts';
export { signatureOf } from './modules/webhooks/webhooks.delivery.ts';
export { WEBHOOK_RETRY } from './modules/webhooks/webhooks.service.ts';
export { assertOwnerOr } from './policy.ts';
export { createHttpInsuranceProvider, type EligibilityAnswer, type InsuranceProvider } from './modules/insurance/insurance.provider.ts';
export { INSURANCE_CACHE_MS, type Coverage, type InsuranceService } from './modules/insurance/insurance.service.ts';
export { createStripeClient } from './modules/payments/stripe-client.ts';
export type { CheckoutInfo } from './modules/payments/payments.service.ts';
export { createLinkedNumbers } from './modules/whatsapp/whatsapp.service.ts';
export { createMessageLog, inboxStream, MAX_USER_TURNS, staffHours, type ConversationsService, type InboundMessageIn, type MessageLog } from './modules/conversations/conversations.service.ts';
export type { Conversation, ConversationMessage, OutboundRecord, PendingAction } from './modules/conversations/conversations.repository.ts';
export { createExpoPushSender, EXPO_PUSH_URL } from './modules/devices/expo-push.ts';
export type { PushMessage, PushResult, PushSender } from './deps.ts';
export type { WhatsAppOutbound } from './deps.ts';
export type { NotificationEvent } from '@clinic/contracts';
