import type { Locale } from '@clinic/contracts';

/** What a notification may speak of; each kind uses what it needs. */
export interface MessageFacts {
  physicianName: string;
  patientName: string;
  /** The clinic's name, in the recipient's script where the clinic has one. */
  clinicName: string;
  startsAt: Date;
  timeZone: string;
  /** Formatted money (refunds, payments). */
  amount: string;
  /** A payment's receipt number (payment_received). */
  receiptNumber?: string | undefined;
  /** The insurer that covered the whole fee: a covered booking's receipt (payment_received). */
  insurer?: string | undefined;
}

/** Who reads it: the patient of the appointment, or the doctor it is with. */
export type Audience = 'patient' | 'doctor';

/** The kinds written here; any other kind (a new channel's) keeps the text it was sent with. */
export type LocalisedKind = 'booking_confirmed' | 'appointment_moved' | 'appointment_cancelled' | 'appointment_reminder' | 'appointment_no_show' | 'payment_received' | 'payment_refunded';

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
    payment_received: {
      patient: (f) =>
        f.insurer
          ? { title: 'Covered by your insurance', body: `Your appointment with ${f.physicianName} on ${f.when} is covered by ${f.insurer}: nothing to pay. Receipt ${f.receiptNumber}. ${f.clinicName}` }
          : { title: 'Payment received', body: `We received ${f.amount} for your appointment with ${f.physicianName} on ${f.when}. Receipt ${f.receiptNumber}. ${f.clinicName}` },
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
    payment_received: {
      patient: (f) =>
        f.insurer
          ? { title: 'مشمول بتأمينك', body: `موعدك مع ${f.physicianName} يوم ${f.when} مشمول بتأمين ${f.insurer}: لا يوجد مبلغ مستحق. رقم الإيصال ${f.receiptNumber}. ${f.clinicName}` }
          : { title: 'تم استلام الدفعة', body: `استلمنا ${f.amount} مقابل موعدك مع ${f.physicianName} يوم ${f.when}. رقم الإيصال ${f.receiptNumber}. ${f.clinicName}` },
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
    payment_received: {
      patient: (f) =>
        f.insurer
          ? { title: 'Pris en charge par votre assurance', body: `Votre rendez-vous avec ${f.physicianName} le ${f.when} est pris en charge par ${f.insurer} : rien à payer. Reçu ${f.receiptNumber}. ${f.clinicName}` }
          : { title: 'Paiement reçu', body: `Nous avons reçu ${f.amount} pour votre rendez-vous avec ${f.physicianName} le ${f.when}. Reçu ${f.receiptNumber}. ${f.clinicName}` },
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

/**
 * The outside channels' letters (email subject and text; WhatsApp free text and SMS are the text, the WhatsApp
 * templates' variables the `data` beside it). Beside the in-app texts above so each language's wording is in one file.
 * A confirmation whose appointment was just moved is `booking_moved`; `webhook_disabled` goes to a clinic's admins;
 * `payment_covered` is the `payment_received` notice of a booking the insurer paid in full (its receipt shows 0 paid).
 * The payment letters do not say "attached": the same text goes out on WhatsApp and SMS, which carry no PDF.
 */
export type LetterKind = 'booking_confirmed' | 'booking_moved' | 'appointment_reminder' | 'payment_received' | 'payment_covered' | 'payment_refunded' | 'appointment_no_show' | 'chat_message' | 'webhook_disabled';

/** Why a payment is refunded, said to the patient (the payment keeps its English reason for staff). */
export type RefundReason = 'late_payment' | 'not_payable' | 'clinic_cancelled' | 'patient_cancelled';

export interface LetterFacts extends Partial<MessageFacts> {
  /** Whom it greets. */
  recipientName: string;
  clinicName: string;
  clinicPhone?: string;
  refundReason?: RefundReason;
  /** Who wrote (chat). */
  senderName?: string;
  /** The endpoint's URL and why it was disabled (webhook_disabled). */
  url?: string;
  failures?: number;
}

type Filled = LetterFacts & { when: string; reason: string };
interface Wording {
  hello: (name: string) => string;
  /** What to do when the patient cannot come (appointment letters). */
  cannotCome: (phone: string | undefined) => string;
  refundReasons: Record<RefundReason, string>;
  letters: Record<LetterKind, (f: Filled) => { subject: string; body: string; footer?: boolean }>;
}

const WORDING: Record<Locale, Wording> = {
  en: {
    hello: (name) => `Hello ${name},`,
    cannotCome: (phone) => `If you cannot come, please cancel or reschedule in the app${phone ? ` or call us on ${phone}` : ''}.`,
    refundReasons: {
      late_payment: 'Your payment arrived after the hold on your slot had lapsed, and someone else booked that time meanwhile.',
      not_payable: 'Your payment arrived for a booking that is no longer active.',
      clinic_cancelled: 'The clinic cancelled your appointment.',
      patient_cancelled: 'You cancelled your appointment before the cutoff.',
    },
    letters: {
      booking_confirmed: (f) => ({ subject: `${f.clinicName}: your appointment with ${f.physicianName} on ${f.when} is confirmed`, body: `Your appointment with ${f.physicianName} on ${f.when} (clinic time) is confirmed.`, footer: true }),
      booking_moved: (f) => ({
        subject: `${f.clinicName}: your appointment with ${f.physicianName} has moved to ${f.when}`,
        body: `Your appointment with ${f.physicianName} has moved to ${f.when} (clinic time) and is confirmed for that time.`,
        footer: true,
      }),
      appointment_reminder: (f) => ({ subject: `${f.clinicName}: reminder of your appointment with ${f.physicianName}`, body: `This is a reminder of your appointment with ${f.physicianName} on ${f.when} (clinic time).`, footer: true }),
      payment_received: (f) => ({
        subject: `${f.clinicName}: we received your payment of ${f.amount}`,
        body: `We received your payment of ${f.amount} for your appointment with ${f.physicianName} on ${f.when} (clinic time).\n\nReceipt number: ${f.receiptNumber}. You can also download the receipt in the app.`,
      }),
      payment_covered: (f) => ({
        subject: `${f.clinicName}: your appointment with ${f.physicianName} is covered by your insurance`,
        body: `Your appointment with ${f.physicianName} on ${f.when} (clinic time) is covered by ${f.insurer}; there is nothing to pay.\n\nReceipt number: ${f.receiptNumber}. You can also download the receipt in the app.`,
      }),
      payment_refunded: (f) => ({ subject: `${f.clinicName}: your payment of ${f.amount} is being refunded`, body: `${f.reason}\n\nWe are refunding ${f.amount} to your card; banks usually show it within 5-10 days.` }),
      appointment_no_show: (f) => ({ subject: `${f.clinicName}: We missed you`, body: `We missed you at your appointment with ${f.physicianName} on ${f.when}. You can book again in the app.` }),
      chat_message: (f) => ({ subject: `${f.clinicName}: new message from ${f.senderName}`, body: `New message from ${f.senderName} — open the app to read it.` }),
      webhook_disabled: (f) => ({
        subject: `Webhook endpoint disabled: ${f.url}`,
        body:
          `The webhook endpoint ${f.url} of ${f.clinicName} was disabled after ${f.failures} delivery attempts failed in a row.\n\n` +
          'No more events are sent to it. Fix the receiver, then enable it again in the webhook settings (PATCH /admin/webhooks/{id} with enabled: true); ' +
          'the delivery log (GET /admin/webhooks/{id}/deliveries) shows each attempt and its answer.',
      }),
    },
  },
  ar: {
    hello: (name) => `مرحباً ${name}،`,
    cannotCome: (phone) => `إذا لم تتمكن من الحضور، يرجى إلغاء الموعد أو تغييره من التطبيق${phone ? ` أو الاتصال بنا على ${phone}` : ''}.`,
    refundReasons: {
      late_payment: 'وصلت دفعتك بعد انتهاء مدة حجز موعدك، وحجز شخص آخر ذلك الوقت في الأثناء.',
      not_payable: 'وصلت دفعتك لحجز لم يعد قائماً.',
      clinic_cancelled: 'ألغت العيادة موعدك.',
      patient_cancelled: 'ألغيت موعدك قبل الموعد النهائي للإلغاء.',
    },
    letters: {
      booking_confirmed: (f) => ({ subject: `${f.clinicName}: تم تأكيد موعدك مع ${f.physicianName} يوم ${f.when}`, body: `تم تأكيد موعدك مع ${f.physicianName} يوم ${f.when} (بتوقيت العيادة).`, footer: true }),
      booking_moved: (f) => ({ subject: `${f.clinicName}: تم نقل موعدك مع ${f.physicianName} إلى ${f.when}`, body: `تم نقل موعدك مع ${f.physicianName} إلى ${f.when} (بتوقيت العيادة) وهو مؤكد في هذا الوقت.`, footer: true }),
      appointment_reminder: (f) => ({ subject: `${f.clinicName}: تذكير بموعدك مع ${f.physicianName}`, body: `نذكّرك بموعدك مع ${f.physicianName} يوم ${f.when} (بتوقيت العيادة).`, footer: true }),
      payment_received: (f) => ({
        subject: `${f.clinicName}: استلمنا دفعتك البالغة ${f.amount}`,
        body: `استلمنا دفعتك البالغة ${f.amount} مقابل موعدك مع ${f.physicianName} يوم ${f.when} (بتوقيت العيادة).\n\nرقم الإيصال: ${f.receiptNumber}. يمكنك أيضاً تنزيل الإيصال من التطبيق.`,
      }),
      payment_covered: (f) => ({
        subject: `${f.clinicName}: موعدك مع ${f.physicianName} مشمول بتأمينك`,
        body: `موعدك مع ${f.physicianName} يوم ${f.when} (بتوقيت العيادة) مشمول بتأمين ${f.insurer}، ولا يوجد مبلغ مستحق عليك.\n\nرقم الإيصال: ${f.receiptNumber}. يمكنك أيضاً تنزيل الإيصال من التطبيق.`,
      }),
      payment_refunded: (f) => ({ subject: `${f.clinicName}: جارٍ استرداد دفعتك البالغة ${f.amount}`, body: `${f.reason}\n\nنقوم باسترداد ${f.amount} إلى بطاقتك؛ يظهر عادةً خلال 5 إلى 10 أيام.` }),
      appointment_no_show: (f) => ({ subject: `${f.clinicName}: افتقدناك`, body: `افتقدناك في موعدك مع ${f.physicianName} يوم ${f.when}. يمكنك حجز موعد جديد من التطبيق.` }),
      chat_message: (f) => ({ subject: `${f.clinicName}: رسالة جديدة من ${f.senderName}`, body: `رسالة جديدة من ${f.senderName} — افتح التطبيق لقراءتها.` }),
      webhook_disabled: (f) => ({
        subject: `تم تعطيل عنوان استقبال الأحداث (webhook): ${f.url}`,
        body:
          `تم تعطيل عنوان استقبال الأحداث ${f.url} الخاص بـ ${f.clinicName} بعد فشل ${f.failures} محاولة تسليم متتالية.\n\n` +
          'لن تُرسل إليه أحداث بعد الآن. أصلح المستقبِل ثم فعّله من جديد في إعدادات الأحداث (PATCH /admin/webhooks/{id} مع enabled: true)؛ ' +
          'ويعرض سجل التسليم (GET /admin/webhooks/{id}/deliveries) كل محاولة والرد عليها.',
      }),
    },
  },
  fr: {
    hello: (name) => `Bonjour ${name},`,
    cannotCome: (phone) => `Si vous ne pouvez pas venir, annulez ou déplacez le rendez-vous dans l'application${phone ? ` ou appelez-nous au ${phone}` : ''}.`,
    refundReasons: {
      late_payment: 'Votre paiement est arrivé après l\'expiration de la réservation de votre créneau, et quelqu\'un d\'autre a réservé cet horaire entre-temps.',
      not_payable: 'Votre paiement est arrivé pour une réservation qui n\'est plus active.',
      clinic_cancelled: 'La clinique a annulé votre rendez-vous.',
      patient_cancelled: 'Vous avez annulé votre rendez-vous avant la date limite.',
    },
    letters: {
      booking_confirmed: (f) => ({ subject: `${f.clinicName}: votre rendez-vous avec ${f.physicianName} le ${f.when} est confirmé`, body: `Votre rendez-vous avec ${f.physicianName} le ${f.when} (heure de la clinique) est confirmé.`, footer: true }),
      booking_moved: (f) => ({
        subject: `${f.clinicName}: votre rendez-vous avec ${f.physicianName} est déplacé au ${f.when}`,
        body: `Votre rendez-vous avec ${f.physicianName} est déplacé au ${f.when} (heure de la clinique) et confirmé à cette heure.`,
        footer: true,
      }),
      appointment_reminder: (f) => ({ subject: `${f.clinicName}: rappel de votre rendez-vous avec ${f.physicianName}`, body: `Nous vous rappelons votre rendez-vous avec ${f.physicianName} le ${f.when} (heure de la clinique).`, footer: true }),
      payment_received: (f) => ({
        subject: `${f.clinicName}: nous avons reçu votre paiement de ${f.amount}`,
        body: `Nous avons reçu votre paiement de ${f.amount} pour votre rendez-vous avec ${f.physicianName} le ${f.when} (heure de la clinique).\n\nNuméro de reçu : ${f.receiptNumber}. Vous pouvez aussi télécharger le reçu dans l'application.`,
      }),
      payment_covered: (f) => ({
        subject: `${f.clinicName}: votre rendez-vous avec ${f.physicianName} est pris en charge par votre assurance`,
        body: `Votre rendez-vous avec ${f.physicianName} le ${f.when} (heure de la clinique) est pris en charge par ${f.insurer} ; il n'y a rien à payer.\n\nNuméro de reçu : ${f.receiptNumber}. Vous pouvez aussi télécharger le reçu dans l'application.`,
      }),
      payment_refunded: (f) => ({ subject: `${f.clinicName}: votre paiement de ${f.amount} est remboursé`, body: `${f.reason}\n\nNous remboursons ${f.amount} sur votre carte ; les banques l'affichent en général sous 5 à 10 jours.` }),
      appointment_no_show: (f) => ({
        subject: `${f.clinicName}: Vous nous avez manqué`,
        body: `Nous ne vous avons pas vu à votre rendez-vous avec ${f.physicianName} le ${f.when}. Vous pouvez reprendre rendez-vous dans l'application.`,
      }),
      chat_message: (f) => ({ subject: `${f.clinicName}: nouveau message de ${f.senderName}`, body: `Nouveau message de ${f.senderName} — ouvrez l'application pour le lire.` }),
      webhook_disabled: (f) => ({
        subject: `Point de terminaison webhook désactivé : ${f.url}`,
        body:
          `Le point de terminaison webhook ${f.url} de ${f.clinicName} a été désactivé après ${f.failures} échecs de livraison consécutifs.\n\n` +
          'Plus aucun événement ne lui est envoyé. Réparez le récepteur, puis réactivez-le dans les réglages des webhooks (PATCH /admin/webhooks/{id} avec enabled: true) ; ' +
          'le journal des livraisons (GET /admin/webhooks/{id}/deliveries) montre chaque tentative et sa réponse.',
      }),
    },
  },
};

/** Why this refund is made, in this language. */
export const refundReasonText = (why: RefundReason, locale: Locale) => WORDING[locale].refundReasons[why];

/** An email, WhatsApp or SMS text: `text` is plain (WhatsApp, SMS, the email's text part), `html` the email's rich part. */
export interface Letter {
  subject: string;
  text: string;
  html: string;
  /** The appointment's time as the text says it (the WhatsApp templates' `when`); '' when none. */
  when: string;
}

/** The letter of this kind in this language: greeting, the text, what to do if they cannot come, the clinic's name. */
export function letterFor(kind: LetterKind, facts: LetterFacts, locale: Locale): Letter {
  const wording = WORDING[locale];
  const when = facts.startsAt && facts.timeZone ? formatWhenIn(locale, facts.startsAt, facts.timeZone) : '';
  const reason = facts.refundReason ? wording.refundReasons[facts.refundReason] : '';
  const { subject, body, footer } = wording.letters[kind]({ ...facts, reason, when });
  const parts = kind === 'webhook_disabled' ? [body] : [wording.hello(facts.recipientName), body, ...(footer ? [wording.cannotCome(facts.clinicPhone)] : []), facts.clinicName];
  const text = parts.join('\n\n');
  return { subject, text, html: letterHtml(locale, subject, text), when };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' } as const)[c as '&']};`);

/** The email's HTML part: the text's paragraphs, right to left for Arabic (mail clients honour `dir` on html and body). */
export function letterHtml(locale: Locale, subject: string, text: string): string {
  const dir = locale === 'ar' ? 'rtl' : 'ltr';
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  return (
    `<!doctype html>\n<html lang="${locale}" dir="${dir}">\n<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n` +
    `<body dir="${dir}" style="font-family: Arial, 'Segoe UI', Tahoma, sans-serif; text-align: ${dir === 'rtl' ? 'right' : 'left'};">\n${paragraphs}\n</body>\n</html>\n`
  );
}
