import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ERROR_STATUS, type ErrorCode, type ErrorData } from '@clinic/contracts';
import { AppError } from './errors.ts';

/**
 * The one error body of every face: tRPC (through the errorFormatter, with tRPC's numeric `code`),
 * REST procedures, the plain Fastify routes and the WhatsApp assistant's failures.
 */
export interface ErrorBody {
  message: string;
  /** The tRPC error code name, e.g. `BAD_REQUEST`; `data.appCode` is the finer domain code. */
  code: TRPC_ERROR_CODE_KEY;
  data: ErrorData;
}

/** The tRPC code an HTTP status is sent with (domain errors → TRPCError). */
export const TRPC_CODE_BY_STATUS: Readonly<Record<number, TRPC_ERROR_CODE_KEY>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
};

/** Domain code of a tRPC error raised outside our services (routing, body parsing, content type). */
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

const INTERNAL_MESSAGE = 'Something went wrong on our side.';

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

/**
 * Any error → the body the caller sees. Domain errors (`AppError`, bare or as a TRPCError's cause) keep
 * their code, message, field errors, retry delay and reason (code + parameters); a procedure's input that failed its zod schema is
 * `VALIDATION_FAILED` with one message naming the fields and `fieldErrors` (never the raw zod issues);
 * other tRPC errors keep their message; anything else (a failing output schema included) is a plain 500.
 */
export function toErrorBody(error: unknown, opts: { requestId?: string | undefined } = {}): ErrorBody {
  const trpc = error instanceof TRPCError ? error : null;
  const app = error instanceof AppError ? error : trpc?.cause instanceof AppError ? trpc.cause : null;
  // Only input errors are the caller's to fix; a failing output schema is our bug and stays a plain 500.
  const issues = trpc?.code === 'BAD_REQUEST' ? zodIssues(trpc.cause) : null;

  let appCode: ErrorCode;
  let httpStatus: number;
  let code: TRPC_ERROR_CODE_KEY;
  let message: string;
  let fieldErrors = app?.fieldErrors;
  if (app) {
    appCode = app.code;
    httpStatus = app.status;
    code = trpc?.code ?? TRPC_CODE_BY_STATUS[httpStatus] ?? 'INTERNAL_SERVER_ERROR';
    message = app.message;
  } else if (issues) {
    fieldErrors = fieldErrorsOf(issues);
    appCode = 'VALIDATION_FAILED';
    httpStatus = 400;
    code = 'BAD_REQUEST';
    message = describe(fieldErrors);
  } else if (trpc && getHTTPStatusCodeFromError(trpc) < 500) {
    // Raised outside our services (routing, body parsing, content type, wrong method): the caller's to fix.
    appCode = APP_CODE_BY_TRPC[trpc.code] ?? 'VALIDATION_FAILED';
    httpStatus = getHTTPStatusCodeFromError(trpc);
    code = trpc.code;
    message = trpc.message;
  } else {
    appCode = 'INTERNAL';
    httpStatus = trpc ? getHTTPStatusCodeFromError(trpc) : ERROR_STATUS.INTERNAL;
    code = trpc?.code ?? 'INTERNAL_SERVER_ERROR';
    message = INTERNAL_MESSAGE;
  }
  const data: ErrorData = {
    appCode,
    httpStatus,
    ...(fieldErrors ? { fieldErrors } : {}),
    ...(app?.retryAfter !== undefined ? { retryAfter: app.retryAfter } : {}),
    ...(app?.reason ? { reason: app.reason } : {}),
    ...(opts.requestId ? { requestId: opts.requestId } : {}),
  };
  return { message, code, data };
}
