import { ObjectId } from '@clinic/db';
import type { Actor } from './actor.ts';
import { AppError } from './errors.ts';

/**
 * Which clinic's records a repository of a clinic-owned collection (appointments, payments, medical packages,
 * physicians) may read and change.
 * A repository is created with one and ANDs it into every filter it sends, so no call site can forget it:
 *
 * - `{ clinicId }` — staff, doctors and admins: their own clinic's records only; another clinic's record is not found.
 * - `ANY_CLINIC` — said explicitly by the paths that are not a clinic's: patients (platform accounts, whose own
 *   records are checked by the ownership policies) and the system (jobs, webhooks, the WhatsApp merge, booking,
 *   which takes the physician's clinic) and the public catalogue (every clinic's packages and physicians).
 */
export type ClinicScope = { readonly kind: 'clinic'; readonly clinicId: ObjectId } | { readonly kind: 'any_clinic' };

export const ANY_CLINIC: ClinicScope = Object.freeze({ kind: 'any_clinic' });

export const clinicScope = (clinicId: ObjectId): ClinicScope => Object.freeze({ kind: 'clinic', clinicId });

/**
 * The filter `filter` restricted to `scope`: `clinicId` first (the indexes lead with it, and FerretDB pushes a
 * top-level equality down) and set last, so a `clinicId` in `filter` cannot widen the scope.
 */
export function inScope<F extends object>(scope: ClinicScope, filter: F): F {
  if (scope.kind === 'any_clinic') return filter;
  const out: Record<string, unknown> = { clinicId: scope.clinicId, ...filter };
  out.clinicId = scope.clinicId;
  return out as F;
}

/** Whether a record of clinic `clinicId` lies within `scope` (for what a repository writes rather than filters). */
export const covers = (scope: ClinicScope, clinicId: ObjectId | null | undefined): boolean =>
  scope.kind === 'any_clinic' || (!!clinicId && scope.clinicId.equals(clinicId));

/**
 * The scope of an actor's use case: patients act across clinics (their own records, checked by ownership); staff,
 * doctors and admins act in their clinic — for a token signed before the claim, the platform's first clinic
 * (`firstClinic`, i.e. `clinic.current()`), never every clinic. The platform operator steers clinics but acts on
 * no clinic's records: 403.
 */
export async function scopeOf(actor: Actor, firstClinic: () => Promise<{ _id: ObjectId }>): Promise<ClinicScope> {
  if (actor.role === 'patient') return ANY_CLINIC;
  if (actor.role === 'operator') throw new AppError('FORBIDDEN', "The platform operator does not act on a clinic's records.");
  if (actor.clinicId !== null && ObjectId.isValid(actor.clinicId)) return clinicScope(new ObjectId(actor.clinicId));
  return clinicScope((await firstClinic())._id);
}
