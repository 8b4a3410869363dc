import type { Money } from '@clinic/contracts';
import type { Lang } from './text.ts';

const LOCALE: Record<Lang, string> = { en: 'en-GB', ar: 'ar-AE-u-nu-latn' };

/** "Tue 1 Dec, 09:30" / "الثلاثاء ١ ديسمبر، 09:30" in the clinic's time zone. */
export function formatWhen(instant: string | Date, timeZone: string, lang: Lang): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  const date = new Intl.DateTimeFormat(LOCALE[lang], { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  return `${date}, ${time}`;
}

export function formatTime(instant: string | Date, timeZone: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** Minor units → "AED 300" / "AED 312.50" ("300 درهم"). */
export function formatMoney(m: Money, lang: Lang): string {
  const major = m.amount % 100 === 0 ? String(m.amount / 100) : (m.amount / 100).toFixed(2);
  return lang === 'ar' ? `${major} درهم` : `AED ${major}`;
}

const WEEKDAYS: Record<Lang, string[]> = {
  en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  ar: ['الأحد', 'الإثنين', 'الثلاثاء', 'الأربعاء', 'الخميس', 'الجمعة', 'السبت'],
};
export const weekdayName = (weekday: number, lang: Lang) => WEEKDAYS[lang][weekday] ?? String(weekday);
