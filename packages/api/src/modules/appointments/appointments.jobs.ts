import type { Clinic } from '@clinic/contracts';
import type { AppointmentDoc, ObjectId } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { settingsOf, type ClinicService } from '../clinic/clinic.service.ts';
import type { NotificationsService, SendOutcome } from '../notifications/notifications.service.ts';
import { confirmationFor, reminderFor } from './appointments.messages.ts';
import { ANY_CLINIC } from '../../scope.ts';
import { createAppointmentsRepository } from './appointments.repository.ts';
import type { AppointmentHooks, ConfirmationKnown } from './appointments.service.ts';

export interface SweepReport {
  expired: number;
  noShows: number;
  remindersSent: number;
  remindersFailed: number;
  confirmationsSent: number;
  confirmationsFailed: number;
}

const BATCH = 100;
/** A bound per sweep so one tick never runs away; whatever is left is due again next tick. */
const MAX_BATCHES = 20;
const RETRY_MS = 5 * 60_000;

/** The appointment as it was when its message was planned; the send is keyed to this start. */
type Planned = Pick<AppointmentDoc, '_id' | 'patientId' | 'startsAt'>;

/**
 * The appointment jobs. There is no separate job queue to keep in step: what is due is read off the
 * appointments themselves (holdExpiresAt, startsAt, reminderDueAt, confirmationDueAt), written in the same
 * update that books, confirms or moves them. So work planned before a restart is found after it, and a message
 * planned for an old start time cannot outlive a reschedule. Status changes are guarded single-document updates
 * (two sweepers reach the same end state). Every process sweeps, and on FerretDB a guarded update is atomic
 * only within one process (one connection), so a message's send is claimed by a unique key, which holds
 * between processes on every engine.
 */
