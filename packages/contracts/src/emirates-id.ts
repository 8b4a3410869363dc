import * as z from 'zod';
import type { Locale } from './notifications.ts';

/**
 * Emirates ID numbers: 15 digits, printed `784-YYYY-NNNNNNN-C`:
 * `784` (the UAE's ISO 3166 numeric code), the holder's birth year, a 7-digit serial and a Luhn check
 * digit computed over the other 14. Pure functions, shared by the server, the app and the WhatsApp agent.
 */

export const EMIRATES_ID_PREFIX = '784';
export const EMIRATES_ID_MIN_BIRTH_YEAR = 1900;

/**
 * Why a number is not an Emirates ID: a code and its parameters, never a sentence. Clients render it in the
 * reader's language (`renderEmiratesIdReason`, EN/AR/FR); the API sends it as the error's `data.reason`.
 */
export type EmiratesIdReason =
  | { code: 'empty' }
  | { code: 'bad_character'; /** the first character that is neither a digit nor a separator */ character: string }
  | { code: 'length'; /** how many digits were found */ digits: number }
  | { code: 'prefix'; /** the first 3 digits found */ prefix: string }
  | { code: 'birth_year'; /** digits 4-7 as typed */ year: string; min: number; max: number }
  | { code: 'check_digit' };

export type EmiratesIdParse =
  | { ok: true; /** the 15 digits */ digits: string; /** `784-YYYY-NNNNNNN-C` */ formatted: string; birthYear: number }
  | {
      ok: false;
      reason: EmiratesIdReason;
      /** The reason in English (REST's `message`); other languages render `reason`. */
      message: string;
    };

/** Spaces, dashes and the invisible direction marks that come along when Arabic text is copied. */
const SEPARATORS = /[\s\u00a0\u2007\u202f\-\u2010-\u2015\u2212\u200e\u200f\u061c\u2066-\u2069\u202a-\u202e]/g;

/** Arabic-Indic (٠-٩, U+0660…) and Eastern Arabic-Indic (۰-۹, U+06F0…) digits become 0-9. */
export function toAsciiDigits(input: string): string {
  return input.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (ch) => {
    const cp = ch.charCodeAt(0);
    return String(cp >= 0x06f0 ? cp - 0x06f0 : cp - 0x0660);
  });
}

/** Luhn (mod 10) over all the digits given, the last one being the check digit. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** The check digit that completes 14 digits into a valid Emirates ID number. */
export function emiratesIdCheckDigit(first14: string): number {
  if (!/^\d{14}$/.test(first14)) throw new Error('emiratesIdCheckDigit expects 14 ASCII digits');
  for (let c = 0; c < 10; c++) if (luhnValid(first14 + c)) return c;
  throw new Error('unreachable');
}

const format = (d: string) => `${d.slice(0, 3)}-${d.slice(3, 7)}-${d.slice(7, 14)}-${d.slice(14)}`;

/**
 * The number prompts and messages show as an example: a real-looking one that passes every check (the check
 * digit computed, not typed), so a patient copying its layout is never refused by the example itself.
 */
export const EMIRATES_ID_EXAMPLE = format(`${EMIRATES_ID_PREFIX}19901234567${emiratesIdCheckDigit(`${EMIRATES_ID_PREFIX}19901234567`)}`);

const EN: Record<EmiratesIdReason['code'], (r: never) => string> = {
  empty: () => `Enter your Emirates ID number (15 digits, e.g. ${EMIRATES_ID_EXAMPLE}).`,
  bad_character: (r: { character: string }) => `An Emirates ID contains only digits (dashes and spaces are fine); "${r.character}" is not allowed.`,
  length: (r: { digits: number }) => `An Emirates ID has 15 digits; this one has ${r.digits}.`,
  prefix: (r: { prefix: string }) => `An Emirates ID starts with ${EMIRATES_ID_PREFIX}; this one starts with ${r.prefix}.`,
  birth_year: (r: { year: string; min: number; max: number }) => `Digits 4–7 of an Emirates ID are the birth year, between ${r.min} and ${r.max}; ${r.year} is not.`,
  check_digit: () => 'The last digit of this Emirates ID does not match the check digit of the other 14; look for a mistyped digit.',
};

// Latin digits in Arabic text, as UAE government services and banks write them (and as the ID card prints them).
const AR: typeof EN = {
  empty: () => `أرسل رقم هويتك الإماراتية (15 رقماً، مثل ${EMIRATES_ID_EXAMPLE}).`,
  bad_character: (r: { character: string }) => `رقم الهوية الإماراتية يتكوّن من أرقام فقط (الشرطات والمسافات مقبولة)، والرمز «${r.character}» غير مسموح به.`,
  length: (r: { digits: number }) => `رقم الهوية الإماراتية يتكوّن من 15 رقماً، وعدد أرقام الرقم المرسل ${r.digits}.`,
  prefix: (r: { prefix: string }) => `رقم الهوية الإماراتية يبدأ بـ ${EMIRATES_ID_PREFIX}، والرقم المرسل يبدأ بـ ${r.prefix}.`,
  birth_year: (r: { year: string; min: number; max: number }) => `الأرقام من الرابع إلى السابع في رقم الهوية هي سنة الميلاد، ويجب أن تكون بين ${r.min} و${r.max}، وهي في الرقم المرسل ${r.year}.`,
  check_digit: () => 'الرقم الأخير في الهوية لا يطابق رقم التحقق المحسوب من الأرقام الأربعة عشر الأخرى؛ تأكّد من عدم وجود رقم مكتوب خطأً.',
};

