import { toAsciiDigits } from '@clinic/contracts';

export type Lang = 'en' | 'ar';

/** Bidi marks and other invisible characters WhatsApp clients paste along with Arabic text. */
const INVISIBLE = /[\u200b-\u200f\u061c\u2066-\u2069\u202a-\u202e\ufeff]/g;

/**
 * What every rule and tool sees: Arabic-Indic digits as ASCII (so "١٠:٣٠" is "10:30" and an Emirates ID
 * typed in Arabic digits is the same number), invisible marks gone, whitespace collapsed.
 */
export function normalise(text: string): string {
  return toAsciiDigits(text.normalize('NFKC'))
    .replace(INVISIBLE, '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .trim();
}

const ARABIC_LETTER = /[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]/;
const LATIN_WORD = /[a-z]{2,}/i;

/** Arabic when the message has Arabic letters; English when it has Latin words; else the previous language. */
export function detectLanguage(text: string, previous: Lang): Lang {
  if (ARABIC_LETTER.test(text)) return 'ar';
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  // "ok", "1", "yes" alone say little about the language the patient prefers.
  if (LATIN_WORD.test(text) && words.some((w) => !NEUTRAL_WORDS.has(w))) return 'en';
  return previous;
}
const NEUTRAL_WORDS = new Set(['ok', 'okay', 'yes', 'no', 'menu', 'hi', 'hello']);

/** For keyword matching: Arabic without diacritics and with one form of alef/yaa/taa marbuta; lower-case Latin. */
export function foldForMatching(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u064b-\u065f\u0670\u0640]/g, '') // harakat, dagger alef, tatweel
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ى/g, 'ي')
    .replace(/ة/g, 'ه')
    .replace(/ؤ/g, 'و')
    .replace(/ئ/g, 'ي')
    .replace(/[’‘`]/g, "'");
}

const YES = ['yes', 'y', 'yeah', 'yep', 'yup', 'ok', 'okay', 'k', 'sure', 'confirm', 'confirmed', 'correct', 'right', 'agreed', 'نعم', 'ايوه', 'ايوا', 'اي', 'اجل', 'اكد', 'اكيد', 'اوكد', 'تاكيد', 'موافق', 'موافقه', 'تمام', 'حسنا', 'اوكي', 'طيب', 'صح'];
const NO = ['no', 'n', 'nope', 'cancel', 'stop', "don't", 'dont', 'not', 'لا', 'الغ', 'الغي', 'الغاء', 'كلا', 'مش', 'لأ'];
/** Words that may accompany a yes/no without changing it ("yes please", "ok go ahead", "نعم من فضلك"). */
const FILLER = ['please', 'pls', 'plz', 'go', 'ahead', 'do', 'it', 'book', 'that', 'thanks', 'thank', 'you', 'sir', 'من', 'فضلك', 'لو', 'سمحت', 'شكرا', 'احجز', 'يا', 'و'];

const fold = (words: string[]) => new Set(words.map(foldForMatching));
const YES_SET = fold(YES);
const NO_SET = fold(NO);
const FILLER_SET = fold(FILLER);

function tokens(text: string): string[] {
  return foldForMatching(text)
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** An explicit, unqualified yes ("yes", "ok please", "نعم", "أكد", "👍"). "yes but at 11" is not. */
export function isYes(text: string): boolean {
  if (/^\s*(👍|✅|✔️?)+\s*$/u.test(text)) return true;
  const t = tokens(text);
  return t.length > 0 && t.length <= 5 && t.some((w) => YES_SET.has(w)) && t.every((w) => YES_SET.has(w) || FILLER_SET.has(w));
}

/** An explicit no ("no", "cancel", "لا"). */
export function isNo(text: string): boolean {
  if (/^\s*(👎|❌)+\s*$/u.test(text)) return true;
  const t = tokens(text);
  return t.length > 0 && t.length <= 5 && t.some((w) => NO_SET.has(w)) && t.every((w) => NO_SET.has(w) || FILLER_SET.has(w));
}

// The code's shape only (4 + 4 characters), so "link me to a dermatologist" stays a normal message.
const LINK_COMMAND = /^(?:link|ربط)\s*[:#]?\s*([a-z0-9]{4}[ -]?[a-z0-9]{4})$/i;

/** The code of a "LINK ABCD-EFGH" / "ربط ABCD-EFGH" message (connect this number to an app account), else null. */
export function linkCommand(text: string): string | null {
  return LINK_COMMAND.exec(text)?.[1] ?? null;
}

/** What is stored or logged of a link command: the code is a secret until used. */
export const MASKED_LINK_COMMAND = 'LINK ****-****';

/** The message as it may be stored: a link command becomes MASKED_LINK_COMMAND, anything else is unchanged. */
export function maskLinkCommand(text: string): string {
  return linkCommand(normalise(text)) === null ? text : MASKED_LINK_COMMAND;
}

/** Every run of one letter as a single letter ("helppp" → "help", "ساعدووني" → "ساعدوني"; "bleeding" → "bleding" too). */
export function squeezeRepeats(text: string): string {
  return text.replace(/(\p{L})\1+/gu, '$1');
}

/**
 * What the safety checks match against: `normalise` (Arabic-Indic digits, invisible marks) and `foldForMatching`
 * (case, diacritics, tatweel, letter variants), apostrophes dropped ("can't" is "cant"), every other mark or emoji a
 * space, and repeated letters squeezed, so "CHEST PAINNNN!!!" and "صـــدري يوجعنيييي" read as the plain words.
 * Padded with one space at each end so a pattern can anchor on whole words in Arabic, where `\b` does not work.
 * Patterns must be squeezed the same way (`squeezeRepeats`): "bleeding" is matched as "bleding".
 */
export function foldForSafety(text: string): string {
  const folded = foldForMatching(normalise(text))
    .replace(/'/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${squeezeRepeats(folded)} `;
}
