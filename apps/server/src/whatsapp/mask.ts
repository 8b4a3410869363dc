import { maskEmiratesId, toAsciiDigits } from '@clinic/contracts';

/**
 * An Emirates ID number written anywhere in a message: 15 digits starting with 784, maybe split by
 * dashes or spaces, not part of a longer run of digits. Matched on the ASCII-digit form of the text.
 */
const EMIRATES_ID_RUN = /(?<![0-9])7[ \t\u00a0-]*8[ \t\u00a0-]*4(?:[ \t\u00a0-]*[0-9]){12}(?![0-9])/g;

/**
 * The text with every Emirates ID number masked as `784-****-*****30-4`, whether typed in Western,
 * Arabic-Indic (٧٨٤…) or Eastern Arabic-Indic (۷۸۴…) digits; everything else is left as written.
 * Whether the number is valid does not matter: a mistyped ID is still someone's ID.
 */
export function maskEmiratesIds(text: string): string {
  // Each Arabic-Indic digit is one UTF-16 unit, like its ASCII counterpart: offsets line up.
  const ascii = toAsciiDigits(text);
  let out = '';
  let last = 0;
  for (const m of ascii.matchAll(EMIRATES_ID_RUN)) {
    out += text.slice(last, m.index) + maskEmiratesId(m[0].replace(/[^0-9]/g, ''));
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}
