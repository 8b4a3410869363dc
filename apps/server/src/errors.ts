import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode, ErrorData } from '@clinic/contracts';

/** Errors raised by Fastify itself (before a procedure runs) in the same shape the procedures use. */
const FASTIFY_ERRORS: Record<string, { appCode: ErrorCode; code: string; message: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { appCode: 'VALIDATION_FAILED', code: 'PARSE_ERROR', message: () => 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { appCode: 'VALIDATION_FAILED', code: 'PARSE_ERROR', message: () => 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { appCode: 'PAYLOAD_TOO_LARGE', code: 'PAYLOAD_TOO_LARGE', message: () => 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { appCode: 'UNSUPPORTED_MEDIA_TYPE', code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'Unsupported content type; send application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { appCode: 'VALIDATION_FAILED', code: 'BAD_REQUEST', message: () => 'Content-Length does not match the body.' },
};

export function sendError(reply: FastifyReply, req: FastifyRequest, status: number, appCode: ErrorCode, code: string, message: string) {
  const data: ErrorData = { appCode, httpStatus: status, requestId: req.id };
  return reply.status(status).type('application/json').send({ message, code, data });
}

export function handleFastifyError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const known = err.code ? FASTIFY_ERRORS[err.code] : undefined;
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (known) return sendError(reply, req, status, known.appCode, known.code, known.message(err));
  if (status < 500) return sendError(reply, req, status, 'VALIDATION_FAILED', 'BAD_REQUEST', err.message);
  req.log.error({ err }, 'unhandled error');
  return sendError(reply, req, 500, 'INTERNAL', 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side.');
}
