import { addLocalDays, localDateOf } from '@clinic/scheduling';
import { foldForMatching } from './text.ts';

/**
 * The words a patient types instead of a menu number, in English and Arabic (Gulf forms included), in one place:
 * the menu (no model) routes on them, and the model mode may reuse them. Matching is on whole words of the
 * folded text (foldForMatching), so "heart" is not found in "hearth" and "سن" not in "حسن".
 */
export type Intent = 'book' | 'bookings' | 'cancel' | 'reschedule' | 'insurance' | 'human' | 'more';

/** Folded, punctuation as spaces, one space between words. */
function words(text: string): string {
  return foldForMatching(text)
    .replace(/[^\p{L}\p{N}'&\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The same without the Arabic article and its one-letter prefixes ("بالقلب", "للأطفال", "والعيون" → "قلب", "اطفال", "عيون"). */
const withoutArticle = (w: string) => w.replace(/(^| )(?:[وفبك]?ال|لل)(?=\p{L}{2})/gu, '$1');

/** A message as the matchers read it: both forms, each padded so a phrase is found as whole words. */
interface Folded {
  plain: string;
  stripped: string;
}
const foldMessage = (text: string): Folded => {
  const plain = words(text);
  return { plain: ` ${plain} `, stripped: ` ${withoutArticle(plain)} ` };
};

/** Phrases folded the same way (a phrase written with its article also matches without it). */
const phrases = (list: string[]) => [...new Set(list.flatMap((p) => [words(p), withoutArticle(words(p))]))].filter(Boolean);

const has = (msg: Folded, list: string[]) => list.some((p) => msg.plain.includes(` ${p} `) || msg.stripped.includes(` ${p} `));

const INTENT_WORDS: [Intent, string[]][] = [
  [
    'reschedule',
    [
      'reschedule', 're-schedule', 'rebook', 'move my appointment', 'move my booking', 'move it', 'move the appointment', 'change my appointment', 'change my booking',
      'change the appointment', 'change the time', 'another time', 'different time', 'postpone', 'تغيير الموعد', 'تغيير موعدي', 'تغيير موعد', 'غير موعدي', 'غير الموعد',
      'اغير موعدي', 'اغير الموعد', 'تعديل الموعد', 'تعديل موعدي', 'عدل موعدي', 'تأجيل', 'تاجيل', 'أجل موعدي', 'اجل الموعد', 'نقل الموعد', 'نقل موعدي', 'انقل موعدي', 'موعد آخر', 'وقت آخر', 'وقت ثاني',
    ],
  ],
  ['cancel', ['cancel', 'cancellation', 'cancel my appointment', 'الغاء', 'الغي', 'الغ', 'ابغى الغي', 'كنسل', 'كانسل']],
  [
    'bookings',
    [
      'my bookings', 'my booking', 'my appointments', 'my appointment', 'bookings', 'appointments', 'upcoming', 'حجوزاتي', 'حجزي', 'مواعيدي', 'موعدي', 'حجوزات', 'مواعيد',
    ],
  ],
  ['insurance', ['insurance', 'insured', 'insurer', 'coverage', 'cover', 'covered', 'emirates id', 'تأمين', 'التأمين', 'تأميني', 'تغطيه', 'هويه', 'الهويه']],
  ['human', ['human', 'person', 'a person', 'staff', 'agent', 'receptionist', 'call me', 'موظف', 'موظفه', 'انسان', 'احد الموظفين', 'الاستقبال', 'خدمه العملاء']],
  ['book', ['book', 'booking', 'book an appointment', 'appointment', 'new appointment', 'doctor', 'physician', 'احجز', 'حجز', 'ابغى احجز', 'ابي احجز', 'موعد', 'موعد جديد', 'دكتور', 'طبيب']],
  ['more', ['more', 'next', 'next page', 'show more', 'المزيد', 'مزيد', 'التالي', 'بعد', 'كمان', 'اكثر']],
];
const INTENTS: [Intent, string[]][] = INTENT_WORDS.map(([intent, list]) => [intent, phrases(list)]);

/**
 * What a typed message asks for, by the first kind that matches (reschedule before cancel before my bookings, so
 * "cancel my booking" is a cancel and "change my appointment" a reschedule); null when it names none.
 */
export function detectIntent(text: string): Intent | null {
  const msg = foldMessage(text);
  for (const [intent, list] of INTENTS) if (has(msg, list)) return intent;
  return null;
}

/** "more" / "المزيد" (alone or nearly): the next page of the list on screen. */
export function asksForMore(text: string): boolean {
  const w = words(text).split(' ').filter(Boolean);
  return w.length > 0 && w.length <= 3 && detectIntent(text) === 'more';
}

/**
 * What patients call each specialty besides its own name, by the seed catalogue's slugs. A clinic's specialty that
 * is not here is still found by its own names (English and Arabic) and its sub-specialties.
 */
export const SPECIALTY_SYNONYMS: Record<string, string[]> = {
  'family-medicine': ['family medicine', 'family doctor', 'family physician', 'gp', 'general practitioner', 'general doctor', 'general physician', 'general medicine', 'طب الاسره', 'طبيب الاسره', 'طبيب اسره', 'طبيب عام', 'طب عام', 'ممارس عام', 'طبيب العائله'],
  'internal-medicine': ['internal medicine', 'internist', 'internal', 'باطنيه', 'باطنه', 'باطني', 'الطب الباطني', 'دكتور باطنيه'],
  pediatrics: ['pediatrics', 'paediatrics', 'pediatric', 'paediatric', 'pediatrician', 'paediatrician', 'child doctor', 'children doctor', "children's doctor", 'kids doctor', 'baby doctor', 'my child', 'my son', 'my daughter', 'اطفال', 'طب الاطفال', 'طبيب اطفال', 'دكتور اطفال', 'طفلي', 'ولدي', 'بنتي'],
  cardiology: ['cardiology', 'cardiologist', 'cardio', 'cardiac', 'heart', 'heart doctor', 'heart specialist', 'blood pressure', 'قلب', 'امراض القلب', 'طبيب قلب', 'دكتور قلب', 'القلب'],
  dermatology: ['dermatology', 'dermatologist', 'derma', 'skin', 'skin doctor', 'acne', 'eczema', 'جلديه', 'جلد', 'الامراض الجلديه', 'طبيب جلديه', 'دكتور جلديه', 'بشره'],
  'obstetrics-gynaecology': ['gynecology', 'gynaecology', 'gynecologist', 'gynaecologist', 'gyn', 'gyno', 'obgyn', 'ob gyn', 'obstetrics', 'obstetrician', 'pregnancy', 'pregnant', "women's health", 'نساء', 'نسائيه', 'ولاده', 'توليد', 'نساء وولاده', 'امراض النساء', 'حمل', 'حامل'],
  orthopaedics: ['orthopaedics', 'orthopedics', 'orthopaedic', 'orthopedic', 'orthopaedist', 'orthopedist', 'ortho', 'bone', 'bones', 'joint', 'joints', 'knee', 'spine', 'sports injury', 'عظام', 'جراحه العظام', 'طبيب عظام', 'دكتور عظام', 'مفاصل', 'ركبه', 'ظهر'],
  ent: ['ent', 'ear nose throat', 'ear nose and throat', 'ear', 'ears', 'nose', 'throat', 'sinus', 'otolaryngology', 'انف', 'اذن', 'حنجره', 'انف واذن', 'انف واذن وحنجره', 'جيوب'],
  ophthalmology: ['ophthalmology', 'ophthalmologist', 'eye', 'eyes', 'eye doctor', 'vision', 'عيون', 'عين', 'طب العيون', 'طبيب عيون', 'دكتور عيون', 'نظر'],
  dentistry: ['dentistry', 'dentist', 'dental', 'teeth', 'tooth', 'toothache', 'orthodontist', 'braces', 'اسنان', 'طب الاسنان', 'طبيب اسنان', 'دكتور اسنان', 'ضرس', 'سن', 'تقويم'],
  psychiatry: ['psychiatry', 'psychiatrist', 'psychologist', 'psychology', 'mental health', 'therapist', 'anxiety', 'نفسي', 'نفسيه', 'طب نفسي', 'الطب النفسي', 'طبيب نفسي', 'دكتور نفسي', 'قلق'],
  endocrinology: ['endocrinology', 'endocrinologist', 'diabetes', 'diabetic', 'thyroid', 'hormones', 'hormone', 'sugar', 'غدد', 'الغدد الصماء', 'غده', 'سكري', 'سكر', 'درقيه', 'هرمونات'],
};
const SYNONYMS: Record<string, string[]> = Object.fromEntries(Object.entries(SPECIALTY_SYNONYMS).map(([slug, list]) => [slug, phrases(list)]));

export interface SpecialtyNames {
  slug: string;
  name: string;
  nameAr: string;
  subSpecialties?: { slug: string; name: string }[];
}

/**
 * The specialty a message names ("cardiology", "a cardiologist please", "أمراض القلب", "طبيب قلب"), among `list`
 * (the ones offered here); the longest match wins, so "paediatric dentistry" is dentistry's sub-specialty, not pediatrics.
 */
export function matchSpecialty<T extends SpecialtyNames>(text: string, list: T[]): T | null {
  const msg = foldMessage(text);
  let best: { s: T; len: number } | null = null;
  for (const s of list) {
    const own = phrases([s.name, s.nameAr, s.slug.replace(/-/g, ' '), ...(s.subSpecialties ?? []).map((x) => x.name)]);
    for (const p of [...own, ...(SYNONYMS[s.slug] ?? [])]) {
      if ((msg.plain.includes(` ${p} `) || msg.stripped.includes(` ${p} `)) && (!best || p.length > best.len)) best = { s, len: p.length };
    }
  }
  return best?.s ?? null;
}

/** Words around a name that are not the name ("dr", "with", "please", "الدكتور", "مع" …). */
const NAME_FILLER = new Set(
  phrases([
    'dr', 'doctor', 'doc', 'prof', 'professor', 'with', 'see', 'please', 'pls', 'i', 'want', 'would', 'like', 'to', 'need', 'a', 'an', 'the', 'book', 'appointment', 'mr', 'mrs', 'ms', 'miss',
    'د', 'دكتور', 'دكتوره', 'الدكتور', 'الدكتوره', 'طبيب', 'طبيبه', 'مع', 'عند', 'موعد', 'احجز', 'ابغى', 'ابي', 'اريد', 'لو', 'سمحت', 'من', 'فضلك',
  ]),
);

/**
 * The name a message may be ("Dr. Salma Haddad", "salma", "الدكتورة سلمى"): its words without titles and fillers,
 * when what is left is one to four words with at least three letters; else null (a sentence is not a name).
 */
export function nameQuery(text: string): string | null {
  const kept = text
    .replace(/[^\p{L}\p{N}'\s-]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w && !NAME_FILLER.has(words(w)) && !/^\d+$/.test(w));
  if (kept.length === 0 || kept.length > 4) return null;
  const q = kept.join(' ');
  return q.replace(/[^\p{L}]/gu, '').length >= 3 ? q : null;
}

const WEEKDAY_WORDS: string[][] = [
  ['sunday', 'sun', 'الاحد', 'احد'],
  ['monday', 'mon', 'الاثنين', 'اثنين', 'الاثنين'],
  ['tuesday', 'tue', 'tues', 'الثلاثاء', 'ثلاثاء'],
  ['wednesday', 'wed', 'الاربعاء', 'اربعاء'],
  ['thursday', 'thu', 'thur', 'thurs', 'الخميس', 'خميس'],
  ['friday', 'fri', 'الجمعه', 'جمعه'],
  ['saturday', 'sat', 'السبت', 'سبت'],
].map(phrases);

/**
 * A day the patient typed for another day's times: YYYY-MM-DD, today/tomorrow (اليوم، بكرة، غداً) or a weekday
 * (its next occurrence, today included), in the clinic's calendar; null when the message names none.
 */
export function parseDay(text: string, now: Date, timeZone: string): string | null {
  const iso = /\b(\d{4}-\d{2}-\d{2})\b/.exec(text);
  if (iso) return iso[1]!;
  const msg = foldMessage(text);
  const today = localDateOf(now, timeZone);
  if (has(msg, phrases(['today', 'اليوم']))) return today;
  if (has(msg, phrases(['day after tomorrow', 'بعد بكره', 'بعد غد']))) return addLocalDays(today, 2);
  if (has(msg, phrases(['tomorrow', 'tmrw', 'بكره', 'بكرا', 'غدا', 'غد']))) return addLocalDays(today, 1);
  const todayWeekday = new Date(`${today}T12:00:00Z`).getUTCDay();
  for (const [weekday, list] of WEEKDAY_WORDS.entries()) {
    if (has(msg, list!)) return addLocalDays(today, (weekday - todayWeekday + 7) % 7);
  }
  return null;
}

/** Does every word of `query` begin a word of `fullName` ("salma", "haddad s", "د سلمى" against "Dr. Salma Haddad")? */
export function nameMatches(query: string, fullName: string): boolean {
  const name = words(fullName).split(' ');
  const q = words(query).split(' ').filter((w) => !NAME_FILLER.has(w));
  return q.length > 0 && q.every((w) => name.some((n) => n.startsWith(w)));
}
