import type { Appointment } from '@clinic/contracts';
import { ObjectId, insertUnique, writeUnique, type AppointmentDoc, type AppointmentStatus, type Collections, type Filter } from '@clinic/db';
import { toZonedIso } from '@clinic/scheduling';
import { covers, inScope, type ClinicScope } from '../../scope.ts';

/** Statuses whose appointment occupies its slot. */
export const HOLDING: AppointmentStatus[] = ['pending_payment', 'confirmed', 'checked_in', 'completed', 'no_show'];

export const slotKeyOf = (physicianId: ObjectId, start: Date) => `${physicianId.toHexString()}|${start.toISOString()}`;
export const patientSlotKeyOf = (patientId: ObjectId, start: Date) => `${patientId.toHexString()}|${start.toISOString()}`;
export const releasedKey = (id: ObjectId) => `released|${id.toHexString()}`;

/** The lists of a patient's own bookings. */
export type PatientScope = 'upcoming' | 'past' | 'cancelled';

const PATIENT_SCOPES: Record<PatientScope, (now: Date) => { filter: Filter<AppointmentDoc>; order: 1 | -1 }> = {
  upcoming: (now) => ({ filter: { status: { $in: ['pending_payment', 'confirmed', 'checked_in'] }, endsAt: { $gt: now } }, order: 1 }),
  past: (now) => ({ filter: { status: { $in: ['completed', 'no_show', 'confirmed', 'checked_in'] }, endsAt: { $lte: now } }, order: -1 }),
  cancelled: () => ({ filter: { status: { $in: ['cancelled', 'expired'] } }, order: -1 }),
};

/** A booking as the service decides it; the repository adds the slot keys, the history and the timestamps. */
export type NewAppointment = Omit<AppointmentDoc, '_id' | 'slotKey' | 'patientSlotKey' | 'reminderSentAt' | 'cancellation' | 'history' | 'createdAt' | 'updatedAt'>;

export type ClaimResult = 'ok' | 'slot_taken' | 'patient_busy';

/** The history note of a reschedule, followed by the old start's ISO time (the confirmation says "moved" after it). */
export const RESCHEDULED_NOTE = 'rescheduled from ';

export interface Transition {
  from: AppointmentStatus[];
  to: AppointmentStatus;
  at: Date;
  /** null for the system (jobs, webhooks). */
  by: ObjectId | null;
  set?: Partial<AppointmentDoc>;
  release?: boolean;
  guard?: Filter<AppointmentDoc>;
  note?: string;
}

/** The document as the API shows it: string ids, times in the clinic's zone `tz`. */
export function toAppointmentDto(a: AppointmentDoc, tz: string): Appointment {
  return {
    id: a._id.toHexString(),
    physicianId: a.physicianId.toHexString(),
    physicianName: a.physicianName,
    physicianNameAr: a.physicianNameAr ?? a.physicianName,
    patientId: a.patientId.toHexString(),
    patient: a.patient,
    start: toZonedIso(a.startsAt, tz),
    end: toZonedIso(a.endsAt, tz),
    status: a.status,
    reason: a.reason,
    packageId: a.packageId?.toHexString() ?? null,
    price: a.price,
    holdExpiresAt: a.holdExpiresAt?.toISOString() ?? null,
    cancellation: a.cancellation ? { by: a.cancellation.by, reason: a.cancellation.reason, at: a.cancellation.at.toISOString() } : null,
    createdAt: a.createdAt.toISOString(),
  };
}

/** The collection's unique keys: a physician's start and a patient's start. */
const CLAIM_KEYS = ['slotKey', 'patientSlotKey'] as const;

/** What a refusal by one of the keys means; the physician's slot when the refusing key is not named. */
const refusal = (key: (typeof CLAIM_KEYS)[number] | null): Exclude<ClaimResult, 'ok'> => (key === 'patientSlotKey' ? 'patient_busy' : 'slot_taken');