/** `afterChange`: the same hook the appointments service reports its changes to (the live agenda, notifications). */
export function createAppointmentJobs(deps: ApiDeps, clinic: ClinicService, notifications: NotificationsService, afterChange: AppointmentHooks['afterChange']) {
  // The jobs are the system's: they sweep every clinic's appointments (the no-show sweep names each clinic).
  const repo = createAppointmentsRepository(deps.db.cols, ANY_CLINIC);
  /** Confirmations started in the background, so that shutting down can wait for them. */
  const inFlight = new Set<Promise<void>>();

  /**
   * The confirmation of the appointment at `planned.startsAt`, at most once (its key names the start, so a move
   * gets its own). Re-read after the claim: cancelled, expired, moved or already begun → nothing is sent.
   * `known`: the clinic and the patient's language as the confirming request read them a moment ago (not re-read).
   */
  async function sendConfirmation(planned: Planned, known: ConfirmationKnown = {}): Promise<SendOutcome> {
    const now = deps.clock();
    const { _id, patientId, startsAt } = planned;
    const key = `confirmation|${_id.toHexString()}|${startsAt.toISOString()}`;
    const outcome = await notifications.sendOnce(key, { kind: 'booking_confirmed', patientId, appointmentId: _id }, async () => {
      // Right after the booking, the appointment as it stored it (what changes it later is told on its own: a
      // cancellation's notice, a move's confirmation); from the sweep, as it stands now.
      const fresh = known.appointment?._id.equals(_id) && known.appointment.startsAt.getTime() === startsAt.getTime() ? known.appointment : null;
      const appt = fresh ?? (await repo.findById(_id.toHexString()));
      const current = appt?.status === 'confirmed' && appt.startsAt.getTime() === startsAt.getTime() && appt.startsAt > now;
      if (!current) return null;
      const info = known.clinic?._id.equals(appt.clinicId) ? known.clinic : await clinic.infoFor(appt.clinicId);
      const locale = known.patientLocale ?? (await notifications.localeOf(patientId));
      return { message: confirmationFor(appt, info, locale), appointment: appt, clinic: info, locale };
    });
    if (outcome === 'failed') await repo.postponeConfirmation(_id, startsAt, new Date(now.getTime() + RETRY_MS));
    else await repo.settleConfirmation(_id, startsAt, now);
    return outcome;
  }

  async function drain<T>(find: () => Promise<T[]>, each: (item: T) => Promise<void>) {
    for (let i = 0; i < MAX_BATCHES; i++) {
      const due = await find();
      for (const item of due) await each(item);
      if (due.length < BATCH) return;
    }
  }

  return {
    /** Unpaid holds past their time → expired; the slot is freed in the same update. */
    async expireHolds(report: SweepReport) {
      const now = deps.clock();
      await drain(
        () => repo.dueHolds(now, BATCH),
        async ({ _id: id }) => {
          const done = await repo.expireHold(id, now);
          if (!done) return;
          report.expired++;
          await afterChange({ kind: 'expired', appointment: done });
        },
      );
    },

    /** Confirmed appointments nobody checked in, their clinic's `noShowAfterMinutes` after the start → no_show. */
    async markNoShows(report: SweepReport) {
      const now = deps.clock();
      for (const c of await clinic.all()) {
        const startedBefore = new Date(now.getTime() - settingsOf(c).policies.noShowAfterMinutes * 60_000);
        await drain(
          () => repo.dueNoShows(c._id, startedBefore, BATCH),
          async ({ _id: id }) => {
            const done = await repo.markNoShow(id, startedBefore, now);
            if (!done) return;
            report.noShows++;
            // The clinic read for this sweep: the listeners (agenda, the patient's notice) need not read it again.
            await afterChange({ kind: 'no_show', appointment: done, known: { clinic: c } });
          },
        );
      }
    },

    /**
     * Reminders, each at most once: the notification log's unique key is the claim. The appointment is
     * re-read after claiming, so a cancelled, unpaid or moved one gets nothing (a move planned its own).
     */
    async sendReminders(report: SweepReport) {
      const now = deps.clock();
      // Each reminder speaks for its appointment's clinic; a sweep reads each clinic once.
      const infos = new Map<string, Promise<Clinic>>();
      const infoOf = (id: ObjectId) => {
        const key = id.toHexString();
        if (!infos.has(key)) infos.set(key, clinic.infoFor(id));
        return infos.get(key)!;
      };
      await drain(
        () => repo.dueReminders(now, BATCH),
        async ({ _id, patientId, startsAt }) => {
          const key = `reminder|${_id.toHexString()}|${startsAt.toISOString()}`;
          const outcome = await notifications.sendOnce(key, { kind: 'appointment_reminder', patientId, appointmentId: _id }, async () => {
            const appt = await repo.findById(_id.toHexString());
            const current = appt?.status === 'confirmed' && appt.startsAt.getTime() === startsAt.getTime() && appt.startsAt > now;
            if (!current) return null;
            const info = await infoOf(appt.clinicId);
            const locale = await notifications.localeOf(patientId);
            return { message: reminderFor(appt, info, locale), appointment: appt, clinic: info, locale };
          });
          if (outcome === 'failed') {
            report.remindersFailed++;
            await repo.settleReminder(_id, startsAt, { reminderDueAt: new Date(now.getTime() + RETRY_MS) });
            return;
          }
          if (outcome === 'sent') report.remindersSent++;
          await repo.settleReminder(_id, startsAt, { reminderDueAt: null, ...(outcome === 'sent' ? { reminderSentAt: now } : {}) });
        },
      );
    },

    /**
     * Confirmations that are due and were not sent right after the confirming action (the process stopped, or
     * every channel failed and the retry time has come).
     */
    async sendConfirmations(report: SweepReport) {
      const now = deps.clock();
      await drain(
        () => repo.dueConfirmations(now, BATCH),
        async (planned) => {
          const outcome = await sendConfirmation(planned);
          if (outcome === 'sent') report.confirmationsSent++;
          if (outcome === 'failed') report.confirmationsFailed++;
        },
      );
    },

    /**
     * Sends the confirmation just planned for this appointment without waiting for the next sweep. Returns at
     * once and never throws: the request that confirmed the appointment must not wait for, or fail with, the send.
     */
    confirmSoon(planned: Planned, known?: ConfirmationKnown): void {
      const run: Promise<void> = sendConfirmation(planned, known)
        .then(() => undefined)
        .catch((err: unknown) => deps.log?.warn({ err, appointmentId: planned._id.toHexString() }, 'booking confirmation not sent now; the jobs sweep retries it'))
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
    },

    /**
     * Resolves when the confirmations started in the background have finished, and the notices the sweeps' changes
     * started (for a clean shutdown).
     */
    async idle(): Promise<void> {
      while (inFlight.size > 0) await Promise.all(inFlight);
      await notifications.idle();
    },

    /** Runs every sweep once; the server calls this on a timer. */
    async runDue(): Promise<SweepReport> {
      const report: SweepReport = { expired: 0, noShows: 0, remindersSent: 0, remindersFailed: 0, confirmationsSent: 0, confirmationsFailed: 0 };
      await this.expireHolds(report);
      await this.markNoShows(report);
      await this.sendConfirmations(report);
      await this.sendReminders(report);
      return report;
    },
  };
}
export type AppointmentJobs = ReturnType<typeof createAppointmentJobs>;
