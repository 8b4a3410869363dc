import { wantsHuman } from './safety.ts';
import { foldForMatching } from './text.ts';

/** Between two "a person will answer" notes to a patient waiting for staff (questions like "are you there?" always get one). */
export const WAITING_ACK_EVERY_MS = 15 * 60_000;
/** A choice is a short answer; anything longer is a message of its own (and never a request for a person by length alone). */
const CHOICE_MAX = 60;

const THERE_EN = [
  /\b(are|r)\s+(you|u|y'?all)\s+(still\s+)?(there|here|around|online)\b/,
  /\b(any|some)\s?(one|body)\s+(there|here|around|home|available)\b/,
  /\b(hello|hi|hey|anyone|anybody|someone)\s*\?/,
  /^\s*\?+\s*$/,
  /\bwhere\s+are\s+(you|u)\b/,
  /\b(still\s+waiting|waiting\s+for\s+(a|an|the)?\s*(reply|answer|response))\b/,
  /\bno\s?(one|body)\s+(is\s+)?(answering|replying|there)\b/,
];
const THERE_AR = ['هل انت هناك', 'هل انتم هناك', 'هل من احد', 'في احد', 'فيه احد', 'حد موجود', 'احد موجود', 'وينكم', 'وين الرد', 'الو', 'انتم موجودين', 'ما في رد', 'مافي رد', 'ما حد يرد', 'ماحد يرد', 'منتظر الرد', 'انتظر الرد', 'محد يرد'];

/** "Are you there?", "hello?", "وينكم": the patient wonders whether anyone reads them. */
export function asksIfThere(text: string): boolean {
  if (text.length > 200) return false;
  const folded = foldForMatching(text);
  return THERE_EN.some((re) => re.test(folded)) || THERE_AR.some((w) => folded.includes(foldForMatching(w)));
}

/**
 * Whether a patient waiting for staff gets the "a person will answer" note now: the first message after the
 * hand-over, then at most every WAITING_ACK_EVERY_MS, and always when they ask whether anyone is there. Once a
 * staff member has taken the conversation, only the question gets it (a person is writing to them).
 */
export function shouldAcknowledge(text: string, lastAckAt: Date | null, taken: boolean, now: Date): boolean {
  if (asksIfThere(text)) return true;
  if (taken) return false;
  return lastAckAt === null || now.getTime() - lastAckAt.getTime() >= WAITING_ACK_EVERY_MS;
}

const MENU_WORDS = ['menu', 'the menu', 'main menu', 'menu please', 'show menu', 'show me the menu', 'القائمه', 'قائمه', 'القائمه الرئيسيه', 'القائمه من فضلك', 'المنيو', 'منيو'];
const PERSON_WORDS = ['person', 'a person', 'the person', 'person please', 'a person please', 'human', 'a human', 'staff', 'someone', 'a real person', 'people', 'شخص', 'موظف', 'انسان', 'الموظف', 'شخص من فضلك', 'موظف من فضلك'];
const MENU_SET = new Set(MENU_WORDS.map(foldForMatching));
const PERSON_SET = new Set(PERSON_WORDS.map(foldForMatching));

/**
 * The answer to "menu or a person?": `1`/menu words, `2`/words for a person (EN and AR); null for anything else,
 * including empty or invisible text and long messages, which never count as asking for a person.
 */
export function menuOrPerson(text: string): 'menu' | 'person' | null {
  if (text.length === 0 || text.length > CHOICE_MAX) return null;
  const t = foldForMatching(text)
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (t === '1' || MENU_SET.has(t)) return 'menu';
  if (t === '2' || PERSON_SET.has(t) || wantsHuman(t)) return 'person';
  return null;
}
