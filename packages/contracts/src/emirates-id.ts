import * as z from 'zod';

/**
 * Emirates ID numbers: 15 digits, printed `784-YYYY-NNNNNNN-C`:
 * `784` (the UAE's ISO 3166 numeric code), the holder's birth year, a 7-digit serial and a Luhn check
 * digit computed over the other 14. Pure functions, shared by the server, the app and the WhatsApp agent.
 */

export const EMIRATES_ID_PREFIX = '784';
export const EMIRATES_ID_MIN_BIRTH_YEAR = 1900;

export type EmiratesIdProblem = 'empty' | 'characters' | 'length' | 'prefix' | 'birth_year' | 'check_digit';

export type EmiratesIdParse =
  | { ok: true; /** the 15 digits */ digits: string; /** `784-YYYY-NNNNNNN-C` */ formatted: string; birthYear: number }
  | { ok: false; problem: EmiratesIdProblem; /** names the exact problem, for the person typing it */ message: string };

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
 * Normalises (separators, Arabic-Indic digits) and validates an Emirates ID number.
 * `currentYear` bounds the birth year; pass the clinic's current year (the clock is a parameter).
 */
export function parseEmiratesId(raw: string, currentYear: number = new Date().getFullYear()): EmiratesIdParse {
  const compact = toAsciiDigits(raw).replace(SEPARATORS, '');
  if (compact === '') return { ok: false, problem: 'empty', message: 'Enter your Emirates ID number (15 digits, e.g. 784-1990-1234567-6).' };
  const bad = /[^0-9]/.exec(compact);
  if (bad) {
    return {
      ok: false,
      problem: 'characters',
      message: `An Emirates ID contains only digits (dashes and spaces are fine); "${bad[0]}" is not allowed.`,
    };
  }
  if (compact.length !== 15) {
    return { ok: false, problem: 'length', message: `An Emirates ID has 15 digits; this one has ${compact.length}.` };
  }
  if (!compact.startsWith(EMIRATES_ID_PREFIX)) {
    return { ok: false, problem: 'prefix', message: `An Emirates ID starts with 784; this one starts with ${compact.slice(0, 3)}.` };
  }
  const birthYear = Number(compact.slice(3, 7));
  if (birthYear < EMIRATES_ID_MIN_BIRTH_YEAR || birthYear > currentYear) {
    return {
      ok: false,
      problem: 'birth_year',
      message: `Digits 4–7 of an Emirates ID are the birth year, between ${EMIRATES_ID_MIN_BIRTH_YEAR} and ${currentYear}; ${compact.slice(3, 7)} is not.`,
    };
  }
  if (!luhnValid(compact)) {
    return {
      ok: false,
      problem: 'check_digit',
      message: 'The last digit of this Emirates ID does not match the check digit of the other 14; look for a mistyped digit.',
    };
  }
  return { ok: true, digits: compact, formatted: format(compact), birthYear };
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
  ctx.addIssue({ code: 'custom', message: parsed.message, params: { problem: parsed.problem } });
  return z.NEVER;
});
