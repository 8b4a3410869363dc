import type { AppointmentDoc, PhysicianDoc } from '@clinic/db';
import type { Actor } from '../../context.ts';

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
