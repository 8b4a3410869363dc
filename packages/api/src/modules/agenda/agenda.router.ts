import * as z from 'zod';
import { IdSchema, LocalDateSchema } from '@clinic/contracts';
import { roleProcedure, router, trackedEvents } from '../../trpc.ts';

/** Staff and admins: their clinic (or one of its physicians); doctors: their own physician. */
export const AgendaSubscriptionInput = z.strictObject({
  physicianId: IdSchema.optional(),
  date: LocalDateSchema.optional().describe('only appointments on this local date (or moved away from it)'),
  // Set by the client links on reconnect (tracked ids), or by the app from the last event it kept.
  lastEventId: z.string().regex(/^\d{1,15}$/, 'must be the id of an event this stream delivered').nullish(),
});

export const agendaRouter = router({
  /**
   * The position of the agenda's events: read the agenda, then follow from this id with nothing missed. Also the
   * JSON answer of REST's `GET /agenda/events` (apps/server/src/routes/agenda-events.ts), which streams otherwise.
   */
  events: roleProcedure('doctor', 'staff', 'admin')
    .input(AgendaSubscriptionInput)
    .output(z.object({ lastEventId: z.string() }))
    .query(({ ctx, input }) => ctx.services.agenda.position(ctx.actor, input)),

  /** Live agenda changes over WebSocket or server-sent events; resumes after `lastEventId` without gap or repeat. */
  onChange: roleProcedure('doctor', 'staff', 'admin')
    .input(AgendaSubscriptionInput)
    .subscription(async ({ ctx, input, signal }) => {
      const events = await ctx.services.agenda.follow(ctx.actor, input, signal ?? new AbortController().signal);
      return trackedEvents(events);
    }),
});
