import type { FastifyInstance } from 'fastify';
import type { Services } from '@clinic/api';
import { InboxEventKindSchema, InboxSubscriptionInput } from '@clinic/contracts';
import { eventStreamPathItem, eventStreamRoute } from './event-stream.ts';

export const INBOX_EVENTS_PATH = '/staff/inbox/events';

/** A clinic's WhatsApp inbox for REST clients: the `conversations.onEvent` use case as server-sent events. */
export async function inboxEventRoutes(app: FastifyInstance, opts: { services: Services; prefix: string }) {
  const { conversations } = opts.services;
  eventStreamRoute(app, opts.services, opts.prefix, {
    path: INBOX_EVENTS_PATH,
    name: 'inbox',
    input: InboxSubscriptionInput,
    position: (actor) => conversations.position(actor),
    follow: (actor, input, signal) => conversations.follow(actor, input, signal),
  });
}

export const inboxEventsPathItem = eventStreamPathItem({
  // Named after the procedure that gives the JSON answer (conversations.events), as every operation of the document is.
  operationId: 'conversations-events',
  summary: "Follow the clinic's WhatsApp inbox live (server-sent events): hand-overs, messages of conversations with staff, taken, released",
  description:
    'Staff and admins of the clinic. With `Accept: text/event-stream`, one event per change (`event:` the kind, `id:` its position, `data:` ' +
    'JSON with `kind`, `phone`, `conversation`, `message` (Emirates IDs masked) and `at`); a comment line every 15 s. Reconnecting with ' +
    '`Last-Event-ID` (or `lastEventId`) delivers every later event first, none twice; `resync`: list the conversations again. Without that ' +
    'Accept header: `{ lastEventId }`, the position to follow from after listing them (`GET /staff/conversations/flagged`).',
  tags: ['whatsapp'],
  kinds: InboxEventKindSchema.options,
  errors: ['400', '401', '403', '500'],
});
