import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorData } from '@clinic/contracts';

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over the 16 kB header limit,
 * bytes that are not HTTP, a request that never finishes arriving) answered in the one error shape, as
 * Fastify's own client-error handler does in its shape. There is no request yet, so the id is made here.
 */
export function handleClientError(err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'BAD_REQUEST', 'The request line or headers are too large (16 kB at most); send long input in a JSON body.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'TIMEOUT', 'The request took too long to arrive.']
        : [400, 'BAD_REQUEST', 'The request is not valid HTTP.'];
  const data: ErrorData = { appCode: 'VALIDATION_FAILED', httpStatus: status, requestId: randomUUID() };
  const body = JSON.stringify({ message, code, data });
  if (!socket.writable) return void socket.destroy(err);
  // end(), as Node's own default does: the answer is flushed before the connection closes.
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
