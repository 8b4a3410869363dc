/** WhatsApp (through Twilio) takes at most this many characters per message body. */
export const WHATSAPP_MAX_CHARS = 1600;

/**
 * Text cut into WhatsApp-sized messages, each at most `limit` characters: at a paragraph, line, sentence
 * (also Arabic ،) or word end where one falls in the second half of the window, else at the limit; never
 * inside a surrogate pair (emoji, rare scripts). Short text comes back whole, blank text as no messages.
 * The one splitter: the assistant's replies and the WhatsApp transport both use it.
 */
export function splitForWhatsApp(text: string, limit = WHATSAPP_MAX_CHARS): string[] {
  if (!(limit >= 2)) throw new RangeError('limit must be at least 2');
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const sep of ['\n\n', '\n', '. ', '، ', '? ', '! ', ' ']) {
      const at = window.lastIndexOf(sep);
      if (at >= limit / 2) {
        cut = sep === ' ' || sep.startsWith('\n') ? at : at + 1;
        break;
      }
    }
    if (cut <= 0) cut = limit;
    // Never split a surrogate pair.
    if (/[\ud800-\udbff]/.test(rest.charAt(cut - 1))) cut -= 1;
    const part = rest.slice(0, cut).trim();
    if (part) out.push(part);
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}
