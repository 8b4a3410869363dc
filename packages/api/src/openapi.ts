import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { ERROR_STATUS } from '@clinic/contracts';
import { appRouter } from './router.ts';

type Json = Record<string, unknown>;
type Operation = Json & { security?: unknown[]; parameters?: unknown[]; requestBody?: unknown; responses: Record<string, unknown>; tags?: string[] };

const SECURITY_SCHEME = 'bearerAuth';

/** Every tag, described; a procedure with a tag not listed here still gets its tag declared (with a plain description). */
const TAGS: Record<string, string> = {
  auth: 'Registration, email verification, sign-in, token refresh and passwords. Public except `change-password`.',
  users: 'The signed-in account.',
  clinic: "The clinic's details, booking policies and the server clock. Public.",
  catalogue: 'Physicians (with their next free slot), free slots, specialties and medical packages. Public reads.',
  appointments: 'Booking, rescheduling and cancelling, the desk and physician steps, calendars and figures.',
  payments: 'Paying for a booking through Stripe, payments and receipts (JSON and PDF).',
  insurance: 'Insurance eligibility checks with an Emirates ID (stored encrypted, always shown masked).',
  whatsapp: "Linking the patient's WhatsApp number, and the staff side of conversations handed over by the assistant.",
  admin: 'Catalogue, schedules, booking policies and staff accounts. Admins only.',
  operator: "The platform operator's view of clinics: every clinic with its status, suspension and reactivation. Operators only.",
};

/** One response per error status, each carrying the shared `Error` body. */
const ERROR_RESPONSES: Record<string, { name: string; description: string }> = {
  '400': { name: 'BadRequest', description: 'The input is not valid (`VALIDATION_FAILED`): the message and `data.fieldErrors` name each field; or the body is not JSON.' },
  '401': { name: 'Unauthorized', description: 'No valid access token (`UNAUTHENTICATED`, `SESSION_EXPIRED`), or wrong credentials (`INVALID_CREDENTIALS`).' },
  '403': { name: 'Forbidden', description: 'Signed in, but not allowed (`FORBIDDEN`), the email is not verified yet (`EMAIL_NOT_VERIFIED`), or the clinic of this admin, staff member or doctor is suspended (`CLINIC_SUSPENDED`).' },
  '404': { name: 'NotFound', description: 'No such resource, or not one the caller may see (`NOT_FOUND`).' },
  '409': { name: 'Conflict', description: 'The state does not allow it (`SLOT_TAKEN`, `OVERLAPPING_APPOINTMENT`, `INVALID_TRANSITION`, `EMAIL_TAKEN`, `CONFLICT`).' },
  '413': { name: 'PayloadTooLarge', description: 'The request body is larger than the server accepts (`PAYLOAD_TOO_LARGE`).' },
  '415': { name: 'UnsupportedMediaType', description: 'The body is not `application/json` (`UNSUPPORTED_MEDIA_TYPE`).' },
  '422': { name: 'UnprocessableContent', description: 'Well-formed but refused by a rule (`SLOT_UNAVAILABLE`, `CANCELLATION_CLOSED`, `CODE_INVALID`, `CODE_EXPIRED`, `CODE_LOCKED`, `INVALID_EMIRATES_ID`); the message names the reason.' },
  '429': { name: 'TooManyRequests', description: 'Rate limited (`RATE_LIMITED`); retry after `Retry-After` seconds (also `data.retryAfter`).' },
  '500': { name: 'InternalServerError', description: 'A bug on our side (`INTERNAL`); quote `data.requestId` when reporting it.' },
  '502': { name: 'BadGateway', description: 'The payment provider or WhatsApp (Twilio) failed (`PAYMENT_PROVIDER_ERROR`, `WHATSAPP_SEND_FAILED`).' },
  '503': { name: 'ServiceUnavailable', description: 'A feature is not configured on this server (`PAYMENTS_NOT_CONFIGURED`, `WHATSAPP_NOT_CONFIGURED`).' },
};

/** The body of every error response, on every face (see `toErrorBody`). */
export const ERROR_SCHEMA = {
  type: 'object',
  title: 'Error',
  description: 'Every error has this shape. Switch on `data.appCode`; show `message`; `data.fieldErrors` names the fields of invalid input.',
  required: ['message', 'code', 'data'],
  additionalProperties: false,
  properties: {
    message: { type: 'string', description: 'What went wrong, for people.' },
    code: { type: 'string', enum: Object.keys(TRPC_ERROR_CODES_BY_KEY), description: 'The tRPC error code name.' },
    data: {
      type: 'object',
      required: ['appCode', 'httpStatus', 'requestId'],
      additionalProperties: false,
      properties: {
        appCode: { type: 'string', enum: Object.keys(ERROR_STATUS), description: 'The domain error code; clients switch on it.' },
        httpStatus: { type: 'integer', minimum: 400, maximum: 599 },
        fieldErrors: {
          type: 'object',
          description: 'Field path (`address.city`, `input` for the whole input) → messages, for invalid input.',
          additionalProperties: { type: 'array', items: { type: 'string' } },
        },
        retryAfter: { type: 'integer', minimum: 0, description: 'Seconds until a rate-limited call may be retried (also the `Retry-After` header).' },
        reason: {
          type: 'object',
          description:
            'Why, for machines, where the code has one: `INVALID_EMIRATES_ID` (`empty`, `bad_character` {character}, `length` {digits}, `prefix` {prefix}, `birth_year` {year, min, max}, `check_digit`), `CANCELLATION_CLOSED` (`cutoff` {hours}). Render it in your reader\'s language (contracts `renderErrorReason`); `message` is the English sentence.',
          required: ['code', 'params'],
          additionalProperties: false,
          properties: {
            code: { type: 'string' },
            params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
          },
        },
        requestId: { type: 'string', description: 'The request id (also the `x-request-id` response header).' },
      },
    },
  },
  examples: [
    {
      message: 'Invalid input: email must be a valid email address',
      code: 'BAD_REQUEST',
      data: { appCode: 'VALIDATION_FAILED', httpStatus: 400, fieldErrors: { email: ['must be a valid email address'] }, requestId: '5f0c6c1e-6a53-4c43-9a0e-3f8b8b0c2d11' },
    },
  ],
} as const;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const BODY_METHODS = new Set(['post', 'put', 'patch']);

