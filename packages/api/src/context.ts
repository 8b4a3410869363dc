import type { Role } from '@clinic/contracts';
import type { Services } from './services.ts';

export interface Actor {
  userId: string;
  role: Role;
  /** The login session behind a bearer token; null for server-side callers (e.g. the WhatsApp agent). */
  sessionId: string | null;
  /** Where a server-side caller acts from (`whatsapp` for the assistant); absent for the app and REST. */
  channel?: string;
}

/**
 * The actor acts in a chat whose own reply tells the patient the outcome (the WhatsApp assistant's "✅ Booked"),
 * so a separate message about the same change would say it twice.
 */
export const repliesInChat = (actor: Actor | null | undefined): boolean => actor?.channel === 'whatsapp';

export interface Context {
  actor: Actor | null;
  /** True when a bearer token was sent but is invalid or expired: the client should refresh. */
  tokenRejected: boolean;
  requestId: string;
  ip: string;
  userAgent: string | null;
  services: Services;
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
  const claims = match?.[1] ? await services.auth.authenticate(match[1]) : null;
  return {
    actor: claims,
    tokenRejected: !!match && !claims,
    requestId: src.requestId,
    ip: src.ip,
    userAgent: src.userAgent ?? null,
    services,
  };
}

/** Context for server-side callers (createCaller) acting for a known user under the same rules. */
export function createInternalContext(services: Services, actor: Actor | null, requestId: string, channel = 'internal'): Context {
  return { actor: actor && { ...actor, channel }, tokenRejected: false, requestId, ip: channel, userAgent: null, services };
}
