import type { FastifyInstance } from 'fastify';
import type { Services } from '@clinic/api';
import { ChatEventKindSchema, ChatSubscriptionInput } from '@clinic/contracts';
import { eventStreamPathItem, eventStreamRoute } from './event-stream.ts';

export const CHAT_EVENTS_PATH = '/chat/events';

/** The caller's chat events for REST clients: the `chat.onEvent` use case as server-sent events. */
export async function chatEventRoutes(app: FastifyInstance, opts: { services: Services; prefix: string }) {
  const { chat } = opts.services;
  eventStreamRoute(app, opts.services, opts.prefix, {
    path: CHAT_EVENTS_PATH,
    name: 'chat',
    input: ChatSubscriptionInput,
    position: (actor) => chat.position(actor),
    follow: (actor, input, signal) => chat.follow(actor, input, signal),
  });
}

export const chatEventsPathItem = eventStreamPathItem({
  operationId: 'chat-events',
  summary: "Follow the caller's chats live (server-sent events): messages, delivered and read marks of every thread of a patient or doctor",
  description:
    'With `Accept: text/event-stream`, one event per change (`event:` the kind, `id:` its position, `data:` JSON with `kind`, `threadId`, ' +
    '`message`, `upTo`, `by` and `at`); a comment line every 15 s. Reconnecting with `Last-Event-ID` (or `lastEventId`) delivers every ' +
    'later event first, none twice; `resync` says events since then are no longer kept: read the threads again. Without that Accept ' +
    'header: `{ lastEventId }`, the position to follow from after reading the threads (`GET /chat/threads`).',
  tags: ['chat'],
  kinds: ChatEventKindSchema.options,
  errors: ['400', '401', '403', '500'],
});
