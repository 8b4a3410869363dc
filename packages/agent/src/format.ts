import type { Money } from '@clinic/contracts';
import type { Lang } from './text.ts';

const LOCALE: Record<Lang, string> = { en: 'en-GB', ar: 'ar-AE-u-nu-latn' };

const AR_MONTHS = ['يناير', 'فبراير', 'مارس', 'أبريل', 'مايو', 'يونيو', 'يوليو', 'أغسطس', 'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'];

/** The clinic's wall-clock weekday (0 = Sunday), day and month (1-12) of an instant. */
function localParts(d: Date, timeZone: string): { weekday: number; day: number; month: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', day: 'numeric', month: 'numeric' }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')), day: Number(get('day')), month: Number(get('month')) };
}

/**
 * "Tue 1 Dec, 09:30" / "الثلاثاء، 1 ديسمبر، 09:30" in the clinic's time zone. Arabic is assembled here rather than
 * by ICU, whose patterns differ between Node versions: Arabic commas (،) only, and Latin digits, as Gulf
 * apps, banks and government services write times and dates (the same digits the patient types to pick).
 */
export function formatWhen(instant: string | Date, timeZone: string, lang: Lang): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  const time = formatTime(d, timeZone);
  if (lang === 'ar') {
    const p = localParts(d, timeZone);
    return `${weekdayName(p.weekday, 'ar')}، ${p.day} ${AR_MONTHS[p.month - 1]}، ${time}`;
  }
  const date = new Intl.DateTimeFormat(LOCALE[lang], { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(d);
  return `${date}, ${time}`;
}

export function formatTime(instant: string | Date, timeZone: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** Minor units → "AED 300" / "AED 312.50"; Arabic "300 درهم" / "312.50 درهم" (Latin digits, as in dates). */
export function formatMoney(m: Money, lang: Lang): string {
  const major = m.amount % 100 === 0 ? String(m.amount / 100) : (m.amount / 100).toFixed(2);
  return lang === 'ar' ? `${major} ${CURRENCY_AR[m.currency] ?? m.currency}` : `${m.currency} ${major}`;
}
const CURRENCY_AR: Record<string, string> = { AED: 'درهم' };

const WEEKDAYS: Record<Lang, string[]> = {
  en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  ar: ['الأحد', 'الإثنين', 'الثلاثاء', 'الأربعاء', 'الخميس', 'الجمعة', 'السبت'],
};
export const weekdayName = (weekday: number, lang: Lang) => WEEKDAYS[lang][weekday] ?? String(weekday);

/** A physician's name in the patient's script: the Arabic name in Arabic (the Latin one where there is none). */
export const physicianNameIn = (lang: Lang, p: { fullName: string; fullNameAr?: string | undefined }): string => (lang === 'ar' && p.fullNameAr ? p.fullNameAr : p.fullName);

/** The physician of a booking, named in the patient's script. */
export const bookedPhysicianIn = (lang: Lang, a: { physicianName: string; physicianNameAr?: string | undefined }): string =>
  lang === 'ar' && a.physicianNameAr ? a.physicianNameAr : a.physicianName;
