import type { FastifyInstance } from 'fastify';
import { AGENDA_EVENT_KINDS, AgendaSubscriptionInput, type Services } from '@clinic/api';
import { eventStreamPathItem, eventStreamRoute } from './event-stream.ts';

export const AGENDA_EVENTS_PATH = '/agenda/events';

/** The live agenda for REST clients: the `agenda.onChange` use case and policy as server-sent events. */
export async function agendaEventRoutes(app: FastifyInstance, opts: { services: Services; prefix: string }) {
  const { agenda } = opts.services;
  eventStreamRoute(app, opts.services, opts.prefix, {
    path: AGENDA_EVENTS_PATH,
    name: 'agenda',
    input: AgendaSubscriptionInput,
    position: (actor, input) => agenda.position(actor, input),
    follow: (actor, input, signal) => agenda.follow(actor, input, signal),
  });
}

export const agendaEventsPathItem = eventStreamPathItem({
  // Named after the procedure that gives the JSON answer (agenda.events), as every operation of the document is.
  operationId: 'agenda-events',
  summary: "Follow the agenda live (server-sent events): staff and admins their clinic's or one physician's, doctors their own",
  description:
    'With `Accept: text/event-stream`, one event per change (`event:` the kind, `id:` its position, `data:` JSON with `kind`, `appointment`, ' +
    '`previousStart`, `at` and, with `date`, that day\'s `dayCounts` by status); a comment line every 15 s. Reconnecting with `Last-Event-ID` ' +
    '(or `lastEventId`) delivers every later change first, none twice; `resync` says changes since then are no longer kept: read the agenda ' +
    'again. Without that Accept header: `{ lastEventId }`, the position to follow from after reading the agenda (`GET /appointments/agenda`).',
  tags: ['appointments'],
  parameters: [
    { in: 'query', name: 'physicianId', schema: { type: 'string', pattern: '^[0-9a-f]{24}$' } },
    { in: 'query', name: 'date', description: 'only appointments on this local date (or moved away from it)', schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', format: 'date' } },
  ],
  kinds: [...AGENDA_EVENT_KINDS, 'resync'],
  errors: ['400', '401', '403', '404', '500'],
});
