import type { Actor } from './actor.ts';
import type { Services, UseCases } from './services.ts';

/** Re-exported for the procedure builders, which take both from here. */
export type { Actor } from './actor.ts';

export interface Context {
  actor: Actor | null;
  /** True when a bearer token was sent but is invalid or expired: the client should refresh. */
  tokenRejected: boolean;
  /** Why the bearer token was refused, when it was because the user's clinic is suspended. */
  tokenRejectedReason?: 'clinic_suspended';
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** The use cases only: this type is part of AppRouter, so of the SDK's declarations. */
  services: UseCases;
}

export interface ContextSource {
  authorization?: string | undefined;
  requestId: string;
  ip: string;
  userAgent?: string | undefined;
}

/** Builds the per-request context from transport-neutral facts; both HTTP faces call this. */
export async function createRequestContext(services: Services, src: ContextSource): Promise<Context> {
  const match = /^Bearer\s+(\S+)$/i.exec(src.authorization ?? '');
  const res = match?.[1] ? await services.auth.authenticateRequest(match[1]) : null;
  const claims = res && 'claims' in res ? res.claims : null;
  return {
    actor: claims,
    tokenRejected: !!match && !claims,
    ...(res && 'rejected' in res && res.rejected === 'clinic_suspended' ? { tokenRejectedReason: 'clinic_suspended' as const } : {}),
    requestId: src.requestId,
    ip: src.ip,
    userAgent: src.userAgent ?? null,
    services,
  };
}

/**
 * Context for server-side callers (createCaller) acting for a known user under the same rules. An actor given
 * without `clinicId` has none (the WhatsApp assistant acts for patients, who belong to no clinic).
 */
export function createInternalContext(
  services: Services,
  actor: (Omit<Actor, 'clinicId'> & { clinicId?: string | null }) | null,
  requestId: string,
  channel = 'internal',
): Context {
  return { actor: actor && { ...actor, clinicId: actor.clinicId ?? null, channel }, tokenRejected: false, requestId, ip: channel, userAgent: null, services };
}
