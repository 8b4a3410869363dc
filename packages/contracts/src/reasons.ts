import { renderEmiratesIdReason, type EmiratesIdReason } from './emirates-id.ts';
import type { ErrorCode, ErrorReason } from './errors.ts';
import type { Locale } from './notifications.ts';

/**
 * Refusals as sentences in the reader's language, from the machine-readable reason an error carries
 * (`data.reason`) — the one place a client (the app, the WhatsApp assistant) turns codes into words.
 * Digits stay Latin in Arabic text, as UAE government services and banks write them.
 */

/** An Emirates ID reason as the API sends it: `{ code, params }`. */
export function emiratesIdErrorReason(reason: EmiratesIdReason): ErrorReason {
  const { code, ...params } = reason;
  return { code, params };
}

/** `CANCELLATION_CLOSED`: `{ code: 'cutoff', params: { hours, phone? } }`. */
export function cancellationCutoffReason(hours: number, phone?: string | null): ErrorReason {
  return { code: 'cutoff', params: { hours, ...(phone ? { phone } : {}) } };
}

const CUTOFF: Record<Locale, (hours: number, phone: string | null) => string> = {
  en: (hours, phone) => `Bookings can be cancelled online up to ${hours} hours before the start.${phone ? ` Please call the clinic on ${phone}.` : ' Please call the clinic.'}`,
  ar: (hours, phone) => `يمكن إلغاء الحجز عبر الإنترنت حتى ${hours} ساعة قبل موعده، ولم يعد ذلك ممكناً لهذا الموعد. يرجى الاتصال بالعيادة${phone ? ` على ${phone}` : ''}.`,
  fr: (hours, phone) => `Un rendez-vous peut être annulé en ligne jusqu’à ${hours} heures avant son début.${phone ? ` Veuillez appeler la clinique au ${phone}.` : ' Veuillez appeler la clinique.'}`,
};

const EMIRATES_ID_CODES = new Set<string>(['empty', 'bad_character', 'length', 'prefix', 'birth_year', 'check_digit']);

const str = (v: string | number | undefined) => (v === undefined ? '' : String(v));
const num = (v: string | number | undefined) => (typeof v === 'number' ? v : Number(v ?? Number.NaN));

/** An `INVALID_EMIRATES_ID` reason back in its typed form; null when the code is not one of ours. */
export function emiratesIdReasonOf(reason: ErrorReason): EmiratesIdReason | null {
  if (!EMIRATES_ID_CODES.has(reason.code)) return null;
  const p = reason.params;
  switch (reason.code) {
    case 'bad_character':
      return { code: 'bad_character', character: str(p['character']) };
    case 'length':
      return { code: 'length', digits: num(p['digits']) };
    case 'prefix':
      return { code: 'prefix', prefix: str(p['prefix']) };
    case 'birth_year':
      return { code: 'birth_year', year: str(p['year']), min: num(p['min']), max: num(p['max']) };
    default:
      return { code: reason.code as 'empty' | 'check_digit' };
  }
}

/**
 * The reason of an error with this `appCode`, as a sentence in `locale`; null when there is no reason or the
 * code is one this version does not know (the caller falls back to its own generic sentence).
 */
export function renderErrorReason(appCode: ErrorCode, reason: ErrorReason | undefined, locale: Locale): string | null {
  if (!reason) return null;
  switch (appCode) {
    case 'INVALID_EMIRATES_ID': {
      const typed = emiratesIdReasonOf(reason);
      return typed ? renderEmiratesIdReason(typed, locale) : null;
    }
    case 'CANCELLATION_CLOSED': {
      if (reason.code !== 'cutoff') return null;
      const phone = reason.params['phone'];
      return CUTOFF[locale](num(reason.params['hours']), phone === undefined || phone === '' ? null : String(phone));
    }
    default:
      return null;
  }
}
