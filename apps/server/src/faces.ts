import { TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import { AppError, appRouter, toErrorBody, type AppRouter, type Services } from '@clinic/api';
import { replyError, sendError } from './errors.ts';
import { requestContext, streamContext, wantsEventStream } from './request-context.ts';

/** A rate-limited call answers with Retry-After on both faces. */
function responseMeta({ errors }: { errors: TRPCError[] }) {
  const retryAfter = errors.map((e) => (e.cause instanceof AppError ? e.cause.retryAfter : undefined)).find((v) => v !== undefined);
  return retryAfter === undefined ? {} : { headers: { 'retry-after': String(retryAfter) } };
}

function logProcedureError(req: FastifyRequest | undefined, error: TRPCError, path: string | undefined) {
  if (error.code === 'INTERNAL_SERVER_ERROR') req?.log.error({ err: error.cause ?? error, path }, 'procedure failed');
}

/**
 * The procedures over tRPC at /trpc (the SDK's face). A subscription over server-sent events gets its context before
 * tRPC runs: tRPC would send a refusal from createContext as an event of a 200 stream, and one stream over the
 * per-user cap (`streamContext`) is to be refused with 429 before the stream opens.
 */
export async function registerTrpcFace(app: FastifyInstance, services: Services) {
  const streamContexts = new WeakMap<FastifyRequest, Awaited<ReturnType<typeof streamContext>>>();
  await app.register(async (face) => {
    face.addHook('preHandler', async (req, reply) => {
      if (req.method !== 'GET' || !wantsEventStream(req)) return;
      try {
        streamContexts.set(req, await streamContext(services, req, reply));
      } catch (err) {
        return replyError(reply, req, err);
      }
    });
    await face.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: ({ req }) => streamContexts.get(req) ?? requestContext(services, req),
        responseMeta,
        onError: ({ error, path, req }) => logProcedureError(req as FastifyRequest, error, path),
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>);
  });
}

/**
 * The procedures over REST under `prefix` (trpc-to-openapi). Its errors leave through the same translator as
 * tRPC's (toErrorBody): the adapter builds its own body ("Input validation failed" with the raw zod issues),
 * so the error it reports to onError replaces that body on the way out.
 */
export async function registerRestFace(app: FastifyInstance, services: Services, opts: { prefix: `/${string}`; bodyLimit: number }) {
  const restErrors = new WeakMap<FastifyRequest, TRPCError>();
  await app.register(async (rest) => {
    rest.addHook('onSend', async (req, reply, payload) => {
      const error = restErrors.get(req);
      if (!error) return payload;
      const body = toErrorBody(error, { requestId: req.id });
      void reply.status(body.data.httpStatus).type('application/json');
      return JSON.stringify(body);
    });
    // trpc-to-openapi spreads the body into the input, so `123`, `true`, `null` or `[]` would read as `{}` (for a PATCH
    // of optional fields: a 200 that changed nothing). Every REST body is a JSON object.
    rest.addHook('preHandler', async (req, reply) => {
      const json = /^application\/(?:[\w.+-]+\+)?json\b/i.test(req.headers['content-type'] ?? '');
      if (!json || req.body === undefined || (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body))) return;
      return sendError(reply, req, 'VALIDATION_FAILED', 'The request body must be a JSON object.');
    });
    await rest.register(fastifyTRPCOpenApiPlugin, {
      basePath: opts.prefix,
      router: appRouter,
      createContext: ({ req }: { req: FastifyRequest }) => requestContext(services, req),
      responseMeta,
      onError: ({ error, path, req }: { error: TRPCError; path?: string; req: unknown }) => {
        const request = req as FastifyRequest;
        restErrors.set(request, reworded(error, path, request, opts.prefix));
        logProcedureError(request, error, path);
      },
      maxBodySize: opts.bodyLimit,
    });
  });
}

/** trpc-to-openapi's own refusals, worded as the rest of the server words them. */
function reworded(error: TRPCError, path: string | undefined, req: FastifyRequest, prefix: `/${string}`): TRPCError {
  if (path === undefined && error.code === 'NOT_FOUND') {
    return new TRPCError({ code: 'NOT_FOUND', message: `No route for ${req.method} ${prefix}${req.url.split('?')[0]}` });
  }
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE' && !(error.cause instanceof AppError)) {
    return new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type; send application/json.' });
  }
  return error;
}
