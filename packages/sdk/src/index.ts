import type { AppRouter } from '@clinic/api';
import type { TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTokenClient, type ClinicClientOptions } from './client.ts';

export type { AppRouter } from '@clinic/api';
export type { ClinicClientOptions, EventSourceClass, EventSourceFetch, FetchLike } from './client.ts';
export { createRefreshLink, isUnauthorizedError, type RefreshLinkOptions } from './refresh-link.ts';
export { isClinicError, type ClinicError } from './errors.ts';
export * from '@clinic/contracts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type ClinicClient = TRPCClient<AppRouter>;

/**
 * The typed client of the clinic API: `client.users.me.query()`, `client.auth.login.mutate(...)`.
 * An expired access token is refreshed once per burst of failures and the failed calls retried.
 */
export function createClinicClient(options: ClinicClientOptions): ClinicClient {
  return createTokenClient<AppRouter>(options, (plain, refreshToken) => plain.auth.refresh.mutate({ refreshToken }));
}
