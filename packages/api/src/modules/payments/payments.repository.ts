import type { Payment, PaymentIntentResult } from '@clinic/contracts';
import { ObjectId, insertUnique, type Collections, type Filter, type PaymentDoc, type PaymentStatus } from '@clinic/db';
import { covers, inScope, type ClinicScope } from '../../scope.ts';

/** The document as the API shows it (string ids, ISO times). */
export function toPaymentDto(p: PaymentDoc): Payment {
  return {
    id: p._id.toHexString(),
    appointmentId: p.appointmentId.toHexString(),
    patientId: p.patientId.toHexString(),
    paymentIntentId: p.intentId,
    amount: p.amount,
    fullPrice: p.fullPrice,
    coverage: p.coverage,
    status: p.status,
    refund: p.refund ? { amount: p.refund.amount, reason: p.refund.reason, status: p.refund.status, requestedAt: p.refund.requestedAt.toISOString() } : null,
    history: p.history.map((h) => ({ status: h.status, at: h.at.toISOString(), note: h.note })),
    createdAt: p.createdAt.toISOString(),
  };
}

/** What the app needs to take the payment (Stripe's client secret), or to know it needs none. */
export const toIntentDto = (p: PaymentDoc): PaymentIntentResult => ({
  paymentId: p._id.toHexString(),
  paymentIntentId: p.intentId,
  clientSecret: p.clientSecret,
  checkoutToken: p.checkoutToken ?? null,
  stripeAccountId: p.stripeAccountId ?? null,
  amount: p.amount.amount,
  currency: 'AED',
  fullPrice: p.fullPrice,
  coverage: p.coverage,
  status: p.status,
});

/**
 * The payments of `scope`: every read and update ANDs the scope's `clinicId` into its filter (`where`), so another
 * clinic's payment is never found or changed through this repository. (Webhook events are not clinic-owned.)
 */
export function createPaymentsRepository(cols: Pick<Collections, 'payments' | 'webhookEvents'>, scope: ClinicScope) {
  const col = cols.payments;
  const where = (filter: Filter<PaymentDoc>): Filter<PaymentDoc> => inScope(scope, filter);
  return {
    reassignPatient: (from: ObjectId, to: ObjectId, now: Date) => col.updateMany(where({ patientId: from }), { $set: { patientId: to, updatedAt: now } }),
    /** Unique appointmentId: of two concurrent first requests one inserts, the other gets false. */
    async insert(doc: PaymentDoc): Promise<boolean> {
      if (!covers(scope, doc.clinicId)) throw new Error('A payment of another clinic cannot be stored through this scope.');
      return (await insertUnique(col, doc)).won;
    },
    byId: (id: string) => (ObjectId.isValid(id) ? col.findOne(where({ _id: new ObjectId(id) })) : Promise.resolve(null)),
    byAppointment: (appointmentId: ObjectId) => col.findOne(where({ appointmentId })),
    /**
     * The payment of a Stripe intent on one account (null: the platform's). Intent ids are unique only within an
     * account, so the account decides; it is compared here rather than in the filter because a null field may be
     * absent (older payments), and the indexed `intentId` equality is what FerretDB pushes down.
     */
    async byIntent(intentId: string, stripeAccountId: string | null): Promise<PaymentDoc | null> {
      const found = await col.find(where({ intentId })).limit(20).toArray();
      return found.find((p) => (p.stripeAccountId ?? null) === stripeAccountId) ?? null;
    },
    byCheckoutToken: (checkoutToken: string) => col.findOne(where({ checkoutToken })),
    /** For a payment from before tokens: the first token written is the one kept. */
    async ensureCheckoutToken(id: ObjectId, token: string): Promise<PaymentDoc | null> {
      await col.updateOne(where({ _id: id, checkoutToken: { $exists: false } }), { $set: { checkoutToken: token } });
      return col.findOne(where({ _id: id }));
    },
    listForPatient: (patientId: ObjectId) => col.find(where({ patientId })).sort({ createdAt: -1 }).limit(200).toArray(),

    /** Status change guarded by the current status; null when the payment was not in one of `from`. */
    setStatus(id: ObjectId, from: PaymentStatus[], to: PaymentStatus, at: Date, note: string | null, set: Partial<PaymentDoc> = {}) {
      return col.findOneAndUpdate(
        where({ _id: id, status: { $in: from } }),
        { $set: { status: to, updatedAt: at, ...set }, $push: { history: { status: to, at, note } } },
        { returnDocument: 'after' },
      );
    },

    /** Takes a webhook event: false when it was taken before (a replay). */
    async claimEvent(id: string, type: string, at: Date): Promise<boolean> {
      return (await insertUnique(cols.webhookEvents, { _id: id, type, receivedAt: at })).won;
    },
    /** Processing failed: give the event back so the provider's retry is processed. */
    releaseEvent: (id: string) => cols.webhookEvents.deleteOne({ _id: id }),
  };
}
export type PaymentsRepository = ReturnType<typeof createPaymentsRepository>;
