import { ERROR_STATUS, type ErrorCode, type ErrorReason } from '@clinic/contracts';

/** A failure the caller can act on. Services throw these; the tRPC layer maps them to HTTP in one place. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfter: number | undefined;
  readonly fieldErrors: Record<string, string[]> | undefined;
  /** The reason as a code with parameters, for clients that say it in their reader's language. */
  readonly reason: ErrorReason | undefined;

  constructor(code: ErrorCode, message: string, extra: { retryAfter?: number; fieldErrors?: Record<string, string[]>; reason?: ErrorReason } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = extra.retryAfter;
    this.fieldErrors = extra.fieldErrors;
    this.reason = extra.reason;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
