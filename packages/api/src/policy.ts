import type { Actor } from './actor.ts';
import { AppError } from './errors.ts';

/**
 * Ownership rule shared by every module: a record's owner may touch it; staff roles listed in
 * `staffRoles` may too. Anyone else gets NOT_FOUND, so ids of other people's records reveal nothing.
 */
export function assertOwnerOr(actor: Actor, ownerId: string, staffRoles: Actor['role'][] = ['staff', 'admin']): void {
  if (actor.userId === ownerId || staffRoles.includes(actor.role)) return;
  throw new AppError('NOT_FOUND', 'Not found.');
}