/**
 * The appointments of `scope`: every read and update below ANDs the scope's `clinicId` into its filter (`where`),
 * so another clinic's appointment is never found, listed or changed through this repository.
 */
export function createAppointmentsRepository(cols: Pick<Collections, 'appointments'>, scope: ClinicScope) {
  const col = cols.appointments;
  const where = (filter: Filter<AppointmentDoc>): Filter<AppointmentDoc> => inScope(scope, filter);

  /**
   * Status change guarded by the current status (and `guard`), in one update; `release` also frees the
   * slot keys. Returns the updated document, or null when the appointment no longer qualified.
   */
  const transition = (id: ObjectId, t: Transition) =>
    col.findOneAndUpdate(
      where({ ...t.guard, _id: id, status: { $in: t.from } }),
      {
        $set: {
          status: t.to,
          updatedAt: t.at,
          ...t.set,
          ...(t.release ? { slotKey: releasedKey(id), patientSlotKey: releasedKey(id), holdExpiresAt: null, reminderDueAt: null, confirmationDueAt: null } : {}),
        },
        $push: { history: { status: t.to, at: t.at, by: t.by, ...(t.note ? { note: t.note } : {}) } },
      },
      { returnDocument: 'after' },
    );

  return {
    /**
     * Stores a new booking, holding its slot keys. The insert IS the claim: the unique slotKey and patientSlotKey
     * make the database refuse a second one for the physician's or the patient's start.
     */
    async claim(a: NewAppointment, now: Date): Promise<{ claimed: ClaimResult; doc: AppointmentDoc }> {
      if (!covers(scope, a.clinicId)) throw new Error('An appointment of another clinic cannot be stored through this scope.');
      const doc: AppointmentDoc = {
        _id: new ObjectId(),
        ...a,
        slotKey: slotKeyOf(a.physicianId, a.startsAt),
        patientSlotKey: patientSlotKeyOf(a.patientId, a.startsAt),
        reminderSentAt: null,
        cancellation: null,
        history: [{ status: a.status, at: now, by: a.patientId }],
        createdAt: now,
        updatedAt: now,
      };
      const res = await insertUnique(col, doc, CLAIM_KEYS);
      return { claimed: res.won ? 'ok' : refusal(res.refusedBy), doc };
    },
    findById: (id: string) => (ObjectId.isValid(id) ? col.findOne(where({ _id: new ObjectId(id) })) : Promise.resolve(null)),

    /**
     * Busy intervals of these physicians that overlap [from, to). One physician is an equality, not `$in`:
     * FerretDB pushes only top-level equalities down to its storage (the rest is filtered after decoding).
     */
    busyFor(physicianIds: ObjectId[], from: Date, to: Date) {
      return col
        .find(
          where({ physicianId: physicianIds.length === 1 ? physicianIds[0]! : { $in: physicianIds }, status: { $in: HOLDING }, startsAt: { $lt: to }, endsAt: { $gt: from } }),
          { projection: { physicianId: 1, startsAt: 1, endsAt: 1 } },
        )
        .toArray();
    },

    patientOverlaps(patientId: ObjectId, start: Date, end: Date, exceptId?: ObjectId) {
      return col.findOne(
        where({
          patientId,
          status: { $in: ['pending_payment', 'confirmed', 'checked_in'] },
          startsAt: { $lt: end },
          endsAt: { $gt: start },
          ...(exceptId ? { _id: { $ne: exceptId } } : {}),
        }),
      );
    },

    transition,

    /** A hold unpaid past its time → expired, its slot freed; a payment confirmed a moment earlier wins (status guard). */
    expireHold(id: ObjectId, now: Date) {
      return transition(id, { from: ['pending_payment'], to: 'expired', at: now, by: null, release: true, guard: { holdExpiresAt: { $lte: now } } });
    },

    /** A confirmed appointment nobody checked in, started before `startedBefore` → no_show. */
    markNoShow(id: ObjectId, startedBefore: Date, now: Date) {
      return transition(id, { from: ['confirmed'], to: 'no_show', at: now, by: null, guard: { startsAt: { $lte: startedBefore } } });
    },

    /**
     * Moves the appointment in one update: the new keys are claimed and the old ones dropped together.
     * A taken slot makes the whole update fail, leaving the original exactly as it was. `confirmationAt`
     * undefined leaves the confirmation plan alone: a hold being paid for at this moment plans its own.
     */
    async move(
      doc: AppointmentDoc,
      start: Date,
      end: Date,
      at: Date,
      by: ObjectId,
      plan: { reminderAt: Date | null; confirmationAt: Date | null | undefined },
    ): Promise<ClaimResult | 'changed'> {
      const res = await writeUnique(
        () =>
          col.updateOne(
            where({ _id: doc._id, slotKey: doc.slotKey, status: { $in: ['pending_payment', 'confirmed'] } }),
            {
              $set: {
                slotKey: slotKeyOf(doc.physicianId, start),
                patientSlotKey: patientSlotKeyOf(doc.patientId, start),
                startsAt: start,
                endsAt: end,
                reminderDueAt: plan.reminderAt,
                reminderSentAt: null,
                ...(plan.confirmationAt !== undefined ? { confirmationDueAt: plan.confirmationAt } : {}),
                updatedAt: at,
              },
              $push: { history: { status: doc.status, at, by, note: `${RESCHEDULED_NOTE}${doc.startsAt.toISOString()}` } },
            },
          ),
        CLAIM_KEYS,
      );
      if (!res.won) return refusal(res.refusedBy);
      return res.result.modifiedCount === 1 ? 'ok' : 'changed';
    },

    // --- background jobs: each due item is found by an index and changed by a guarded single-document update,
    // so any number of processes may sweep at once and a restart loses nothing.

    dueHolds(now: Date, limit: number) {
      return col.find(where({ status: 'pending_payment', holdExpiresAt: { $lte: now } }), { projection: { _id: 1 } }).limit(limit).toArray();
    },

    /** One clinic's confirmed appointments that started before `startedBefore` (its no-show delay ago). */
    dueNoShows(clinicId: ObjectId, startedBefore: Date, limit: number) {
      return col.find(where({ clinicId, status: 'confirmed', startsAt: { $lte: startedBefore } }), { projection: { _id: 1 } }).limit(limit).toArray();
    },

    dueReminders(now: Date, limit: number) {
      return col.find(where({ reminderDueAt: { $lte: now } }), { projection: { _id: 1, patientId: 1, startsAt: 1 } }).limit(limit).toArray();
    },

    /** Settles (or postpones) the reminder planned for `startsAt`; a plan made by a later reschedule stays. */
    settleReminder(id: ObjectId, startsAt: Date, set: { reminderDueAt: Date | null; reminderSentAt?: Date }) {
      return col.updateOne(where({ _id: id, startsAt }), { $set: set });
    },

    dueConfirmations(now: Date, limit: number) {
      return col.find(where({ confirmationDueAt: { $lte: now } }), { projection: { _id: 1, patientId: 1, startsAt: 1 } }).limit(limit).toArray();
    },

    /**
     * Clears the confirmation planned for `startsAt` once its send is settled. Only a plan already due when the
     * send began is cleared: a retry time set meanwhile by the process that failed to send it is kept.
     */
    settleConfirmation(id: ObjectId, startsAt: Date, dueBy: Date) {
      return col.updateOne(where({ _id: id, startsAt, confirmationDueAt: { $lte: dueBy } }), { $set: { confirmationDueAt: null } });
    },

    postponeConfirmation(id: ObjectId, startsAt: Date, until: Date) {
      return col.updateOne(where({ _id: id, startsAt }), { $set: { confirmationDueAt: until } });
    },

    /**
     * An expired hold that was paid after all: claims its slot keys again and confirms, in one update.
     * A slot taken meanwhile makes the update fail on the unique key, leaving the appointment expired.
     */
    async reclaim(doc: AppointmentDoc, at: Date, plan: { reminderAt: Date | null; confirmationAt: Date | null }): Promise<ClaimResult | 'changed'> {
      const res = await writeUnique(
        () =>
          col.updateOne(
            where({ _id: doc._id, status: 'expired' }),
            {
              $set: {
                status: 'confirmed',
                slotKey: slotKeyOf(doc.physicianId, doc.startsAt),
                patientSlotKey: patientSlotKeyOf(doc.patientId, doc.startsAt),
                holdExpiresAt: null,
                reminderDueAt: plan.reminderAt,
                confirmationDueAt: plan.confirmationAt,
                updatedAt: at,
              },
              $push: { history: { status: 'confirmed', at, by: null, note: 'paid after the hold lapsed; slot claimed again' } },
            },
          ),
        CLAIM_KEYS,
      );
      if (!res.won) return refusal(res.refusedBy);
      return res.result.modifiedCount === 1 ? 'ok' : 'changed';
    },

    /** One of the patient's lists (at most 200): upcoming soonest first, past and cancelled latest first. */
    listForPatient(patientId: ObjectId, scope: PatientScope, now: Date) {
      const { filter, order } = PATIENT_SCOPES[scope](now);
      return col.find(where({ patientId, ...filter })).sort({ startsAt: order, _id: order }).limit(200).toArray();
    },

    listForPhysician(physicianId: ObjectId, from: Date, to: Date) {
      return col.find(where({ physicianId, startsAt: { $gte: from, $lt: to } })).sort({ startsAt: 1 }).toArray();
    },

    /**
     * Appointments starting in [from, to), of one physician and/or one patient when given — one query for any range
     * (the caller groups by local day). Absent keys are left out: the driver would send `undefined` as null.
     */
    listStartingBetween(who: { physicianId?: ObjectId | undefined; patientId?: ObjectId | undefined }, from: Date, to: Date) {
      const filter: Filter<AppointmentDoc> = { startsAt: { $gte: from, $lt: to } };
      if (who.physicianId) filter.physicianId = who.physicianId;
      if (who.patientId) filter.patientId = who.patientId;
      return col.find(where(filter)).sort({ startsAt: 1, _id: 1 }).toArray();
    },

    /** Status and start of a physician's appointments starting in [from, to): what statistics need, nothing more. */
    async statusesBetween(physicianId: ObjectId, from: Date, to: Date): Promise<Pick<AppointmentDoc, 'status' | 'startsAt'>[]> {
      return col.find(where({ physicianId, startsAt: { $gte: from, $lt: to } }), { projection: { _id: 0, status: 1, startsAt: 1 } }).toArray();
    },

    /**
     * Hands a patient's appointments to another patient id (a WhatsApp profile merged into its app
     * account). A held patient key moves to the new id; if the account already holds that start, the old
     * key stays (still unique) rather than failing the move.
     */
    async reassignPatient(from: ObjectId, to: ObjectId, patient: AppointmentDoc['patient'], now: Date): Promise<void> {
      const docs = await col.find(where({ patientId: from }), { projection: { _id: 1, startsAt: 1, patientSlotKey: 1 } }).toArray();
      for (const d of docs) {
        const base = { patientId: to, patient, updatedAt: now };
        const held = d.patientSlotKey !== releasedKey(d._id);
        const moved = held && (await writeUnique(() => col.updateOne(where({ _id: d._id, patientId: from }), { $set: { ...base, patientSlotKey: patientSlotKeyOf(to, d.startsAt) } }))).won;
        if (!moved) await col.updateOne(where({ _id: d._id, patientId: from }), { $set: base });
      }
    },
  };
}
export type AppointmentsRepository = ReturnType<typeof createAppointmentsRepository>;
