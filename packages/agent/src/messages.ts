import { EMIRATES_ID_EXAMPLE } from '@clinic/contracts';
import type { Lang } from './text.ts';

/** Every fixed sentence the assistant sends, in English and Arabic. */
export interface Messages {
  emergency(clinicPhone: string | null): string;
  /** Self-harm or suicide: the clinic's crisis line when it has one, beside 999/998 and the clinic's phone. */
  selfHarm(crisisLine: string | null, clinicPhone: string | null): string;
  handover: string;
  handoverAfterFailures: string;
  /** The hand-over outside the clinic's opening hours: `when` staff are back (formatted). */
  handoverAway(when: string): string;
  /** To a patient waiting for staff: someone will answer (`when`: outside hours, when staff are back). */
  waitingForStaff(when: string | null): string;
  /** After MAX_FAILURES turns the assistant could not use: the patient chooses. */
  menuOrPerson: string;
  medicalRefusal: string;
  /** `clinic`: the clinic whose own number the patient wrote to; null on the platform's shared number. */
  welcome(name: string | null, clinic: string | null): string;
  /** On a pending or suspended clinic's own number. */
  clinicUnavailable(clinic: string, phone: string | null): string;
  menu: string;
  pickNumber(max: number): string;
  specialties(lines: string[]): string;
  noSpecialties: string;
  physicians(specialty: string, lines: string[]): string;
  noPhysicians: string;
  nextSlot(when: string | null): string;
  slots(physician: string, lines: string[]): string;
  noSlots(physician: string): string;
  confirmBook(physician: string, when: string, price: string): string;
  confirmCancel(physician: string, when: string): string;
  confirmReschedule(physician: string, from: string, to: string): string;
  confirmPrompt: string;
  booked(physician: string, when: string): string;
  bookedPending(physician: string, when: string, holdMinutes: number): string;
  payLink(amount: string, link: string): string;
  payInApp(amount: string): string;
  payAtDesk: string;
  covered: string;
  cancelled(physician: string, when: string): string;
  rescheduled(physician: string, when: string): string;
  declined: string;
  bookings(lines: string[]): string;
  noBookings: string;
  askEmiratesId: string;
  insurance(status: 'eligible' | 'not_eligible' | 'not_found' | 'unknown', d: { insurer: string | null; plan: string | null; copayPercent: number | null; emiratesId: string }): string;
  /** `reason`: why, already in the patient's language (contracts `renderErrorReason`). */
  invalidEmiratesId(reason: string): string;
  slotTaken: string;
  slotUnavailable: string;
  /** When the refusal came without its reason (code + parameters): the clinic's phone when known. */
  cancellationClosed(phone: string | null): string;
  overlapping: string;
  notFound: string;
  invalidTransition: string;
  genericError: string;
  llmTrouble: string;
  backToMenu: string;
  linked(name: string, email: string | null): string;
  linkInvalid: string;
  linkTooMany(retryAfterSeconds: number): string;
  slowDown(minutes: number): string;
  llmDownMenu: string;
  /** A message the prompt-injection guardrail stopped before the model. */
  guardrailRefusal: string;
  /** A reminder's button whose payload is not one of ours (old, altered or cut short). */
  buttonUnknown: string;
  /** The "I'll come" button: nothing changes, the patient hears the booking stands. */
  attendanceConfirmed(physician: string, when: string): string;
  rescheduleSlots(physician: string, from: string, lines: string[]): string;
  noRescheduleSlots(physician: string): string;
  /** Under a list page when `more` items follow. */
  moreHint(more: number): string;
  noMore: string;
  /** Under the main menu: words work too. */
  typeHint: string;
  /** My bookings, where a number opens one booking (to cancel or reschedule it). */
  bookingsManage(lines: string[]): string;
  /** The bookings to pick from for a task the patient typed ("cancel", "reschedule"). */
  bookingsPick(lines: string[], action: 'cancel' | 'reschedule'): string;
  /** One booking: what can be done with it. */
  manageBooking(physician: string, when: string): string;
}

