import * as z from 'zod';
import { IdSchema } from './common.ts';

export const CHAT_MAX_TEXT = 4_000;
export const CHAT_MAX_PAGE = 100;

/** Which side of a thread wrote a message: the patient or the physician's doctor account. */
export const ChatSideSchema = z.enum(['patient', 'doctor']);
export type ChatSide = z.infer<typeof ChatSideSchema>;

export const ChatMessageSchema = z.object({
  id: IdSchema,
  threadId: IdSchema,
  clientMessageId: z.string().describe("the sender's own id for the message (its retries return this message)"),
  sender: ChatSideSchema,
  senderId: IdSchema.describe('the user who wrote it'),
  text: z.string(),
  sentAt: z.string().describe('ISO 8601 UTC, set by the server'),
  deliveredAt: z.string().nullable().describe("when the other participant's app received it"),
  readAt: z.string().nullable().describe('when the other participant read it'),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatThreadSchema = z.object({
  id: IdSchema,
  clinicId: IdSchema.describe("the physician's clinic"),
  patientId: IdSchema,
  patientName: z.string(),
  physicianId: IdSchema,
  physicianName: z.string(),
  lastMessage: z
    .object({ id: IdSchema, sender: ChatSideSchema, preview: z.string().describe('the first 120 characters'), sentAt: z.string() })
    .nullable(),
  unread: z.number().int().nonnegative().describe("messages from the other participant the caller has not read"),
  createdAt: z.string(),
  lastActivityAt: z.string().describe('the last message, or the opening: the list is ordered by this, newest first'),
});
export type ChatThread = z.infer<typeof ChatThreadSchema>;

export const ChatThreadListOutput = z.object({ items: z.array(ChatThreadSchema).describe('newest activity first, at most 100') });

/** A patient names the physician; a doctor names the patient. */
export const OpenChatThreadInput = z
  .strictObject({
    physicianId: IdSchema.optional().describe('patients: a physician they have or had an appointment with'),
    patientId: IdSchema.optional().describe("doctors: a patient with an appointment with the doctor's physician"),
  })
  .refine((v) => (v.physicianId === undefined) !== (v.patientId === undefined), { message: 'give exactly one of physicianId (patients) or patientId (doctors)', path: ['physicianId'] });

export const ChatThreadIdInput = z.strictObject({ threadId: IdSchema });

export const ChatHistoryInput = z.strictObject({
  threadId: IdSchema,
  before: IdSchema.optional().describe('a message id: only messages older than it (the previous page’s nextBefore)'),
  limit: z.coerce.number().int().min(1).max(CHAT_MAX_PAGE).default(30),
});
export const ChatHistoryOutput = z.object({
  items: z.array(ChatMessageSchema).describe('newest first'),
  nextBefore: IdSchema.nullable().describe('pass as `before` for older messages; null when there are none'),
});

export const SendChatMessageInput = z.strictObject({
  threadId: IdSchema,
  text: z
    .string()
    .min(1, 'must not be empty')
    .max(CHAT_MAX_TEXT, `must be at most ${CHAT_MAX_TEXT} characters`)
    .refine((t) => t.trim().length > 0, 'must not be blank'),
  clientMessageId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 letters, digits, dots, colons, dashes or underscores (e.g. a UUID)')
    .optional()
    .describe('made by the app (e.g. a UUID): sending again with the same id returns the first message, nothing is duplicated'),
});

export const ChatMarkInput = z.strictObject({
  threadId: IdSchema,
  upTo: IdSchema.describe('a message id: every message from the other participant up to and including it'),
});
export const ChatMarkOutput = z.object({ updated: z.number().int().nonnegative().describe('messages newly marked') });

export const ChatEventKindSchema = z.enum(['message', 'delivered', 'read', 'resync']);

/** One live event of the caller's chats. `resync`: events were missed and are no longer kept; reload the threads. */
export const ChatEventSchema = z.object({
  kind: ChatEventKindSchema,
  threadId: IdSchema.nullable(),
  message: ChatMessageSchema.nullable().describe('on message'),
  upTo: IdSchema.nullable().describe('on delivered and read: every message up to this one'),
  by: IdSchema.nullable().describe('on delivered and read: the user who received or read them'),
  at: z.string(),
});
export type ChatEvent = z.infer<typeof ChatEventSchema>;

export const ChatSubscriptionInput = z.strictObject({
  lastEventId: z.string().regex(/^\d{1,15}$/, 'must be the id of an event this stream delivered').nullish(),
});
