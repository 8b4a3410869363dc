import type { AppointmentDoc } from '@clinic/db';
import type { Notification } from '../../deps.ts';
import { RESCHEDULED_NOTE } from './appointments.repository.ts';

/** What a patient message needs to know of the clinic (`clinic.info()`). */
export interface ClinicContact {
  name: string;
  phone: string;
  timeZone: string;
}

/** "Tuesday 10 March at 15:30": the appointment's start on the clinic's wall clock, as every patient message shows it. */
export const formatWhen = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

/**
 * Reminder and confirmation carry the same `data`: one set of variable names (patientName, physicianName, when,
 * appointmentId) for every approved WhatsApp template.
 */
function about(a: AppointmentDoc, clinic: ClinicContact) {
  const when = formatWhen(a.startsAt, clinic.timeZone);
  return {
    when,
    to: { userId: a.patientId.toHexString(), ...a.patient },
    data: { patientName: a.patient.name, physicianName: a.physicianName, when, appointmentId: a._id.toHexString() },
    footer: `If you cannot come, please cancel or reschedule in the app${clinic.phone ? ` or call us on ${clinic.phone}` : ''}.\n\n${clinic.name}`,
  };
}

export function reminderFor(a: AppointmentDoc, clinic: ClinicContact): Notification {
  const { when, to, data, footer } = about(a, clinic);
  return {
    kind: 'appointment_reminder',
    to,
    subject: `${clinic.name}: reminder of your appointment with ${a.physicianName}`,
    text: `Hello ${a.patient.name},\n\nThis is a reminder of your appointment with ${a.physicianName} on ${when} (clinic time).\n\n${footer}`,
    data,
  };
}

/**
 * "Your appointment is confirmed" — or, when the last change to a confirmed appointment was a reschedule, that
 * it moved (the patient already had a confirmation for the old time).
 */
export function confirmationFor(a: AppointmentDoc, clinic: ClinicContact): Notification {
  const { when, to, data, footer } = about(a, clinic);
  const moved = a.history.at(-1)?.note?.startsWith(RESCHEDULED_NOTE) ?? false;
  return {
    kind: 'booking_confirmed',
    to,
    subject: moved
      ? `${clinic.name}: your appointment with ${a.physicianName} has moved to ${when}`
      : `${clinic.name}: your appointment with ${a.physicianName} on ${when} is confirmed`,
    text: moved
      ? `Hello ${a.patient.name},\n\nYour appointment with ${a.physicianName} has moved to ${when} (clinic time) and is confirmed for that time.\n\n${footer}`
      : `Hello ${a.patient.name},\n\nYour appointment with ${a.physicianName} on ${when} (clinic time) is confirmed.\n\n${footer}`,
    data,
  };
}
