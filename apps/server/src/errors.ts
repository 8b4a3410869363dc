import { TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toErrorBody, type ErrorBody } from '@clinic/api';
import type { ErrorCode } from '@clinic/contracts';

/** Errors raised by Fastify itself (before a procedure runs), as the domain errors they are. */
const FASTIFY_ERRORS: Record<string, { appCode: ErrorCode; code: TRPC_ERROR_CODE_KEY; message: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { appCode: 'VALIDATION_FAILED', code: 'PARSE_ERROR', message: () => 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { appCode: 'VALIDATION_FAILED', code: 'PARSE_ERROR', message: () => 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { appCode: 'PAYLOAD_TOO_LARGE', code: 'PAYLOAD_TOO_LARGE', message: () => 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { appCode: 'UNSUPPORTED_MEDIA_TYPE', code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'Unsupported content type; send application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { appCode: 'VALIDATION_FAILED', code: 'BAD_REQUEST', message: () => 'Content-Length does not match the body.' },
};

/** Any error as the one error body (`toErrorBody`, shared with the procedures), with its status and the request id. */
export function replyError(reply: FastifyReply, req: FastifyRequest, err: unknown) {
  const body = toErrorBody(err, { requestId: req.id });
  if (body.data.httpStatus >= 500) req.log.error({ err }, 'request failed');
  if (body.data.retryAfter !== undefined) void reply.header('retry-after', String(body.data.retryAfter));
  return reply.status(body.data.httpStatus).type('application/json').send(req.url.startsWith('/trpc/') ? trpcEnvelope(req.url, body) : body);
}

/**
 * On /trpc, an error raised before tRPC runs (body limit, content type, nesting cap) goes out in tRPC's own
 * envelope — superjson's `{ json }`, the numeric code, one entry per call of a batch — so the SDK reads it as it
 * reads a procedure's error.
 */
function trpcEnvelope(url: string, body: ErrorBody) {
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  const entry = { error: { json: { ...body, code: TRPC_ERROR_CODES_BY_KEY[body.code] } } };
  if (searchParams.get('batch') !== '1') return entry;
  return pathname.slice('/trpc/'.length).split(',').map(() => entry);
}

/** A domain error of a plain route (or of Fastify itself), its status from `appCode`; `code` when not the status's own. */
export function sendError(reply: FastifyReply, req: FastifyRequest, appCode: ErrorCode, message: string, code?: TRPC_ERROR_CODE_KEY) {
  const error = new AppError(appCode, message);
  return replyError(reply, req, code ? new TRPCError({ code, message, cause: error }) : error);
}

const HTTP_TO_TRPC: Record<number, TRPC_ERROR_CODE_KEY> = { 404: 'NOT_FOUND', 405: 'METHOD_NOT_SUPPORTED', 408: 'TIMEOUT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'TOO_MANY_REQUESTS' };

export function handleFastifyError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const known = err.code ? FASTIFY_ERRORS[err.code] : undefined;
  if (known) return sendError(reply, req, known.appCode, known.message(err), known.code);
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  // Other 4xx from Fastify or a plugin: the caller's to fix, under Fastify's message. Anything else is a 500.
  if (status < 500) return replyError(reply, req, new TRPCError({ code: HTTP_TO_TRPC[status] ?? 'BAD_REQUEST', message: err.message }));
  return replyError(reply, req, err);
}
