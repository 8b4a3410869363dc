import { WhatsAppLinkCodeSchema, WhatsAppLinkSchema } from '@clinic/contracts';
import { roleProcedure, router } from '../../trpc.ts';

const tags = ['whatsapp'];

/**
 * The app's side of linking a WhatsApp number. The other side (the code arriving from the number) has no
 * procedure: only the signed Twilio webhook knows the sender, so the WhatsApp assistant calls the service.
 */
export const whatsappRouter = router({
  createLinkCode: roleProcedure('patient')
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/whatsapp/link-code',
        tags,
        protect: true,
        summary: `A code to send as "LINK <code>" from the WhatsApp number to connect (valid 15 minutes; a new one replaces the old)`,
        errorResponses: [401, 403, 429],
      },
    })
    .output(WhatsAppLinkCodeSchema)
    .mutation(({ ctx }) => ctx.services.whatsapp.createLinkCode(ctx.actor.userId)),

  link: roleProcedure('patient')
    .meta({ openapi: { method: 'GET', path: '/users/me/whatsapp', tags, protect: true, summary: 'The WhatsApp number linked to this account, if any', errorResponses: [401, 403] } })
    .output(WhatsAppLinkSchema)
    .query(({ ctx }) => ctx.services.whatsapp.status(ctx.actor.userId)),

  unlink: roleProcedure('patient')
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/users/me/whatsapp',
        tags,
        protect: true,
        summary: 'Disconnect the linked WhatsApp number: its messages act as a separate phone-only profile again; bookings stay with this account',
        errorResponses: [401, 403],
      },
    })
    .output(WhatsAppLinkSchema)
    .mutation(({ ctx }) => ctx.services.whatsapp.unlink(ctx.actor.userId)),
});
