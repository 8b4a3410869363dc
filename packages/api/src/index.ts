export { appRouter, createCaller, type AppRouter } from './router.ts';
export { createServices, type Services } from './services.ts';
export { createRequestContext, createInternalContext, type Context, type Actor, type ContextSource } from './context.ts';
export { DEFAULT_AUTH_SETTINGS, type ApiDeps, type AuthSettings, type Mailer, type MailMessage, type RateLimits } from './deps.ts';
export { AppError } from './errors.ts';
export { systemClock, type Clock } from './clock.ts';
export { hashPassword } from './security/passwords.ts';
export { buildOpenApiDocument } from './openapi.ts';
export { assertOwnerOr } from './policy.ts';
