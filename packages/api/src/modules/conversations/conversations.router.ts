import { FlaggedConversationsOutput, ReleaseConversationInput, ReleaseConversationOutput } from '@clinic/contracts';
import { roleProcedure, router } from '../../trpc.ts';

const tags = ['whatsapp'];

/** The staff side of the WhatsApp hand-over: conversations the assistant handed to a person, and giving them back. */
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
});
