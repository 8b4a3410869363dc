import type { AppointmentDoc } from '@clinic/db';
import type { ApiDeps, Notification } from '../../deps.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import { createAppointmentsRepository } from './appointments.repository.ts';

export interface SweepReport {
  expired: number;
  noShows: number;
  remindersSent: number;
  remindersFailed: number;
}

const BATCH = 100;
/** A bound per sweep so one tick never runs away; whatever is left is due again next tick. */
const MAX_BATCHES = 20;
const REMINDER_RETRY_MS = 5 * 60_000;

function reminderFor(a: AppointmentDoc, clinic: { name: string; phone: string; timeZone: string }): Notification {
  const { timeZone } = clinic;
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(a.startsAt);
  const call = clinic.phone ? ` or call us on ${clinic.phone}` : '';
  return {
    kind: 'appointment_reminder',
    to: { userId: a.patientId.toHexString(), ...a.patient },
    subject: `${clinic.name}: reminder of your appointment with ${a.physicianName}`,
    text: `Hello ${a.patient.name},\n\nThis is a reminder of your appointment with ${a.physicianName} on ${when} (clinic time).\n\nIf you cannot come, please cancel or reschedule in the app${call}.\n\n${clinic.name}`,
    data: { patientName: a.patient.name, physicianName: a.physicianName, when, appointmentId: a._id.toHexString() },
  };
}

/**
 * The appointment jobs. There is no separate job queue to keep in step: what is due is read off the
 * appointments themselves (holdExpiresAt, startsAt, reminderDueAt), written in the same update that
 * books or moves them. So work planned before a restart is found after it, and a reminder planned for
 * an old start time cannot outlive a reschedule. Status changes are guarded single-document updates
 * (two sweepers reach the same end state); a reminder's send is claimed by a unique key, because only
 * unique keys are atomic on every engine we run on (FerretDB 1.x applies update filters without a lock).
 */
export function createAppointmentJobs(deps: ApiDeps, clinic: ClinicService, notifications: NotificationsService) {
  const repo = createAppointmentsRepository(deps.db.cols);

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
          // The status guard makes a payment confirmed a moment earlier win; the hold guard is re-checked too.
          const done = await repo.transition(id, { from: ['pending_payment'], to: 'expired', at: now, by: null, release: true, guard: { holdExpiresAt: { $lte: now } } });
          if (done) report.expired++;
        },
      );
    },

    /** Confirmed appointments nobody checked in, `noShowAfterMinutes` after the start → no_show. */
    async markNoShows(report: SweepReport) {
      const now = deps.clock();
      const { policies } = await clinic.settings();
      const startedBefore = new Date(now.getTime() - policies.noShowAfterMinutes * 60_000);
      await drain(
        () => repo.dueNoShows(startedBefore, BATCH),
        async ({ _id: id }) => {
          const done = await repo.transition(id, { from: ['confirmed'], to: 'no_show', at: now, by: null, guard: { startsAt: { $lte: startedBefore } } });
          if (done) report.noShows++;
        },
      );
    },

    /**
     * Reminders, each at most once: the notification log's unique key is the claim. The appointment is
     * re-read after claiming, so a cancelled, unpaid or moved one gets nothing (a move planned its own).
     */
    async sendReminders(report: SweepReport) {
      const now = deps.clock();
      const info = await clinic.info();
      await drain(
        () => repo.dueReminders(now, BATCH),
        async ({ _id, patientId, startsAt }) => {
          const key = `reminder|${_id.toHexString()}|${startsAt.toISOString()}`;
          const outcome = await notifications.sendOnce(key, { kind: 'appointment_reminder', patientId, appointmentId: _id }, async () => {
            const appt = await repo.findById(_id.toHexString());
            const current = appt?.status === 'confirmed' && appt.startsAt.getTime() === startsAt.getTime() && appt.startsAt > now;
            return current ? reminderFor(appt, info) : null;
          });
          if (outcome === 'failed') {
            report.remindersFailed++;
            await repo.settleReminder(_id, startsAt, { reminderDueAt: new Date(now.getTime() + REMINDER_RETRY_MS) });
            return;
          }
          if (outcome === 'sent') report.remindersSent++;
          await repo.settleReminder(_id, startsAt, { reminderDueAt: null, ...(outcome === 'sent' ? { reminderSentAt: now } : {}) });
        },
      );
    },

    /** Runs every sweep once; the server calls this on a timer. */
    async runDue(): Promise<SweepReport> {
      const report: SweepReport = { expired: 0, noShows: 0, remindersSent: 0, remindersFailed: 0 };
      await this.expireHolds(report);
      await this.markNoShows(report);
      await this.sendReminders(report);
      return report;
    },
  };
}
export type AppointmentJobs = ReturnType<typeof createAppointmentJobs>;
