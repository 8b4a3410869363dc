import { ID_SEPARATOR_CHARS, maskEmiratesId, toAsciiDigits } from './emirates-id.ts';

/** Up to three separators in a row ("784 - 1990"). */
const SEP = `[${ID_SEPARATOR_CHARS}]{0,3}`;

/**
 * 784 and then 11 to 13 more digits (15 is a whole ID; one digit short or over is still someone's ID,
 * mistyped), not part of a longer run of digits. Matched on the ASCII-digit form of the text.
 */
const EMIRATES_ID_LIKE = new RegExp(`(?<![0-9])7${SEP}8${SEP}4(?:${SEP}[0-9]){11,13}(?![0-9])`, 'g');

/** 15 digits as everywhere else (`784-****-*****30-4`); other lengths keep only their first and last 3. */
function maskDigits(digits: string): string {
  return digits.length === 15 ? maskEmiratesId(digits) : `${digits.slice(0, 3)}-${'*'.repeat(digits.length - 6)}-${digits.slice(-3)}`;
}

/**
 * The text with every Emirates ID number masked: with spaces, dashes, en/em dashes, dots or nothing between
 * the digits, in Western, Arabic-Indic (٧٨٤…) or Eastern Arabic-Indic (۷۸۴…) digits; whether it is valid does
 * not matter. Everything else is left as written (phone numbers, dates, amounts, times). The one masker for
 * stored messages, the WhatsApp transcript, what the language model sees, and the server log.
 *
 * `vault` (optional) gets each mask mapped back to what was typed, for code that must use the real number
 * within one turn (the WhatsApp assistant's insurance check); it is never stored.
 */
export function maskEmiratesIds(text: string, vault?: Map<string, string>): string {
  // Each Arabic-Indic digit is one UTF-16 unit, as its ASCII counterpart is: offsets line up.
  const ascii = toAsciiDigits(text);
  let out = '';
  let last = 0;
  for (const m of ascii.matchAll(EMIRATES_ID_LIKE)) {
    const masked = maskDigits(m[0].replace(/[^0-9]/g, ''));
    vault?.set(masked, text.slice(m.index, m.index + m[0].length));
    out += text.slice(last, m.index) + masked;
    last = m.index + m[0].length;
  }
  return last === 0 ? text : out + text.slice(last);
}
