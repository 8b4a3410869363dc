import type { PaymentDoc } from '@clinic/db';
import type { Actor } from '../../actor.ts';

/**
 * How much of a paid booking goes back when it is cancelled: everything when the clinic cancels,
 * everything when the patient cancels before the cutoff, nothing after it.
 */
export function refundOnCancel(paid: number, cancelledBy: 'patient' | 'clinic', startsAt: Date, cancelledAt: Date, cutoffHours: number): number {
  if (cancelledBy === 'clinic') return paid;
  return startsAt.getTime() - cancelledAt.getTime() >= cutoffHours * 3_600_000 ? paid : 0;
}

/** A patient sees their own payments; staff and admins see all; doctors none. */
export const canSeePayment = (actor: Actor, payment: Pick<PaymentDoc, 'patientId'>) =>
  actor.role === 'staff' || actor.role === 'admin' || payment.patientId.toHexString() === actor.userId;

/** Insured patients pay their co-pay share, rounded to the fils. */
export const patientShare = (fullPrice: number, copayPercent: number | null) => (copayPercent === null ? fullPrice : Math.round((fullPrice * copayPercent) / 100));
