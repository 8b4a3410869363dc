import * as z from 'zod';
import { IdSchema, PhoneSchema } from './common.ts';

/** Why a WhatsApp conversation is with staff: the patient asked for a person, or the assistant failed 3 turns running. */
export const HANDOVER_REASONS = ['requested', 'failures'] as const;
export const HandoverReasonSchema = z.enum(HANDOVER_REASONS);
export type HandoverReason = z.infer<typeof HandoverReasonSchema>;

/** The staff member who took a conversation (answers it), and when. */
export const ConversationTakerSchema = z.object({
  userId: IdSchema,
  name: z.string(),
  at: z.string().describe('ISO 8601 with the clinic offset'),
});

export const FlaggedConversationSchema = z.object({
  phone: PhoneSchema.describe('the WhatsApp number (E.164)'),
  userId: IdSchema.describe('the patient the number acts as'),
  flaggedAt: z.string().describe('when it was handed to staff: ISO 8601 with the clinic offset'),
  reason: HandoverReasonSchema,
  takenBy: ConversationTakerSchema.nullable().describe('null until a staff member takes it'),
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

/** A path's `{phone}`: the conversation's number, URL-encoded (`%2B971…`). */
export const ConversationPhoneInput = ReleaseConversationInput;

/** Longest staff reply: WhatsApp's limit for one message. */
export const STAFF_REPLY_MAX = 1600;

/**
 * A staff reply. Blank (or only invisible characters) and over 1,600 characters are refused naming `text`; the
 * reply is sent as it is written, not trimmed or split.
 */
export const StaffReplyInput = z.strictObject({
  phone: z.string().transform(decodePathSegment).pipe(PhoneSchema).describe('E.164, URL-encoded in the path: %2B971501234567'),
  text: z
    .string()
    .max(STAFF_REPLY_MAX, `must be at most ${STAFF_REPLY_MAX} characters (one WhatsApp message)`)
    .refine((t) => t.replace(/[\s\u200b-\u200f\u2060\ufeff]/g, '') !== '', 'must not be empty'),
});

/** One message of a conversation as staff read it: Emirates IDs masked, link codes never shown. */
export const TranscriptMessageSchema = z.object({
  from: z.enum(['patient', 'assistant', 'staff']),
  text: z.string(),
  at: z.string().describe('ISO 8601 with the clinic offset'),
  staffName: z.string().nullable().describe('the staff member who wrote it (from: staff)'),
});
export type TranscriptMessage = z.infer<typeof TranscriptMessageSchema>;

export const ConversationTranscriptSchema = FlaggedConversationSchema.extend({
  language: z.enum(['en', 'ar']).describe('the language the patient writes in (what they were told in)'),
  messages: z.array(TranscriptMessageSchema).describe("the current session's messages, oldest first"),
});
export type ConversationTranscript = z.infer<typeof ConversationTranscriptSchema>;

export const TakeConversationOutput = ConversationTranscriptSchema;

export const StaffReplyOutput = z.object({
  message: TranscriptMessageSchema,
  delivery: z.object({
    mode: z.enum(['text', 'template']).describe("free text inside WhatsApp's 24-hour window, the staff-reply template outside it"),
    messageSid: z.string().describe("Twilio's MessageSid"),
  }),
});
export type StaffReply = z.infer<typeof StaffReplyOutput>;

export const INBOX_EVENT_KINDS = ['handover', 'message', 'taken', 'released', 'resync'] as const;
export const InboxEventKindSchema = z.enum(INBOX_EVENT_KINDS);

/**
 * One live event of a clinic's WhatsApp inbox: a new hand-over, a message in a conversation with staff (the
 * patient's or a staff reply), a conversation taken or released. `resync`: events were missed; list again.
 */
export const InboxEventSchema = z.object({
  kind: InboxEventKindSchema,
  phone: PhoneSchema.nullable(),
  conversation: FlaggedConversationSchema.nullable().describe('on handover and taken'),
  message: TranscriptMessageSchema.nullable().describe('on message'),
  at: z.string(),
});
export type InboxEvent = z.infer<typeof InboxEventSchema>;

export const InboxSubscriptionInput = z.strictObject({
  lastEventId: z.string().regex(/^\d{1,15}$/, 'must be the id of an event this stream delivered').nullish(),
});
