import type { Appointment } from '@clinic/contracts';
import type { Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { StoredEvent } from '../../events/bus.ts';
import { RESYNC_KIND, type EventStore } from '../../events/event-store.ts';
import { covers, scopeOf } from '../../scope.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import type { PhysiciansService } from '../physicians/physicians.service.ts';
import { clinicAgendaStream, physicianAgendaStream, type AgendaEventData, type AgendaEventKind } from './agenda.events.ts';

export interface AgendaInput {
  physicianId?: string | undefined;
  /** Only appointments starting on this local date (or moved away from it). */
  date?: string | undefined;
  /** The id of the last event the client has: it gets every later one first. */
  lastEventId?: string | null | undefined;
}

/**
 * One delivered event. `resync`: events since the client's last one are no longer kept (or its id is unknown):
 * reload the agenda, then carry on with the events that follow.
 */
export interface AgendaEvent {
  kind: AgendaEventKind | 'resync';
  appointment: Appointment | null;
  previousStart: string | null;
  /** When the change was stored, ISO 8601 UTC. */
  at: string;
}

export interface AgendaUseCases {
  /**
   * Checks who may follow which agenda and returns its events (the id is the event's stream sequence number).
   * Refusals are thrown here, before any event, so they answer as a query's would.
   */
  follow(actor: Actor, input: AgendaInput, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: AgendaEvent }>>;
  /** The id of the agenda's latest event ("0": none yet): read the agenda, then follow from here with no gap. */
  position(actor: Actor, input: Pick<AgendaInput, 'physicianId'>): Promise<{ lastEventId: string }>;
}

export function createAgendaService(deps: ApiDeps, clinic: ClinicService, physicians: PhysiciansService, events: EventStore) {
  /** The stream the actor may follow and the clinic it belongs to; the same rules as the agenda query. */
  async function streamFor(actor: Actor, physicianId: string | undefined) {
    if (actor.role === 'doctor') {
      const own = await physicians.ofUser(actor.userId);
      if (!own) throw new AppError('NOT_FOUND', 'Your login is not linked to a physician.');
      if (physicianId && physicianId !== own._id.toHexString()) throw new AppError('FORBIDDEN', 'Doctors see only their own agenda.');
      return { stream: physicianAgendaStream(own._id), clinicId: own.clinicId.toHexString() };
    }
    if (actor.role !== 'staff' && actor.role !== 'admin') throw new AppError('FORBIDDEN', 'Only clinic staff and doctors see agendas.');
    const scope = await scopeOf(actor, clinic.current);
    if (scope.kind !== 'clinic') throw new AppError('FORBIDDEN', 'Only clinic staff and doctors see agendas.');
    if (!physicianId) return { stream: clinicAgendaStream(scope.clinicId), clinicId: scope.clinicId.toHexString() };
    // Another clinic's physician is not found, as an unknown one.
    const physician = await physicians.load(physicianId);
    if (!covers(scope, physician.clinicId)) throw new AppError('NOT_FOUND', 'No such physician.');
    return { stream: physicianAgendaStream(physician._id), clinicId: scope.clinicId.toHexString() };
  }

  /** Stored event → what subscribers get, built once per event (the same object for each of its subscribers). */
  const built = new WeakMap<StoredEvent, { id: string; event: AgendaEvent }>();
  function delivered(e: StoredEvent, data: AgendaEventData) {
    let out = built.get(e);
    if (!out) built.set(e, (out = { id: String(e.seq), event: { kind: data.kind, appointment: data.appointment, previousStart: data.previousStart, at: e.at.toISOString() } }));
    return out;
  }

  const onDate = (iso: string | null | undefined, date: string) => !!iso && iso.slice(0, 10) === date;

  return {
    async position(actor: Actor, input: Pick<AgendaInput, 'physicianId'>): Promise<{ lastEventId: string }> {
      const { stream } = await streamFor(actor, input.physicianId);
      return { lastEventId: String(await events.lastSeq(stream)) };
    },

    async follow(actor: Actor, input: AgendaInput, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: AgendaEvent }>> {
      const { stream, clinicId } = await streamFor(actor, input.physicianId);
      // "From now" is fixed before the subscription is confirmed, so a change made once it is cannot be missed.
      const after = input.lastEventId ? Number(input.lastEventId) : await events.lastSeq(stream);
      // The follower itself maps (no iterator or generator of our own per subscriber); the event as delivered is
      // built once per stored event and shared by every subscriber it passes (the filters below are per subscriber).
      return events.follow(stream, after, signal, (e): { id: string; event: AgendaEvent } | undefined => {
        if (e.kind === RESYNC_KIND) return { id: String(e.seq), event: { kind: 'resync', appointment: null, previousStart: null, at: e.at.toISOString() } };
        // A stream holds one clinic's events; checked again so that a fault elsewhere cannot leak another's.
        if (e.clinicId !== clinicId) return undefined;
        const data = e.data as unknown as AgendaEventData;
        if (input.date && !onDate(data.appointment.start, input.date) && !onDate(data.previousStart, input.date)) return undefined;
        return delivered(e, data);
      });
    },
  };
}
export type AgendaService = ReturnType<typeof createAgendaService>;