const en: Messages = {
  emergency: (phone) =>
    '🚨 This may be a medical emergency. Call 998 for an ambulance now (999 for police), or go to the nearest emergency department. Do not wait for a reply here.' +
    (phone ? `\nClinic: ${phone}` : ''),
  selfHarm: (line, phone) =>
    "💛 I'm so sorry you are going through this. You are not alone, and you deserve help right now. Please talk to someone now:" +
    (line ? `\n• Crisis line: ${line}` : '') +
    '\n• Call 999 (police and ambulance) or 998 (ambulance) if you are in danger, have hurt yourself or have taken something.' +
    '\nIf you can, stay with someone you trust. Do not wait for a reply here.' +
    (phone ? `\nClinic: ${phone}` : ''),
  handover: 'I have passed your conversation to our staff. A person will answer here shortly.',
  handoverAway: (when) => `I have passed your conversation to our staff. The clinic is closed now: a person will answer here from ${when}. In an emergency call 998.`,
  waitingForStaff: (when) =>
    `${when ? `A person will answer here from ${when}, when the clinic opens.` : 'A person will answer here as soon as possible.'} For emergencies call 998.`,
  menuOrPerson: "Sorry, I didn't understand that. Would you like the menu or a person?\n1 The menu\n2 Talk to our staff",
  handoverAfterFailures: "Sorry, I couldn't help with that. I have passed your conversation to our staff; a member of the team will reply here soon.",
  medicalRefusal:
    "I can't give medical advice, diagnoses or advice on medicines — a physician needs to assess you. I can book you a consultation: reply 1 (or tell me which kind of doctor you need). If it is urgent, call 998.",
  welcome: (name, clinic) => `Hello${name ? ` ${name}` : ''}! I'm ${clinic ? `the WhatsApp assistant of ${clinic}` : "the clinic's WhatsApp assistant"}.`,
  clinicUnavailable: (clinic, phone) =>
    `Sorry, ${clinic} is not taking bookings online right now.${phone ? ` Please call the clinic on ${phone}.` : ''} In an emergency call 998.`,
  menu: 'How can I help?\n1 Find a physician and book\n2 My bookings\n3 Check my insurance\n0 This menu\nType "human" to talk to our staff.',
  pickNumber: (max) => `Please reply with a number from 1 to ${max}, or 0 for the menu.`,
  specialties: (lines) => `Which specialty?\n${lines.join('\n')}\n0 Menu`,
  noSpecialties: 'No specialties are listed yet. Please call the clinic.',
  physicians: (specialty, lines) => `${specialty} — pick a physician:\n${lines.join('\n')}\n0 Menu`,
  noPhysicians: 'No physician of this specialty takes bookings right now. Reply 0 for the menu.',
  nextSlot: (when) => (when ? `next: ${when}` : 'no free slot soon'),
  slots: (physician, lines) => `Free times with ${physician}:\n${lines.join('\n')}\nReply a number, a date (YYYY-MM-DD) for another day, or 0 for the menu.`,
  noSlots: (physician) => `${physician} has no free times then. Reply a date (YYYY-MM-DD) to look at another day, or 0 for the menu.`,
  confirmBook: (physician, when, price) => `Book ${physician} on ${when} (${price})?`,
  confirmCancel: (physician, when) => `Cancel your appointment with ${physician} on ${when}?`,
  confirmReschedule: (physician, from, to) => `Move your appointment with ${physician} from ${from} to ${to}?`,
  confirmPrompt: 'Reply YES to confirm or NO to leave it.',
  booked: (physician, when) => `✅ Booked: ${physician}, ${when}. See you then!`,
  bookedPending: (physician, when, hold) => `✅ Reserved: ${physician}, ${when}. The slot is held for ${hold} minutes until payment.`,
  payLink: (amount, link) => `Pay ${amount} here to confirm: ${link}`,
  payInApp: (amount) => `Please pay ${amount} in the clinic app (My bookings) to confirm.`,
  payAtDesk: 'Online payment is not available right now; please call the clinic to confirm your booking.',
  covered: 'Your insurance covers the whole fee: the booking is confirmed.',
  cancelled: (physician, when) => `Cancelled: ${physician}, ${when}. If you paid, any refund follows the clinic's cancellation policy.`,
  rescheduled: (physician, when) => `✅ Moved: ${physician}, now ${when}.`,
  declined: "OK, I haven't changed anything.",
  bookings: (lines) => `Your upcoming bookings:\n${lines.join('\n')}\nReply a number to cancel that booking, or 0 for the menu.`,
  noBookings: 'You have no upcoming bookings. Reply 1 to book, or 0 for the menu.',
  askEmiratesId: `Please send your Emirates ID number (15 digits, e.g. ${EMIRATES_ID_EXAMPLE}).`,
  insurance: (status, d) => {
    switch (status) {
      case 'eligible':
        return `✅ Emirates ID ${d.emiratesId}: covered by ${d.insurer} (${d.plan}). You pay ${d.copayPercent}% of the consultation fee.`;
      case 'not_eligible':
        return `Emirates ID ${d.emiratesId}: ${d.insurer ?? 'your insurer'} reports no active cover. You can still book and pay the full fee.`;
      case 'not_found':
        return `No insurance policy was found for Emirates ID ${d.emiratesId}. You can still book and pay the full fee.`;
      default:
        return 'We could not reach the insurer just now. Please try again later.';
    }
  },
  invalidEmiratesId: (reason) => `That Emirates ID doesn't look right: ${reason} Please send it again, or 0 for the menu.`,
  slotTaken: 'Sorry, that time was just taken. Please pick another one.',
  slotUnavailable: 'That time is not available for booking. Please pick one of the free times.',
  cancellationClosed: (phone) => `This booking can no longer be cancelled online. Please call the clinic${phone ? ` on ${phone}` : ''}.`,
  overlapping: 'You already have an appointment at that time.',
  notFound: "I couldn't find that among your bookings.",
  invalidTransition: 'That booking can no longer be changed.',
  genericError: 'Sorry, something went wrong on our side. Please try again, or type "human" to talk to our staff.',
  llmTrouble: "Sorry, I'm having trouble right now. Please try again in a moment, or type \"human\" to talk to our staff.",
  backToMenu: 'Reply 0 for the menu.',
  linked: (name, email) =>
    `✅ This WhatsApp number is now linked to the app account of ${name}${email ? ` (${email})` : ''}. Bookings you make here or in the app appear in both, and anything you booked here before has moved to the account.`,
  linkInvalid: 'That link code is wrong or has expired. In the app, open Profile → WhatsApp for a new code, then send "LINK" followed by the code.',
  linkTooMany: (s) => `Too many link attempts from this number. Please try again in ${Math.ceil(s / 60)} minutes.`,
  llmDownMenu: "Sorry, I can't understand free text right now, but the menu works.",
  guardrailRefusal:
    'I can only help with your own visits to the clinic: finding a physician, booking, changing or cancelling an appointment, paying, and checking your insurance. How can I help?',
  buttonUnknown: "Sorry, I didn't understand that button.",
  attendanceConfirmed: (physician, when) => `Thank you! See you with ${physician} on ${when}. If anything changes, tell me here.`,
  rescheduleSlots: (physician, from, lines) => `Free times with ${physician} instead of ${from}:\n${lines.join('\n')}\nReply a number to move your appointment, or 0 for the menu.`,
  noRescheduleSlots: (physician) => `${physician} has no free times in the next days. Please call the clinic, or reply 0 for the menu.`,
  moreHint: (more) => `… ${more} more: reply "more" to see them.`,
  noMore: 'That is the whole list.',
  typeHint: 'You can also type what you need, e.g. "cardiology", a doctor\'s name, "my bookings", "reschedule", "cancel" or "insurance".',
  bookingsManage: (lines) => `Your upcoming bookings:\n${lines.join('\n')}\nReply a number to cancel or reschedule that booking, or 0 for the menu.`,
  bookingsPick: (lines, action) => `Which booking do you want to ${action === 'cancel' ? 'cancel' : 'move'}?\n${lines.join('\n')}\nReply its number, or 0 for the menu.`,
  manageBooking: (physician, when) => `${physician}, ${when}:\n1 Cancel this booking\n2 Reschedule it\n0 Menu`,
  slowDown: (minutes) => `You're sending messages faster than I can answer. Please wait ${minutes} minutes and write again. If it is urgent, call the clinic; in an emergency call 998.`,
};

