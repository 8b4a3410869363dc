import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import {
  AppError,
  appRouter,
  buildOpenApiDocument,
  createServices,
  toErrorBody,
  type AppRouter,
  type ApiDeps,
  type Services,
} from '@clinic/api';
import type { Database } from '@clinic/db';
import { handleFastifyError, sendError } from './errors.ts';
import { handleClientError } from './client-errors.ts';
import { pinInputCoercion } from './input-coercion.ts';
import { JsonTooDeepError, jsonNestingExceeds } from './json-depth.ts';
import { requestContext } from './request-context.ts';
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
}

export const REST_PREFIX = '/api/v1';
/**
 * The deepest body any procedure takes has 7 levels (a physician update: body → patch → schedule → weekly →
 * day → intervals → interval), 9 inside tRPC's batch and superjson envelopes; 32 leaves room to grow
 * while staying far below where recursive code (JSON.stringify, validation, serialisers) runs out of stack.
 */
export const DEFAULT_JSON_MAX_DEPTH = 32;

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A rate-limited call answers with Retry-After on both faces. */
function responseMeta({ errors }: { errors: TRPCError[] }) {
  const retryAfter = errors.map((e) => (e.cause instanceof AppError ? e.cause.retryAfter : undefined)).find((v) => v !== undefined);
  return retryAfter === undefined ? {} : { headers: { 'retry-after': String(retryAfter) } };
}

function logProcedureError(req: FastifyRequest | undefined, error: TRPCError, path: string | undefined) {
  if (error.code === 'INTERNAL_SERVER_ERROR') req?.log.error({ err: error.cause ?? error, path }, 'procedure failed');
}

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
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.setErrorHandler(handleFastifyError);
  app.setNotFoundHandler((req, reply) => sendError(reply, req, 404, 'NOT_FOUND', 'NOT_FOUND', `No route for ${req.method} ${req.url.split('?')[0]}`));

  // JSON nesting cap on both faces. Every JSON body parsed by Fastify (REST and plain routes) is scanned
  // before JSON.parse (Fastify's own parser, with its prototype-poisoning checks, does the parsing); scopes
  // that need the raw body (the Stripe webhook) replace this parser. tRPC's plugin takes its body as text and
  // parses it itself, so /trpc is checked just before: the body, and a query's `input`.
  const jsonMaxDepth = opts.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH;
  // Input types stay as declared on every face although trpc-to-openapi switches coercion on (input-coercion.ts).
  pinInputCoercion(appRouter);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonNestingExceeds(body as string, jsonMaxDepth)) return done(new JsonTooDeepError(jsonMaxDepth), undefined);
    parseJson(req, body as string, done);
  });
  app.addHook('preValidation', async (req) => {
    if (typeof req.body === 'string' && /^application\/json\b/i.test(req.headers['content-type'] ?? '') && jsonNestingExceeds(req.body, jsonMaxDepth)) {
      throw new JsonTooDeepError(jsonMaxDepth);
    }
    const input = (req.query as Record<string, unknown> | null)?.input;
    if (typeof input === 'string' && req.url.startsWith('/trpc/') && jsonNestingExceeds(input, jsonMaxDepth)) {
      throw new JsonTooDeepError(jsonMaxDepth, 'request input');
    }
  });

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

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req }) => requestContext(services, req),
      responseMeta,
      onError: ({ error, path, req }) => logProcedureError(req as FastifyRequest, error, path),
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  await paymentRoutes(app, { services, prefix: REST_PREFIX });
  const publishableKey = opts.stripePublishableKey ?? null;
  await payPageRoutes(app, { services, publishableKey });
  const wa = opts.whatsapp;
  // Payment links only when the page can take the payment (Stripe on, publishable key set); else "pay in the app".
  const paymentLinkBase = publishableKey && opts.deps.payments.stripe ? `${opts.publicBaseUrl.replace(/\/+$/, '')}${PAY_PATH}` : undefined;
  await whatsappRoutes(app, {
    prefix: REST_PREFIX,
    publicBaseUrl: opts.publicBaseUrl,
    whatsapp: wa ? { authToken: wa.authToken, messenger: wa.messenger, store: wa.store, assistant: wa.createAssistant(services, { paymentLinkBase }), clock: opts.deps.clock } : null,
  });

  const openApiDocument = buildOpenApiDocument(`${opts.publicBaseUrl}${REST_PREFIX}`);
  app.get(`${REST_PREFIX}/openapi.json`, async () => openApiDocument);

  // REST errors leave through the same translator as tRPC's (toErrorBody): trpc-to-openapi builds its own body
  // ("Input validation failed" with the raw zod issues), so the error it reports to onError replaces that body.
  const restErrors = new WeakMap<FastifyRequest, TRPCError>();
  await app.register(async (rest) => {
    rest.addHook('onSend', async (req, reply, payload) => {
      const error = restErrors.get(req);
      if (!error) return payload;
      const body = toErrorBody(error, { requestId: req.id });
      void reply.status(body.data.httpStatus).type('application/json');
      return JSON.stringify(body);
    });
    await rest.register(fastifyTRPCOpenApiPlugin, {
      basePath: REST_PREFIX,
      router: appRouter,
      createContext: ({ req }: { req: FastifyRequest }) => requestContext(services, req),
      responseMeta,
      onError: ({ error, path, req }: { error: TRPCError; path?: string; req: unknown }) => {
        const request = req as FastifyRequest;
        // trpc-to-openapi's own refusals, worded as the rest of the server words them.
        const unrouted = path === undefined && error.code === 'NOT_FOUND';
        const mediaType = error.code === 'UNSUPPORTED_MEDIA_TYPE' && !(error.cause instanceof AppError);
        restErrors.set(
          request,
          unrouted
            ? new TRPCError({ code: 'NOT_FOUND', message: `No route for ${request.method} ${REST_PREFIX}${request.url.split('?')[0]}` })
            : mediaType
              ? new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type; send application/json.' })
              : error,
        );
        logProcedureError(request, error, path);
      },
      maxBodySize: opts.bodyLimit,
    });
  });

  await app.register(swagger, { mode: 'static', specification: { document: openApiDocument as never } });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { persistAuthorization: true } });

  return { app, services };
}
