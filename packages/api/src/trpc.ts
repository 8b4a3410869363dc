import { initTRPC, tracked, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { type Role } from '@clinic/contracts';
import type { Actor, Context } from './context.ts';
import { TRPC_CODE_BY_STATUS, toErrorBody } from './error-body.ts';
import { AppError } from './errors.ts';
import { mapFollow } from './events/event-store.ts';
import { broadcastTransformer } from './events/serialized.ts';

export { fieldErrorsOf } from './error-body.ts';

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    // superjson, with an event shared by many subscribers serialized once (events/serialized.ts).
    transformer: broadcastTransformer,
    isDev: false,
    // Subscriptions over server-sent events: a comment every 15 s keeps proxies from closing a quiet stream, and
    // the client reconnects (with its last event id) when it has heard nothing, not even a ping, for 40 s.
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
    errorFormatter({ shape, error, ctx }) {
      // The same body as REST and the plain routes (toErrorBody), with tRPC's numeric code and the procedure path.
      const body = toErrorBody(error, { requestId: ctx?.requestId });
      return { message: body.message, code: shape.code, data: { ...body.data, ...(shape.data.path ? { path: shape.data.path } : {}) } };
    },
  });

/** Turns domain errors into tRPC errors with the right status, once, for every procedure. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const app = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE_BY_STATUS[app.status] ?? 'INTERNAL_SERVER_ERROR', message: app.message, cause: app });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) {
    if (ctx.tokenRejectedReason === 'clinic_suspended') {
      throw new AppError('CLINIC_SUSPENDED', 'Your clinic is suspended by the platform: its staff, doctors and admins cannot use the API until it is reactivated.');
    }
    throw ctx.tokenRejected
      ? new AppError('SESSION_EXPIRED', 'Your access token is invalid or expired. Refresh it or sign in again.')
      : new AppError('UNAUTHENTICATED', 'Sign in to use this.');
  }
  return next({ ctx: { ...ctx, actor: ctx.actor as Actor } });
});

/** Only these roles may call the procedure (403 for anyone else who is signed in). */
export function roleProcedure(...roles: Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.actor.role)) throw new AppError('FORBIDDEN', 'Your role is not allowed to do this.');
    return next();
  });
}

/**
 * A followed stream's events as a subscription's values, each `tracked` with its id so a client that reconnects
 * resumes after the last one it saw. Mapped without an async generator: one per subscriber adds up at 10,000.
 */
export function trackedEvents<E>(events: AsyncIterable<{ id: string; event: E }>) {
  return mapFollow(events[Symbol.asyncIterator](), ({ id, event }) => tracked(id, event));
}