const ar: Messages = {
  emergency: (phone) =>
    '🚨 قد تكون هذه حالة طبية طارئة. اتصل فوراً بالرقم 998 للإسعاف (أو 999 للشرطة)، أو توجّه إلى أقرب قسم طوارئ. لا تنتظر الرد هنا.' +
    (phone ? `\nهاتف العيادة: ${phone}` : ''),
  selfHarm: (line, phone) =>
    '💛 أنا آسف جداً لما تمر به. لست وحدك، وتستحق المساعدة الآن. تحدّث مع أحد فوراً:' +
    (line ? `\n• خط المساندة النفسية: ${line}` : '') +
    '\n• اتصل بالرقم 999 (الشرطة والإسعاف) أو 998 (الإسعاف) إذا كنت في خطر أو آذيت نفسك أو تناولت شيئاً.' +
    '\nإن استطعت، ابقَ مع شخص تثق به. لا تنتظر الرد هنا.' +
    (phone ? `\nهاتف العيادة: ${phone}` : ''),
  handover: 'لقد حوّلت محادثتك إلى موظفي العيادة، وسيرد عليك أحد الموظفين هنا قريباً.',
  handoverAway: (when) => `لقد حوّلت محادثتك إلى موظفي العيادة. العيادة مغلقة الآن، وسيرد عليك أحد الموظفين هنا ابتداءً من ${when}. في حالات الطوارئ اتصل بالرقم 998.`,
  waitingForStaff: (when) => `${when ? `سيرد عليك أحد الموظفين هنا ابتداءً من ${when} عند افتتاح العيادة.` : 'سيرد عليك أحد الموظفين هنا في أقرب وقت.'} في حالات الطوارئ اتصل بالرقم 998.`,
  menuOrPerson: 'عذراً، لم أفهم ذلك. هل تريد القائمة أم التحدث مع موظف؟\n1 القائمة\n2 التحدث مع موظف',
  handoverAfterFailures: 'عذراً، لم أتمكن من المساعدة في ذلك. لقد حوّلت محادثتك إلى موظفي العيادة وسيرد عليك أحدهم هنا قريباً.',
  medicalRefusal: 'لا أستطيع تقديم نصائح طبية أو تشخيص أو إرشادات حول الأدوية، فذلك يحتاج إلى تقييم الطبيب. يمكنني حجز استشارة لك: أرسل 1 (أو أخبرني بالتخصص الذي تحتاجه). إذا كانت الحالة طارئة فاتصل بالرقم 998.',
  welcome: (name, clinic) => `أهلاً${name ? ` ${name}` : ''}! أنا المساعد الآلي ${clinic ? `لـ${clinic}` : 'للعيادة'} على واتساب.`,
  clinicUnavailable: (clinic, phone) =>
    `عذراً، لا تستقبل ${clinic} الحجوزات عبر الإنترنت حالياً.${phone ? ` يرجى الاتصال بالعيادة على ${phone}.` : ''} في حالات الطوارئ اتصل بالرقم 998.`,
  menu: 'كيف يمكنني مساعدتك؟\n1 البحث عن طبيب والحجز\n2 حجوزاتي\n3 التحقق من التأمين\n0 هذه القائمة\nاكتب "موظف" للتحدث مع أحد الموظفين.',
  pickNumber: (max) => `من فضلك أرسل رقماً من 1 إلى ${max}، أو 0 للقائمة.`,
  specialties: (lines) => `أي تخصص؟\n${lines.join('\n')}\n0 القائمة`,
  noSpecialties: 'لا توجد تخصصات متاحة حالياً. يرجى الاتصال بالعيادة.',
  physicians: (specialty, lines) => `${specialty} — اختر طبيباً:\n${lines.join('\n')}\n0 القائمة`,
  noPhysicians: 'لا يوجد طبيب من هذا التخصص يستقبل حجوزات حالياً. أرسل 0 للقائمة.',
  nextSlot: (when) => (when ? `أقرب موعد: ${when}` : 'لا مواعيد قريبة'),
  slots: (physician, lines) => `المواعيد المتاحة مع ${physician}:\n${lines.join('\n')}\nأرسل رقم الموعد، أو تاريخاً (YYYY-MM-DD) ليوم آخر، أو 0 للقائمة.`,
  noSlots: (physician) => `لا توجد مواعيد متاحة مع ${physician} في هذه الفترة. أرسل تاريخاً (YYYY-MM-DD) ليوم آخر، أو 0 للقائمة.`,
  confirmBook: (physician, when, price) => `هل تريد حجز موعد مع ${physician} يوم ${when} (${price})؟`,
  confirmCancel: (physician, when) => `هل تريد إلغاء موعدك مع ${physician} يوم ${when}؟`,
  confirmReschedule: (physician, from, to) => `هل تريد نقل موعدك مع ${physician} من ${from} إلى ${to}؟`,
  confirmPrompt: 'أرسل "نعم" للتأكيد أو "لا" للتراجع.',
  booked: (physician, when) => `✅ تم الحجز: ${physician}، ${when}. نراك قريباً!`,
  bookedPending: (physician, when, hold) => `✅ تم حجز الموعد مبدئياً: ${physician}، ${when}. سيبقى محجوزاً لمدة ${hold} دقيقة بانتظار الدفع.`,
  payLink: (amount, link) => `ادفع ${amount} من هنا لتأكيد الحجز: ${link}`,
  payInApp: (amount) => `يرجى دفع ${amount} في تطبيق العيادة (حجوزاتي) لتأكيد الحجز.`,
  payAtDesk: 'الدفع الإلكتروني غير متاح حالياً؛ يرجى الاتصال بالعيادة لتأكيد حجزك.',
  covered: 'تأمينك يغطي كامل الرسوم: تم تأكيد الحجز.',
  cancelled: (physician, when) => `تم الإلغاء: ${physician}، ${when}. إذا كنت قد دفعت، فالاسترداد يتبع سياسة الإلغاء في العيادة.`,
  rescheduled: (physician, when) => `✅ تم نقل الموعد: ${physician}، الموعد الجديد ${when}.`,
  declined: 'حسناً، لم أغيّر شيئاً.',
  bookings: (lines) => `حجوزاتك القادمة:\n${lines.join('\n')}\nأرسل رقم الحجز لإلغائه، أو 0 للقائمة.`,
  noBookings: 'ليس لديك حجوزات قادمة. أرسل 1 للحجز أو 0 للقائمة.',
  askEmiratesId: `من فضلك أرسل رقم الهوية الإماراتية (15 رقماً، مثل ${EMIRATES_ID_EXAMPLE}).`,
  insurance: (status, d) => {
    switch (status) {
      case 'eligible':
        return `✅ الهوية ${d.emiratesId}: مشمول بتغطية ${d.insurer} (${d.plan}). تدفع ${d.copayPercent}% من رسوم الاستشارة.`;
      case 'not_eligible':
        return `الهوية ${d.emiratesId}: ${d.insurer ?? 'شركة التأمين'} لا تُظهر تغطية سارية. يمكنك الحجز ودفع الرسوم كاملة.`;
      case 'not_found':
        return `لم يتم العثور على وثيقة تأمين للهوية ${d.emiratesId}. يمكنك الحجز ودفع الرسوم كاملة.`;
      default:
        return 'تعذّر الوصول إلى شركة التأمين الآن. يرجى المحاولة لاحقاً.';
    }
  },
  invalidEmiratesId: (reason) => `رقم الهوية غير صحيح: ${reason} يرجى إرساله مرة أخرى، أو 0 للقائمة.`,
  slotTaken: 'عذراً، تم حجز هذا الموعد للتو. يرجى اختيار موعد آخر.',
  slotUnavailable: 'هذا الموعد غير متاح للحجز. يرجى اختيار أحد المواعيد المتاحة.',
  cancellationClosed: (phone) => `لم يعد الإلغاء عبر الإنترنت ممكناً لهذا الموعد. يرجى الاتصال بالعيادة${phone ? ` على ${phone}` : ''}.`,
  overlapping: 'لديك موعد آخر في الوقت نفسه.',
  notFound: 'لم أجد ذلك ضمن حجوزاتك.',
  invalidTransition: 'لم يعد بالإمكان تعديل هذا الحجز.',
  genericError: 'عذراً، حدث خطأ من جهتنا. يرجى المحاولة مرة أخرى، أو اكتب "موظف" للتحدث مع أحد الموظفين.',
  llmTrouble: 'عذراً، أواجه مشكلة الآن. يرجى المحاولة بعد قليل، أو اكتب "موظف" للتحدث مع أحد الموظفين.',
  backToMenu: 'أرسل 0 للقائمة.',
  linked: (name, email) =>
    `✅ تم ربط رقم واتساب هذا بحساب ${name} في التطبيق${email ? ` (${email})` : ''}. ستظهر الحجوزات التي تجريها هنا أو في التطبيق في كليهما، وقد نُقلت حجوزاتك السابقة من هنا إلى الحساب.`,
  linkInvalid: 'رمز الربط غير صحيح أو منتهي الصلاحية. افتح الملف الشخصي ← واتساب في التطبيق للحصول على رمز جديد، ثم أرسل "ربط" متبوعاً بالرمز.',
  linkTooMany: (s) => `محاولات ربط كثيرة من هذا الرقم. يرجى المحاولة بعد ${Math.ceil(s / 60)} دقيقة.`,
  llmDownMenu: 'عذراً، لا أستطيع فهم الرسائل الحرة الآن، لكن القائمة تعمل.',
  guardrailRefusal: 'أستطيع المساعدة في زياراتك أنت للعيادة فقط: البحث عن طبيب، حجز موعد أو تغييره أو إلغاؤه، الدفع، والتحقق من تأمينك. كيف أساعدك؟',
  buttonUnknown: 'عذراً، لم أفهم هذا الزر.',
  attendanceConfirmed: (physician, when) => `شكراً لك! نراك مع ${physician} يوم ${when}. إذا تغيّر شيء فأخبرني هنا.`,
  rescheduleSlots: (physician, from, lines) => `المواعيد المتاحة مع ${physician} بدلاً من ${from}:\n${lines.join('\n')}\nأرسل رقم الموعد لنقل موعدك إليه، أو 0 للقائمة.`,
  noRescheduleSlots: (physician) => `لا توجد مواعيد متاحة مع ${physician} في الأيام القادمة. يرجى الاتصال بالعيادة، أو أرسل 0 للقائمة.`,
  moreHint: (more) => `… ${more} أخرى: أرسل "المزيد" لعرضها.`,
  noMore: 'هذه هي القائمة كاملة.',
  typeHint: 'يمكنك أيضاً كتابة ما تحتاجه، مثل "أمراض القلب" أو اسم الطبيب أو "حجوزاتي" أو "تغيير الموعد" أو "إلغاء" أو "تأمين".',
  bookingsManage: (lines) => `حجوزاتك القادمة:\n${lines.join('\n')}\nأرسل رقم الحجز لإلغائه أو تغيير موعده، أو 0 للقائمة.`,
  bookingsPick: (lines, action) => `أي حجز تريد ${action === 'cancel' ? 'إلغاءه' : 'تغيير موعده'}؟\n${lines.join('\n')}\nأرسل رقمه، أو 0 للقائمة.`,
  manageBooking: (physician, when) => `${physician}، ${when}:\n1 إلغاء هذا الحجز\n2 تغيير الموعد\n0 القائمة`,
  slowDown: (minutes) => `أنت ترسل الرسائل أسرع مما أستطيع الرد عليه. يرجى الانتظار ${minutes} دقيقة ثم الكتابة مجدداً. إذا كان الأمر عاجلاً فاتصل بالعيادة، وفي حالات الطوارئ اتصل بالرقم 998.`,
};

export const MESSAGES: Record<Lang, Messages> = { en, ar };
export const msg = (lang: Lang): Messages => MESSAGES[lang];