function operationsOf(paths: Record<string, Record<string, unknown>>): { method: string; op: Operation }[] {
  return Object.values(paths).flatMap((item) => METHODS.filter((m) => item[m]).map((method) => ({ method, op: item[method] as Operation })));
}

/**
 * Makes the generated document say what the server does: one `Error` body on every error response
 * (trpc-to-openapi declares its own `{ message, code, issues }`), the statuses every operation can answer
 * (500; 400 with input; 401 with auth; 413/415 with a body), `security: []` on public operations, a license,
 * described tags, and the PDF receipt, a plain route. Works on any procedure, whatever router it is in.
 */
function finish(doc: Json & { paths: Record<string, Record<string, unknown>>; components: Json }) {
  const paths = doc.paths;
  const receipt = paths['/payments/{id}/receipt']?.['get'] as Operation | undefined;
  if (receipt) {
    paths['/payments/{id}/receipt.pdf'] = {
      get: {
        operationId: 'payments-receiptPdf',
        summary: 'Receipt as a PDF (the same receipt as /payments/{id}/receipt)',
        tags: ['payments'],
        security: [{ [SECURITY_SCHEME]: [] }],
        parameters: receipt.parameters,
        responses: {
          '200': {
            description: 'The receipt, `inline; filename="receipt-R-….pdf"`',
            headers: { 'Content-Disposition': { description: 'inline, with the file name', schema: { type: 'string' } } },
            content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } },
          },
          ...Object.fromEntries(Object.keys(receipt.responses).filter((s) => s !== '200').map((s) => [s, {}])),
        },
      },
    };
  }

  const used = new Set<string>();
  const tags = new Set<string>();
  for (const { method, op } of operationsOf(paths)) {
    // Public procedures (protect: false) come without `security`; the root requirement must not apply to them.
    op.security ??= [];
    const statuses = new Set(Object.keys(op.responses).filter((s) => Number(s) >= 400));
    statuses.add('500');
    if (op.security.length > 0) statuses.add('401');
    if (op.requestBody || op.parameters?.length) statuses.add('400');
    if (BODY_METHODS.has(method)) {
      statuses.add('413');
      statuses.add('415');
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(op.responses)) if (Number(status) < 400) responses[status] = response;
    for (const status of [...statuses].sort()) {
      const known = ERROR_RESPONSES[status];
      if (!known) throw new Error(`OpenAPI: no error response for status ${status}`);
      used.add(status);
      responses[status] = { $ref: `#/components/responses/${known.name}` };
    }
    op.responses = responses;
    for (const tag of op.tags ?? []) tags.add(tag);
  }

  const schemas = Object.fromEntries(Object.entries((doc.components['schemas'] ?? {}) as Json).filter(([name]) => !name.startsWith('error.')));
  doc.components = {
    ...doc.components,
    schemas: { ...schemas, Error: ERROR_SCHEMA },
    responses: Object.fromEntries(
      Object.entries(ERROR_RESPONSES)
        .filter(([status]) => used.has(status))
        .map(([status, { name, description }]) => [
          name,
          {
            description,
            ...(status === '429' ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } } } : {}),
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
    ),
  };
  doc['tags'] = [...Object.keys(TAGS).filter((t) => tags.has(t)), ...[...tags].filter((t) => !(t in TAGS))].map((name) => ({
    name,
    description: TAGS[name] ?? `Operations tagged ${name}.`,
  }));
  return doc;
}

export function buildOpenApiDocument(baseUrl: string) {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'Clinic Platform API',
    description:
      'REST face of the clinic platform. Every operation is the same tRPC procedure the app SDK and the WhatsApp assistant use. ' +
      'Send the access token from `POST /auth/login` as `Authorization: Bearer <token>`; operations with an empty `security` are public. ' +
      'Errors share one shape (`Error`): `{ message, code, data: { appCode, httpStatus, fieldErrors?, retryAfter?, requestId } }`.',
    version: '1.0.0',
    baseUrl,
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    securitySchemes: { [SECURITY_SCHEME]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  });
  const { openapi, info, servers, tags, paths, components } = finish(doc as unknown as Parameters<typeof finish>[0]);
  // Bearer auth unless an operation says otherwise (public ones carry `security: []`).
  return { openapi, info, servers, security: [{ [SECURITY_SCHEME]: [] }], tags, paths, components } as unknown as typeof doc;
}
