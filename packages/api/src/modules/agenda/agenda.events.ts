import type { Appointment } from '@clinic/contracts';
import type { AppointmentDoc, ClinicDoc, ObjectId } from '@clinic/db';
import type { BackgroundLog } from '../../deps.ts';
import type { EventStore } from '../../events/event-store.ts';
import { toAppointmentDto } from '../appointments/appointments.repository.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';

export const AGENDA_EVENT_KINDS = ['booked', 'moved', 'cancelled', 'confirmed', 'checked_in', 'completed', 'no_show', 'paid', 'expired'] as const;
export type AgendaEventKind = (typeof AGENDA_EVENT_KINDS)[number];

/** A change of one appointment, as the appointments service reports it. */
export interface AppointmentChange {
  kind: AgendaEventKind;
  appointment: AppointmentDoc;
  /** The start before a move. */
  previousStartsAt?: Date;
  /**
   * What the reporter read for this change anyway, so that those it reports to need not read it again (on
   * FerretDB's one connection every read is a serial round trip). Each absent part is read by whoever needs it.
   */
  known?: {
    /** The appointment's clinic (zone, names, phone), as read for this change. */
    clinic?: ClinicDoc;
    /** The physician's login (the doctor's user id), null when the physician has none. */
    doctor?: ObjectId | null;
  };
}

/** What is stored and delivered: the appointment as staff see it (in its clinic's zone). */
export interface AgendaEventData {
  kind: AgendaEventKind;
  appointment: Appointment;
  /** ISO 8601 with the clinic's offset; set on `moved`. */
  previousStart: string | null;
}

export const clinicAgendaStream = (clinicId: ObjectId | string) => `clinic:${String(clinicId)}:agenda`;
export const physicianAgendaStream = (physicianId: ObjectId | string) => `physician:${String(physicianId)}:agenda`;

/**
 * Stores each appointment change in its clinic's and its physician's agenda streams. Never throws: the change it
 * reports is already committed, and the request that made it must not fail because the event could not be stored.
 */
export function createAgendaPublisher(events: EventStore, clinic: ClinicService, log?: BackgroundLog) {
  return {
    async publish(change: AppointmentChange): Promise<void> {
      const { appointment: doc } = change;
      try {
        const known = change.known?.clinic;
        const timeZone = known?._id.equals(doc.clinicId) ? known.timeZone : (await clinic.settingsFor(doc.clinicId)).timeZone;
        const appointment = toAppointmentDto(doc, timeZone);
        const previousStart = change.previousStartsAt ? toAppointmentDto({ ...doc, startsAt: change.previousStartsAt }, timeZone).start : null;
        const data: AgendaEventData = { kind: change.kind, appointment, previousStart };
        // One insert for both once this process knows the streams' tails.
        await events.appendMany([
          { stream: clinicAgendaStream(doc.clinicId), clinicId: doc.clinicId, kind: change.kind, data: { ...data } },
          { stream: physicianAgendaStream(doc.physicianId), clinicId: doc.clinicId, kind: change.kind, data: { ...data } },
        ]);
      } catch (err) {
        log?.warn({ err, appointmentId: doc._id.toHexString(), kind: change.kind }, 'agenda event not stored');
      }
    },
  };
}
export type AgendaPublisher = ReturnType<typeof createAgendaPublisher>;
