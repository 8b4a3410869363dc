import * as z from 'zod';
import {
  ChatHistoryInput,
  ChatHistoryOutput,
  ChatMarkInput,
  ChatMarkOutput,
  ChatMessageSchema,
  ChatSubscriptionInput,
  ChatThreadListOutput,
  ChatThreadSchema,
  OpenChatThreadInput,
  SendChatMessageInput,
} from '@clinic/contracts';
import { authedProcedure, roleProcedure, router, trackedEvents } from '../../trpc.ts';

const tags = ['chat'];

/**
 * Patient–physician chat. Patients and doctors list and open threads; on a thread, anyone who is not one of its two
 * participants (another patient, another doctor, staff, admins, another clinic) gets 404, as for an id never stored.
 */
export const chatRouter = router({
  threads: roleProcedure('patient', 'doctor')
    .meta({ openapi: { method: 'GET', path: '/chat/threads', tags, protect: true, summary: "The caller's chat threads, latest activity first, with unread counts", errorResponses: [401, 403] } })
    .output(ChatThreadListOutput)
    .query(({ ctx }) => ctx.services.chat.threads(ctx.actor)),

  open: roleProcedure('patient', 'doctor')
    .meta({
      openapi: {
        method: 'POST',
        path: '/chat/threads',
        tags,
        protect: true,
        summary: 'Open (or get) the thread with a physician you have or had an appointment with (patients: physicianId), or with a patient of yours (doctors: patientId)',
        errorResponses: [400, 401, 403, 404],
      },
    })
    .input(OpenChatThreadInput)
    .output(ChatThreadSchema)
    .mutation(({ ctx, input }) => ctx.services.chat.open(ctx.actor, input)),

  messages: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/chat/threads/{threadId}/messages',
        tags,
        protect: true,
        summary: "A thread's messages, newest first, paged with `before`; reading them marks the other side's delivered",
        errorResponses: [400, 401, 404],
      },
    })
    .input(ChatHistoryInput)
    .output(ChatHistoryOutput)
    .query(({ ctx, input }) => ctx.services.chat.history(ctx.actor, input)),

  send: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/chat/threads/{threadId}/messages',
        tags,
        protect: true,
        summary: 'Send a message (1–4,000 characters); the same clientMessageId again returns the first message',
        errorResponses: [400, 401, 404, 409, 429],
      },
    })
    .input(SendChatMessageInput)
    .output(ChatMessageSchema)
    .mutation(({ ctx, input }) => ctx.services.chat.send(ctx.actor, input)),

  markDelivered: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/chat/threads/{threadId}/delivered', tags, protect: true, summary: "The caller's app received the other side's messages up to `upTo`", errorResponses: [400, 401, 404] },
    })
    .input(ChatMarkInput)
    .output(ChatMarkOutput)
    .mutation(({ ctx, input }) => ctx.services.chat.markDelivered(ctx.actor, input)),

  markRead: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/chat/threads/{threadId}/read', tags, protect: true, summary: "The caller read the other side's messages up to `upTo`", errorResponses: [400, 401, 404] } })
    .input(ChatMarkInput)
    .output(ChatMarkOutput)
    .mutation(({ ctx, input }) => ctx.services.chat.markRead(ctx.actor, input)),

  /**
   * The position of the caller's chat events: read the threads, then follow from this id with nothing missed. Also
   * the JSON answer of REST's `GET /chat/events` (apps/server/src/routes/chat-events.ts), which streams otherwise.
   */
  events: roleProcedure('patient', 'doctor')
    .input(ChatSubscriptionInput)
    .output(z.object({ lastEventId: z.string() }))
    .query(({ ctx }) => ctx.services.chat.position(ctx.actor)),

  /** The caller's chat events (message, delivered, read) over WebSocket or SSE; resumes after `lastEventId`. */
  onEvent: roleProcedure('patient', 'doctor')
    .input(ChatSubscriptionInput)
    .subscription(async ({ ctx, input, signal }) => {
      const events = await ctx.services.chat.follow(ctx.actor, input, signal ?? new AbortController().signal);
      return trackedEvents(events);
    }),
});
