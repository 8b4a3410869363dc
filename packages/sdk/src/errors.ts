import { TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@clinic/api';
import type { ErrorData } from '@clinic/contracts';

/** An error the API answered with; `data.appCode` is what to switch on. */
export type ClinicError = TRPCClientError<AppRouter> & { readonly data: ErrorData & { path?: string } };

/** False for network failures and bugs, which carry no `appCode`. */
export function isClinicError(err: unknown): err is ClinicError {
  if (!(err instanceof TRPCClientError)) return false;
  const data: unknown = err.data;
  return typeof data === 'object' && data !== null && typeof (data as { appCode?: unknown }).appCode === 'string';
}
