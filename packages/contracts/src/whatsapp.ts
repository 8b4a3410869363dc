import { z } from 'zod';

/** No 0/O, 1/I/L or U: a code read off a phone screen and typed into WhatsApp must survive being misread. */
export const LINK_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const LINK_CODE_LENGTH = 8;

/** Shown as `ABCD-EFGH`; spaces, dashes and lower case are accepted back. */
export function formatLinkCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The canonical code in `text` ("abcd efgh", "ABCD-EFGH"), or null when it cannot be one. */
export function parseLinkCode(text: string): string | null {
  const code = text.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== LINK_CODE_LENGTH) return null;
  for (const ch of code) if (!LINK_CODE_ALPHABET.includes(ch)) return null;
  return code;
}

export const WhatsAppLinkCodeSchema = z.object({
  code: z.string().describe('Send "LINK <code>" to the clinic on WhatsApp from the number to connect'),
  message: z.string().describe('The exact WhatsApp message to send, e.g. "LINK K7P3-QX9M"'),
  expiresAt: z.date(),
  whatsappUrl: z.string().nullable().describe("A wa.me link that opens WhatsApp with the message typed in; null when the clinic's WhatsApp number is not configured"),
});
export type WhatsAppLinkCode = z.infer<typeof WhatsAppLinkCodeSchema>;

export const WhatsAppLinkSchema = z.object({
  linked: z.boolean(),
  phone: z.string().nullable().describe('The linked WhatsApp number (E.164)'),
  linkedAt: z.date().nullable(),
});
export type WhatsAppLink = z.infer<typeof WhatsAppLinkSchema>;
