import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { appRouter, buildOpenApiDocument, createServices, type ApiDeps, type Services } from '@clinic/api';
import { webhooksDocument } from '@clinic/api';
import type { Database } from '@clinic/db';
import { handleClientError } from './client-errors.ts';
import { handleFastifyError, sendError } from './errors.ts';
import { registerRestFace, registerTrpcFace } from './faces.ts';
import { pinInputCoercion } from './input-coercion.ts';
import { registerRealtime } from './realtime.ts';
import { capJsonNesting } from './json-depth.ts';
import { AGENDA_EVENTS_PATH, agendaEventRoutes, agendaEventsPathItem } from './routes/agenda-events.ts';
import { CHAT_EVENTS_PATH, chatEventRoutes, chatEventsPathItem } from './routes/chat-events.ts';
import { INBOX_EVENTS_PATH, inboxEventRoutes, inboxEventsPathItem } from './routes/inbox-events.ts';
import { PAY_PATH, payPageRoutes } from './routes/pay.ts';
import { paymentRoutes } from './routes/payments.ts';
import { whatsappRoutes } from './routes/whatsapp.ts';
import type { WhatsAppAppOptions } from './whatsapp/transport.ts';

export interface AppOptions {
  deps: ApiDeps;
  database: Database;
  logger: Logger;
  corsOrigins: string[];
  bodyLimit: number;
  /** Deepest nesting of arrays/objects a JSON body (or a tRPC `input`) may have; deeper → 400. Default 32. */
  jsonMaxDepth?: number;
  /** Base URL written into the OpenAPI document's `servers`; Twilio's webhook signatures are checked against it. */
  publicBaseUrl: string;
  /** Twilio WhatsApp; none = its webhooks answer 503 WHATSAPP_NOT_CONFIGURED. */
  whatsapp?: WhatsAppAppOptions | null;
  /** Stripe publishable key for the payment page (`/pay/:id`); none = the page asks patients to pay at the clinic. */
  stripePublishableKey?: string | null | undefined;
  /** WS_MAX_PER_USER / WS_MAX_PER_IP: open WebSockets per user and per address (defaults 10 and 200). */
  realtimeLimits?: { maxPerUser?: number; maxPerIp?: number };
}

export const REST_PREFIX = '/api/v1';
/**
 * The deepest body any procedure takes has 7 levels (a physician update: body → patch → schedule → weekly →
 * day → intervals → interval), 9 inside tRPC's batch and superjson envelopes; 32 leaves room to grow
 * while staying far below where recursive code (JSON.stringify, validation, serialisers) runs out of stack.
 */
export const DEFAULT_JSON_MAX_DEPTH = 32;

const REQUEST_ID = /^[\w.-]{1,64}$/;

export async function buildApp(opts: AppOptions): Promise<{ app: FastifyInstance; services: Services }> {
  const services = createServices({ log: opts.logger, ...opts.deps });
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    // Bad percent-encoding and over-long path parameters, caught by the router, in the one error shape too.
    frameworkErrors: (err, req, reply) => handleFastifyError(err, req, reply),
    // …and so are requests Node's HTTP parser refuses (headers over 16 kB, bytes that are not HTTP).
    clientErrorHandler: handleClientError,
  });

  // While shutting down, responses ask keep-alive clients to hang up, so that close() is not held
  // open by idle sockets once in-flight requests are done.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Sends are at most once: one cut off by closing the database would stay claimed and never go out.
  app.addHook('onClose', async () => {
    await services.jobs.idle();
    await services.devices.idle();
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.setErrorHandler(handleFastifyError);
  app.setNotFoundHandler((req, reply) => sendError(reply, req, 'NOT_FOUND', `No route for ${req.method} ${req.url.split('?')[0]}`));

  // Input types stay as declared on every face although trpc-to-openapi switches coercion on (input-coercion.ts).
  pinInputCoercion(appRouter);
  capJsonNesting(app, opts.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH);

  await app.register(helmet, {
    // The docs page carries its own CSP (swagger-ui's staticCSP); the API only serves JSON.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  await app.register(cors, { origin: opts.corsOrigins.length ? opts.corsOrigins : false, credentials: false, maxAge: 600 });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await opts.database.ping();
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable' });
  });

  // WebSocket subscriptions upgrade GET /trpc; registered first, as the WebSocket plugin must precede its routes.
  await registerRealtime(app, services, { path: '/trpc', maxFrameBytes: opts.bodyLimit, jsonMaxDepth: opts.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH,
    ...opts.realtimeLimits });
  await registerTrpcFace(app, services);

  await paymentRoutes(app, { services, prefix: REST_PREFIX });
  const publishableKey = opts.stripePublishableKey ?? null;
  await payPageRoutes(app, { services, publishableKey });
  const wa = opts.whatsapp;
  wa?.attach(services);
  // Payment links only when the page can take the payment (Stripe on, publishable key set); else "pay in the app".
  const paymentLinkBase = publishableKey && opts.deps.payments.stripe ? `${opts.publicBaseUrl.replace(/\/+$/, '')}${PAY_PATH}` : undefined;
  await whatsappRoutes(app, {
    prefix: REST_PREFIX,
    publicBaseUrl: opts.publicBaseUrl,
    whatsapp: wa ? { authToken: wa.authToken, messenger: wa.messenger, store: wa.store, assistant: wa.createAssistant(services, { paymentLinkBase }), viaOf: wa.viaOf, clock: opts.deps.clock } : null,
  });

  const openApiDocument = buildOpenApiDocument(`${opts.publicBaseUrl}${REST_PREFIX}`);
  await agendaEventRoutes(app, { services, prefix: REST_PREFIX });
  openApiDocument.paths = { ...openApiDocument.paths, [AGENDA_EVENTS_PATH]: agendaEventsPathItem as never };
  await chatEventRoutes(app, { services, prefix: REST_PREFIX });
  openApiDocument.paths = { ...openApiDocument.paths, [CHAT_EVENTS_PATH]: chatEventsPathItem as never };
  await inboxEventRoutes(app, { services, prefix: REST_PREFIX });
  openApiDocument.paths = { ...openApiDocument.paths, [INBOX_EVENTS_PATH]: inboxEventsPathItem as never };
  // Outbound webhooks (OpenAPI 3.1 top-level `webhooks`), what clinics' endpoints receive; trpc-to-openapi maps only inbound calls.
  const outbound = webhooksDocument();
  Object.assign(openApiDocument, { webhooks: outbound.webhooks });
  const components = openApiDocument.components as { schemas?: Record<string, unknown> };
  components.schemas = { ...components.schemas, ...outbound.schemas };
  app.get(`${REST_PREFIX}/openapi.json`, async () => openApiDocument);

  await registerRestFace(app, services, { prefix: REST_PREFIX, bodyLimit: opts.bodyLimit });

  await app.register(swagger, { mode: 'static', specification: { document: openApiDocument as never } });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { persistAuthorization: true } });

  return { app, services };
}
