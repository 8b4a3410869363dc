import * as z from 'zod';
import {
  ConversationPhoneInput,
  ConversationTranscriptSchema,
  FlaggedConversationsOutput,
  InboxSubscriptionInput,
  ReleaseConversationInput,
  ReleaseConversationOutput,
  StaffReplyInput,
  StaffReplyOutput,
  TakeConversationOutput,
} from '@clinic/contracts';
import { roleProcedure, router, trackedEvents } from '../../trpc.ts';

const tags = ['whatsapp'];

/**
 * The staff side of the WhatsApp hand-over: conversations the assistant handed to a person, their masked transcript,
 * taking and answering one, and giving it back. Staff and admins of the clinic whose number the conversation is on
 * (the shared number's: the platform's first clinic); any other clinic's answers 404, as an unknown number.
 */
export const conversationsRouter = router({
  flagged: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/staff/conversations/flagged',
        tags,
        protect: true,
        summary: 'WhatsApp conversations waiting for staff (the patient asked for a person, or the assistant could not help 3 times), oldest first',
        errorResponses: [401, 403],
      },
    })
    .output(FlaggedConversationsOutput)
    .query(({ ctx }) => ctx.services.conversations.flagged(ctx.actor.clinicId)),

  transcript: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/staff/conversations/{phone}',
        tags,
        protect: true,
        summary: "A conversation with staff: who has it and its current session's messages, Emirates IDs masked (phone URL-encoded: %2B971…)",
        errorResponses: [400, 401, 403, 404],
      },
    })
    .input(ConversationPhoneInput)
    .output(ConversationTranscriptSchema)
    .query(({ ctx, input }) => ctx.services.conversations.transcript(input.phone, ctx.actor.clinicId)),

  take: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/staff/conversations/{phone}/take',
        tags,
        protect: true,
        summary: 'Take a conversation with staff: you answer it, and the patient is told (in their language) that a person has joined; 409 when a colleague has it',
        errorResponses: [400, 401, 403, 404, 409],
      },
    })
    .input(ConversationPhoneInput)
    .output(TakeConversationOutput)
    .mutation(({ ctx, input }) => ctx.services.conversations.take(ctx.actor, input.phone)),

  reply: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/staff/conversations/{phone}/reply',
        tags,
        protect: true,
        summary:
          "Answer a conversation you took over WhatsApp, from the number the patient wrote to: free text within 24 hours of their last message, the staff-reply template after (409 when none is configured); 1–1,600 characters",
        errorResponses: [400, 401, 403, 404, 409, 502, 503],
      },
    })
    .input(StaffReplyInput)
    .output(StaffReplyOutput)
    .mutation(({ ctx, input }) => ctx.services.conversations.reply(ctx.actor, input.phone, input.text)),

  release: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/staff/conversations/{phone}/release',
        tags,
        protect: true,
        summary: 'Hand a WhatsApp conversation back to the assistant; its next message starts a fresh session (phone URL-encoded: %2B971…)',
        errorResponses: [400, 401, 403, 404],
      },
    })
    .input(ReleaseConversationInput)
    .output(ReleaseConversationOutput)
    .mutation(({ ctx, input }) => ctx.services.conversations.release(input.phone, ctx.actor.clinicId)),

  /**
   * The position of the clinic's inbox events: list the conversations, then follow from this id with nothing missed.
   * Also the JSON answer of REST's `GET /staff/inbox/events` (apps/server/src/routes/inbox-events.ts).
   */
  events: roleProcedure('staff', 'admin')
    .input(InboxSubscriptionInput)
    .output(z.object({ lastEventId: z.string() }))
    .query(({ ctx }) => ctx.services.conversations.position(ctx.actor)),

  /** The clinic's inbox live (handover, message, taken, released) over WebSocket or SSE; resumes after `lastEventId`. */
  onEvent: roleProcedure('staff', 'admin')
    .input(InboxSubscriptionInput)
    .subscription(async ({ ctx, input, signal }) => {
      const events = await ctx.services.conversations.follow(ctx.actor, input, signal ?? new AbortController().signal);
      return trackedEvents(events);
    }),
});
