import type { AppointmentDoc, PhysicianDoc } from '@clinic/db';
import type { Actor } from '../../actor.ts';
import { AppError } from '../../errors.ts';

export type Relation = 'patient' | 'own_doctor' | 'staff' | 'none';

/** How the actor relates to an appointment; `physician` is the appointment's physician. */
export function relationTo(actor: Actor, appt: AppointmentDoc, physician: Pick<PhysicianDoc, 'userId'> | null): Relation {
  if (actor.role === 'staff' || actor.role === 'admin') return 'staff';
  if (actor.role === 'doctor' && physician?.userId?.toHexString() === actor.userId) return 'own_doctor';
  if (appt.patientId.toHexString() === actor.userId) return 'patient';
  return 'none';
}

export const canView = (r: Relation) => r !== 'none';
/** Patients cancel their own bookings (before the cutoff); the clinic side cancels any time. */
export const cancelsAs = (r: Relation): 'patient' | 'clinic' | null => (r === 'patient' ? 'patient' : r === 'none' ? null : 'clinic');
export const canReschedule = (r: Relation) => r !== 'none';
export const canConfirm = (r: Relation) => r === 'staff' || r === 'own_doctor';
export const canCheckIn = (r: Relation) => r === 'staff';
export const canComplete = (r: Relation, actor: Actor) => r === 'own_doctor' || actor.role === 'admin';

/** What the list views (calendar, statistics) show the actor: their own bookings, their own physician's, or the clinic's. */
export type ListScope = 'own_bookings' | 'own_physician' | 'clinic';
export const listScopeOf = (actor: Actor): ListScope =>
  actor.role === 'staff' || actor.role === 'admin' ? 'clinic' : actor.role === 'doctor' ? 'own_physician' : 'own_bookings';

/** The physician record of a doctor's login; naming another physician is FORBIDDEN (as for the agenda). */
export async function ownPhysicianOf(
  actor: Actor,
  requested: string | undefined,
  physicianOfUser: (userId: string) => Promise<PhysicianDoc | null>,
): Promise<PhysicianDoc> {
  const own = await physicianOfUser(actor.userId);
  if (!own) throw new AppError('NOT_FOUND', 'Your login is not linked to a physician.');
  if (requested && requested !== own._id.toHexString()) throw new AppError('FORBIDDEN', "Doctors see only their own physician's appointments.");
  return own;
}
