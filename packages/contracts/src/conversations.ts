import * as z from 'zod';
import { IdSchema, PhoneSchema } from './common.ts';

/** Why a WhatsApp conversation is with staff: the patient asked for a person, or the assistant failed 3 turns running. */
export const HANDOVER_REASONS = ['requested', 'failures'] as const;
export const HandoverReasonSchema = z.enum(HANDOVER_REASONS);
export type HandoverReason = z.infer<typeof HandoverReasonSchema>;

export const FlaggedConversationSchema = z.object({
  phone: PhoneSchema.describe('the WhatsApp number (E.164)'),
  userId: IdSchema.describe('the patient the number acts as'),
  flaggedAt: z.string().describe('when it was handed to staff: ISO 8601 with the clinic offset'),
  reason: HandoverReasonSchema,
});
export type FlaggedConversation = z.infer<typeof FlaggedConversationSchema>;

export const FlaggedConversationsOutput = z.object({ items: z.array(FlaggedConversationSchema).describe('oldest first, at most 50') });
export type FlaggedConversations = z.infer<typeof FlaggedConversationsOutput>;

/** `%2B971…` → `+971…`; left as it is when it is not valid percent-encoding (then the phone check refuses it). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The number, URL-encoded in the REST path (`/staff/conversations/%2B971501234567/release`). trpc-to-openapi
 * passes path parameters on still encoded, so it is decoded here (a no-op for tRPC callers).
 */
export const ReleaseConversationInput = z.strictObject({
  phone: z.string().transform(decodePathSegment).pipe(PhoneSchema).describe('E.164, URL-encoded in the path: %2B971501234567'),
});
export const ReleaseConversationOutput = z.object({ released: z.literal(true) });
