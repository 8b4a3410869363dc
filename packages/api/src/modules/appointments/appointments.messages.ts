import type { Locale } from '@clinic/contracts';
import type { AppointmentDoc } from '@clinic/db';
import type { Notification } from '../../deps.ts';
import { formatWhenIn, letterFor, type LetterKind } from '../notifications/notifications.messages.ts';
import { RESCHEDULED_NOTE } from './appointments.repository.ts';

/** What a patient message needs to know of the clinic (`clinic.info()`); `nameAr` names it to Arabic readers. */
export interface ClinicContact {
  name: string;
  nameAr?: string | null | undefined;
  phone: string;
  timeZone: string;
}

/** "Tuesday 10 March at 15:30": the appointment's start on the clinic's wall clock (in English; see formatWhenIn). */
export const formatWhen = (at: Date, timeZone: string) => formatWhenIn('en', at, timeZone);

/**
 * Reminder and confirmation carry the same `data`: one set of variable names (patientName, physicianName, when,
 * appointmentId) for every approved WhatsApp template, `when` in the patient's language. The wording is the
 * notifications' letters (notifications.messages.ts), in the patient's language.
 */
function letter(kind: Notification['kind'], letterKind: LetterKind, a: AppointmentDoc, clinic: ClinicContact, locale: Locale): Notification {
  const clinicName = locale === 'ar' && clinic.nameAr ? clinic.nameAr : clinic.name;
  const { subject, text, when } = letterFor(
    letterKind,
    { recipientName: a.patient.name, patientName: a.patient.name, physicianName: a.physicianName, clinicName, clinicPhone: clinic.phone, startsAt: a.startsAt, timeZone: clinic.timeZone },
    locale,
  );
  return {
    kind,
    to: { userId: a.patientId.toHexString(), ...a.patient },
    subject,
    text,
    data: { patientName: a.patient.name, physicianName: a.physicianName, when, appointmentId: a._id.toHexString() },
    locale,
  };
}

export function reminderFor(a: AppointmentDoc, clinic: ClinicContact, locale: Locale = 'en'): Notification {
  return letter('appointment_reminder', 'appointment_reminder', a, clinic, locale);
}

/**
 * "Your appointment is confirmed" — or, when the last change to a confirmed appointment was a reschedule, that
 * it moved (the patient already had a confirmation for the old time).
 */
export function confirmationFor(a: AppointmentDoc, clinic: ClinicContact, locale: Locale = 'en'): Notification {
  const moved = a.history.at(-1)?.note?.startsWith(RESCHEDULED_NOTE) ?? false;
  return letter('booking_confirmed', moved ? 'booking_moved' : 'booking_confirmed', a, clinic, locale);
}
