/**
 * Domain error codes. Services throw them, the API maps each to one HTTP status,
 * clients switch on them. Adding a code means adding its status here.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  SESSION_EXPIRED: 401,
  EMAIL_NOT_VERIFIED: 403,
  FORBIDDEN: 403,
  CLINIC_SUSPENDED: 403,
  NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  CONFLICT: 409,
  SLOT_TAKEN: 409,
  OVERLAPPING_APPOINTMENT: 409,
  INVALID_TRANSITION: 409,
  SLOT_UNAVAILABLE: 422,
  CANCELLATION_CLOSED: 422,
  CODE_INVALID: 422,
  CODE_EXPIRED: 422,
  CODE_LOCKED: 422,
  INVALID_EMIRATES_ID: 422,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  PAYMENTS_NOT_CONFIGURED: 503,
  PAYMENT_PROVIDER_ERROR: 502,
  WHATSAPP_SEND_FAILED: 502,
  WHATSAPP_NOT_CONFIGURED: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * Why a refusal happened, for machines: a code (scoped by the error's `appCode`) and its parameters, e.g.
 * `INVALID_EMIRATES_ID` → `{ code: 'length', params: { digits: 14 } }`. Clients render it in their reader's
 * language (`renderErrorReason`); `message` stays the English sentence.
 */
export interface ErrorReason {
  code: string;
  params: Record<string, string | number>;
}

/** The `data` part of every error response, on both faces. */
export interface ErrorData {
  appCode: ErrorCode;
  httpStatus: number;
  /** Field path → messages, for validation errors. */
  fieldErrors?: Record<string, string[]>;
  /** Seconds until a rate-limited call may be retried. */
  retryAfter?: number;
  /** The machine-readable reason, where the code has one (`INVALID_EMIRATES_ID`, `CANCELLATION_CLOSED`). */
  reason?: ErrorReason;
  requestId?: string;
}
