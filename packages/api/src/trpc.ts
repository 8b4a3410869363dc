import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ERROR_STATUS, type ErrorCode, type ErrorData, type Role } from '@clinic/contracts';
import type { Actor, Context } from './context.ts';
import { AppError } from './errors.ts';

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
};

const APP_CODE_BY_TRPC: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  PARSE_ERROR: 'VALIDATION_FAILED',
  BAD_REQUEST: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
};

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

function zodIssues(cause: unknown): Issue[] | null {
  return cause instanceof Error && cause.name === 'ZodError' && Array.isArray((cause as { issues?: unknown }).issues)
    ? (cause as unknown as { issues: Issue[] }).issues
    : null;
}

/** `{ "address.city": ["is required"] }`; unknown keys are reported under their own name. */
export function fieldErrorsOf(issues: Issue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (path: string, msg: string) => (out[path || 'input'] ??= []).push(msg);
  for (const issue of issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) add(base ? `${base}.${key}` : key, 'is not a known field');
    } else {
      add(base, issue.message);
    }
  }
  return out;
}

function describe(fieldErrors: Record<string, string[]>): string {
  return (
    'Invalid input: ' +
    Object.entries(fieldErrors)
      .map(([field, msgs]) => `${field} ${msgs.join(', ')}`)
      .join('; ')
  );
}

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    transformer: superjson,
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const app = error.cause instanceof AppError ? error.cause : null;
      // Only input errors are the caller's to fix; a failing output schema is our bug and stays a plain 500.
      const issues = error.code === 'BAD_REQUEST' ? zodIssues(error.cause) : null;
      const fieldErrors = app?.fieldErrors ?? (issues ? fieldErrorsOf(issues) : undefined);
      const appCode: ErrorCode = app?.code ?? (issues ? 'VALIDATION_FAILED' : (APP_CODE_BY_TRPC[error.code] ?? 'INTERNAL'));
      const message =
        app?.message ??
        (fieldErrors ? describe(fieldErrors) : appCode === 'INTERNAL' ? 'Something went wrong on our side.' : error.message);
      const data: ErrorData & { path?: string } = {
        appCode,
        httpStatus: shape.data.httpStatus,
        ...(shape.data.path ? { path: shape.data.path } : {}),
        ...(fieldErrors ? { fieldErrors } : {}),
        ...(app?.retryAfter !== undefined ? { retryAfter: app.retryAfter } : {}),
        ...(ctx?.requestId ? { requestId: ctx.requestId } : {}),
      };
      return { message, code: shape.code, data };
    },
  });

/** Turns domain errors into tRPC errors with the right status, once, for every procedure. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const app = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE_BY_STATUS[ERROR_STATUS[app.code]] ?? 'INTERNAL_SERVER_ERROR', message: app.message, cause: app });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) {
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
