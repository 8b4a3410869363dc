import type { Locale } from '@clinic/contracts';

/** What a notification may speak of; each kind uses what it needs. */
export interface MessageFacts {
  physicianName: string;
  patientName: string;
  /** The clinic's name, in the recipient's script where the clinic has one. */
  clinicName: string;
  startsAt: Date;
  timeZone: string;
  /** Formatted money (refunds). */
  amount: string;
}

/** Who reads it: the patient of the appointment, or the doctor it is with. */
export type Audience = 'patient' | 'doctor';

/** The kinds written here; any other kind (a new channel's) keeps the text it was sent with. */
export type LocalisedKind = 'booking_confirmed' | 'appointment_moved' | 'appointment_cancelled' | 'appointment_reminder' | 'appointment_no_show' | 'payment_refunded';

const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', ar: 'ar-AE', fr: 'fr-FR' };

/** "Tuesday 10 March at 15:30" in the recipient's language, on the clinic's wall clock. */
export const formatWhenIn = (locale: Locale, at: Date, timeZone: string) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale], { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

type Text = (f: MessageFacts & { when: string }) => { title: string; body: string };
type Texts = Partial<Record<LocalisedKind, Partial<Record<Audience, Text>>>>;

const MESSAGES: Record<Locale, Texts> = {
  en: {
    booking_confirmed: {
      patient: (f) => ({ title: 'Appointment confirmed', body: `Your appointment with ${f.physicianName} on ${f.when} is confirmed. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'New appointment', body: `${f.patientName} is booked with you on ${f.when}.` }),
    },
    appointment_moved: {
      patient: (f) => ({ title: 'Appointment moved', body: `Your appointment with ${f.physicianName} has moved to ${f.when}. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'Appointment moved', body: `${f.patientName}'s appointment with you has moved to ${f.when}.` }),
    },
    appointment_cancelled: {
      patient: (f) => ({ title: 'Appointment cancelled', body: `Your appointment with ${f.physicianName} on ${f.when} is cancelled. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'Appointment cancelled', body: `${f.patientName}'s appointment with you on ${f.when} is cancelled.` }),
    },
    appointment_reminder: {
      patient: (f) => ({ title: 'Appointment reminder', body: `Your appointment with ${f.physicianName} is on ${f.when}. ${f.clinicName}` }),
    },
    appointment_no_show: {
      patient: (f) => ({ title: 'We missed you', body: `We missed you at your appointment with ${f.physicianName} on ${f.when}. You can book again in the app. ${f.clinicName}` }),
    },
    payment_refunded: {
      patient: (f) => ({ title: 'Refund on its way', body: `We are refunding ${f.amount} to your card; banks usually show it within 5-10 days. ${f.clinicName}` }),
    },
  },
  ar: {
    booking_confirmed: {
      patient: (f) => ({ title: 'تم تأكيد الموعد', body: `تم تأكيد موعدك مع ${f.physicianName} يوم ${f.when}. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'موعد جديد', body: `لديك موعد مع ${f.patientName} يوم ${f.when}.` }),
    },
    appointment_moved: {
      patient: (f) => ({ title: 'تم تغيير موعد الزيارة', body: `تم نقل موعدك مع ${f.physicianName} إلى ${f.when}. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'تم تغيير موعد', body: `تم نقل موعد ${f.patientName} معك إلى ${f.when}.` }),
    },
    appointment_cancelled: {
      patient: (f) => ({ title: 'تم إلغاء الموعد', body: `تم إلغاء موعدك مع ${f.physicianName} يوم ${f.when}. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'تم إلغاء موعد', body: `تم إلغاء موعد ${f.patientName} معك يوم ${f.when}.` }),
    },
    appointment_reminder: {
      patient: (f) => ({ title: 'تذكير بالموعد', body: `موعدك مع ${f.physicianName} يوم ${f.when}. ${f.clinicName}` }),
    },
    appointment_no_show: {
      patient: (f) => ({ title: 'افتقدناك', body: `افتقدناك في موعدك مع ${f.physicianName} يوم ${f.when}. يمكنك حجز موعد جديد من التطبيق. ${f.clinicName}` }),
    },
    payment_refunded: {
      patient: (f) => ({ title: 'جارٍ استرداد المبلغ', body: `نقوم باسترداد ${f.amount} إلى بطاقتك؛ يظهر عادةً خلال 5 إلى 10 أيام. ${f.clinicName}` }),
    },
  },
  fr: {
    booking_confirmed: {
      patient: (f) => ({ title: 'Rendez-vous confirmé', body: `Votre rendez-vous avec ${f.physicianName} le ${f.when} est confirmé. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'Nouveau rendez-vous', body: `${f.patientName} a rendez-vous avec vous le ${f.when}.` }),
    },
    appointment_moved: {
      patient: (f) => ({ title: 'Rendez-vous déplacé', body: `Votre rendez-vous avec ${f.physicianName} est déplacé au ${f.when}. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'Rendez-vous déplacé', body: `Le rendez-vous de ${f.patientName} avec vous est déplacé au ${f.when}.` }),
    },
    appointment_cancelled: {
      patient: (f) => ({ title: 'Rendez-vous annulé', body: `Votre rendez-vous avec ${f.physicianName} le ${f.when} est annulé. ${f.clinicName}` }),
      doctor: (f) => ({ title: 'Rendez-vous annulé', body: `Le rendez-vous de ${f.patientName} avec vous le ${f.when} est annulé.` }),
    },
    appointment_reminder: {
      patient: (f) => ({ title: 'Rappel de rendez-vous', body: `Votre rendez-vous avec ${f.physicianName} est le ${f.when}. ${f.clinicName}` }),
    },
    appointment_no_show: {
      patient: (f) => ({ title: 'Vous nous avez manqué', body: `Nous ne vous avons pas vu à votre rendez-vous avec ${f.physicianName} le ${f.when}. Vous pouvez reprendre rendez-vous dans l'application. ${f.clinicName}` }),
    },
    payment_refunded: {
      patient: (f) => ({ title: 'Remboursement en cours', body: `Nous remboursons ${f.amount} sur votre carte ; les banques l'affichent en général sous 5 à 10 jours. ${f.clinicName}` }),
    },
  },
};

/** The title and body of this kind for this reader in their language; null for a kind not written here. */
export function messageFor(kind: string, audience: Audience, facts: MessageFacts, locale: Locale): { title: string; body: string } | null {
  const text = MESSAGES[locale][kind as LocalisedKind]?.[audience] ?? MESSAGES.en[kind as LocalisedKind]?.[audience];
  return text ? text({ ...facts, when: formatWhenIn(locale, facts.startsAt, facts.timeZone) }) : null;
}