const FR: typeof EN = {
  empty: () => `Saisissez votre numéro d’identité émirienne (15 chiffres, p. ex. ${EMIRATES_ID_EXAMPLE}).`,
  bad_character: (r: { character: string }) => `Un numéro d’identité émirienne ne contient que des chiffres (tirets et espaces acceptés) ; « ${r.character} » n’est pas autorisé.`,
  length: (r: { digits: number }) => `Un numéro d’identité émirienne compte 15 chiffres ; celui-ci en compte ${r.digits}.`,
  prefix: (r: { prefix: string }) => `Un numéro d’identité émirienne commence par ${EMIRATES_ID_PREFIX} ; celui-ci commence par ${r.prefix}.`,
  birth_year: (r: { year: string; min: number; max: number }) => `Les chiffres 4 à 7 d’un numéro d’identité émirienne sont l’année de naissance, entre ${r.min} et ${r.max} ; ${r.year} ne l’est pas.`,
  check_digit: () => 'Le dernier chiffre de ce numéro ne correspond pas au chiffre de contrôle des 14 autres ; vérifiez qu’aucun chiffre n’a été mal saisi.',
};

const TEXTS: Record<Locale, typeof EN> = { en: EN, ar: AR, fr: FR };

/** The reason as a sentence in `locale` (EN, AR, FR). */
export function renderEmiratesIdReason(reason: EmiratesIdReason, locale: Locale): string {
  return (TEXTS[locale][reason.code] as (r: EmiratesIdReason) => string)(reason);
}

const failed = (reason: EmiratesIdReason): EmiratesIdParse => ({ ok: false, reason, message: renderEmiratesIdReason(reason, 'en') });

/**
 * Normalises (separators, Arabic-Indic digits) and validates an Emirates ID number.
 * `currentYear` bounds the birth year; pass the clinic's current year (the clock is a parameter).
 */
export function parseEmiratesId(raw: string, currentYear: number = new Date().getFullYear()): EmiratesIdParse {
  const compact = toAsciiDigits(raw).replace(SEPARATORS, '');
  if (compact === '') return failed({ code: 'empty' });
  const bad = /[^0-9]/u.exec(compact);
  if (bad) return failed({ code: 'bad_character', character: bad[0] });
  if (compact.length !== 15) return failed({ code: 'length', digits: compact.length });
  if (!compact.startsWith(EMIRATES_ID_PREFIX)) return failed({ code: 'prefix', prefix: compact.slice(0, 3) });
  const birthYear = Number(compact.slice(3, 7));
  if (birthYear < EMIRATES_ID_MIN_BIRTH_YEAR || birthYear > currentYear) {
    return failed({ code: 'birth_year', year: compact.slice(3, 7), min: EMIRATES_ID_MIN_BIRTH_YEAR, max: currentYear });
  }
  if (!luhnValid(compact)) return failed({ code: 'check_digit' });
  return { ok: true, digits: compact, formatted: format(compact), birthYear };
}

/**
 * What may stand between the digits of an Emirates ID written in a message (a character class's body): spaces
 * (plain, tab, no-break, figure, thin, narrow), the hyphen and the dashes (‐ ‑ ‒ – — ― and the minus sign), dots,
 * and the invisible direction marks that come along when Arabic text is copied. The finder and the masker share it.
 */
export const ID_SEPARATOR_CHARS = ' \\t\\u00a0\\u2007\\u2009\\u200a\\u202f\\-\\u2010-\\u2015\\u2212.\\u200e\\u200f\\u061c\\u2066-\\u2069\\u202a-\\u202e';

/** A run of digits with up to three separators between any two ("784 - 1990"). */
const DIGIT_RUN = new RegExp(`[0-9](?:[${ID_SEPARATOR_CHARS}]{0,3}[0-9])*`, 'g');

/**
 * The Emirates ID in a message written in words ("my id is 784-…", "رقمي ٧٨٤-…", Persian digits too), as its ASCII
 * digits, for `parseEmiratesId` to judge: the run of digits that starts with 784, else the
 * longest run (so a mistyped number still gets its precise reason). Null when the message has no digit at all.
 */
export function extractEmiratesId(text: string): string | null {
  const runs = [...toAsciiDigits(text).matchAll(DIGIT_RUN)].map((m) => m[0].replace(/[^0-9]/g, ''));
  if (runs.length === 0) return null;
  return runs.find((digits) => digits.startsWith(EMIRATES_ID_PREFIX)) ?? runs.reduce((a, b) => (b.length > a.length ? b : a));
}

/** `784-1990-1234567-1` → `784-****-*****67-1`: the first 3 and the last 3 digits stay visible. */
export function maskEmiratesId(digits: string): string {
  if (!/^\d{15}$/.test(digits)) throw new Error('maskEmiratesId expects the 15 normalised digits');
  return `${digits.slice(0, 3)}-****-*****${digits.slice(12, 14)}-${digits.slice(14)}`;
}

/** For forms (app, agent): accepts what a person types and yields the 15 normalised digits. */
export const EmiratesIdSchema = z.string().transform((raw, ctx) => {
  const parsed = parseEmiratesId(raw);
  if (parsed.ok) return parsed.digits;
  ctx.addIssue({ code: 'custom', message: parsed.message, params: { reason: parsed.reason } });
  return z.NEVER;
});
