import type { ApiDeps } from './deps.ts';
import { createAuthService } from './modules/auth/auth.service.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { createRateLimiter } from './security/rate-limit.ts';

/** Every use case, wired once at start-up; procedures reach them through the context. */
export function createServices(deps: ApiDeps) {
  const rateLimiter = createRateLimiter(deps.db.cols, deps.clock);
  return {
    clock: deps.clock,
    rateLimiter,
    auth: createAuthService(deps, rateLimiter),
    users: createUsersService(deps),
  };
}
export type Services = ReturnType<typeof createServices>;
