import { APPOINTMENT_STATUSES, type Appointment, type AppointmentStatus } from '@clinic/contracts';
import { localDayRange } from '@clinic/scheduling';
import { ObjectId } from '@clinic/db';
import type { Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { StoredEvent } from '../../events/bus.ts';
import { RESYNC_KIND, type EventStore } from '../../events/event-store.ts';
import { shareSerialized } from '../../events/serialized.ts';
import { covers, scopeOf } from '../../scope.ts';
import type { AppointmentsService } from '../appointments/appointments.service.ts';
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
  /**
   * Subscriptions with a `date` only: that day's appointments of the subscription's clinic or physician by status,
   * this event included (every status present, zeros too). Read once when the subscription starts, then kept by
   * each event. After a resumption the missed events replay first, so the counts are the day's as they are once
   * they have (until then, as after those events).
   */
  dayCounts?: Record<AppointmentStatus, number>;
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

export function createAgendaService(deps: ApiDeps, clinic: ClinicService, physicians: PhysiciansService, events: EventStore, appointments: Pick<AppointmentsService, 'startingBetween'>) {
  /** The stream the actor may follow and the clinic it belongs to; the same rules as the agenda query. */
  async function streamFor(actor: Actor, physicianId: string | undefined) {
    if (actor.role === 'doctor') {
      const own = await physicians.ofUser(actor.userId);
      if (!own) throw new AppError('NOT_FOUND', 'Your login is not linked to a physician.');
      if (physicianId && physicianId !== own._id.toHexString()) throw new AppError('FORBIDDEN', 'Doctors see only their own agenda.');
      return { stream: physicianAgendaStream(own._id), clinicId: own.clinicId.toHexString(), physicianId: own._id };
    }
    if (actor.role !== 'staff' && actor.role !== 'admin') throw new AppError('FORBIDDEN', 'Only clinic staff and doctors see agendas.');
    const scope = await scopeOf(actor, clinic.current);
    if (scope.kind !== 'clinic') throw new AppError('FORBIDDEN', 'Only clinic staff and doctors see agendas.');
    if (!physicianId) return { stream: clinicAgendaStream(scope.clinicId), clinicId: scope.clinicId.toHexString(), physicianId: null };
    // Another clinic's physician is not found, as an unknown one.
    const physician = await physicians.load(physicianId);
    if (!covers(scope, physician.clinicId)) throw new AppError('NOT_FOUND', 'No such physician.');
    return { stream: physicianAgendaStream(physician._id), clinicId: scope.clinicId.toHexString(), physicianId: physician._id };
  }

  /**
   * The day's appointments of the clinic (or one physician) by id → status, and their counts by status: one
   * appointments query (the clinic's equality leads, which FerretDB pushes down) and the clinic's settings. Kept up
   * to date by `apply`, which is idempotent (it sets the appointment's status as the event has it, or removes it when
   * the event's start is on another day), so an event that a count already included changes nothing.
   */
  async function dayTally(clinicId: string, physicianId: ObjectId | null, date: string) {
    const id = new ObjectId(clinicId);
    const { timeZone } = await clinic.settingsFor(id);
    const { from, to } = localDayRange(date, timeZone);
    const docs = await appointments.startingBetween(id, physicianId ? { physicianId } : {}, from, to);
    const statuses = new Map<string, AppointmentStatus>();
    const counts = Object.fromEntries(APPOINTMENT_STATUSES.map((st) => [st, 0])) as Record<AppointmentStatus, number>;
    for (const d of docs) {
      statuses.set(d._id.toHexString(), d.status);
      counts[d.status]++;
    }
    return {
      apply(appointment: Appointment) {
        const before = statuses.get(appointment.id);
        if (before) counts[before]--;
        if (onDate(appointment.start, date)) {
          statuses.set(appointment.id, appointment.status);
          counts[appointment.status]++;
        } else statuses.delete(appointment.id);
      },
      counts: () => ({ ...counts }),
    };
  }

  /** Stored event → what subscribers get, built once per event (the same object for each of its subscribers). */
  const built = new WeakMap<StoredEvent, { id: string; event: AgendaEvent }>();
  function delivered(e: StoredEvent, data: AgendaEventData) {
    let out = built.get(e);
    // Serialized once for all of them too (events/serialized.ts): it is not changed once built.
    if (!out) built.set(e, (out = { id: String(e.seq), event: shareSerialized({ kind: data.kind, appointment: data.appointment, previousStart: data.previousStart, at: e.at.toISOString() }) }));
    return out;
  }

  const onDate = (iso: string | null | undefined, date: string) => !!iso && iso.slice(0, 10) === date;

  return {
    async position(actor: Actor, input: Pick<AgendaInput, 'physicianId'>): Promise<{ lastEventId: string }> {
      const { stream } = await streamFor(actor, input.physicianId);
      return { lastEventId: String(await events.lastSeq(stream)) };
    },

    async follow(actor: Actor, input: AgendaInput, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: AgendaEvent }>> {
      const { stream, clinicId, physicianId } = await streamFor(actor, input.physicianId);
      // "From now" is fixed before the subscription is confirmed, so a change made once it is cannot be missed.
      const after = input.lastEventId ? Number(input.lastEventId) : await events.lastSeq(stream);
      // Counted after the position is fixed: a change between the two is counted and then delivered, which `apply`
      // makes no difference to; none can fall between them uncounted.
      const tally = input.date ? await dayTally(clinicId, physicianId, input.date) : null;
      // The follower itself maps (no iterator or generator of our own per subscriber); the event as delivered is
      // built once per stored event and shared by every subscriber it passes (the filters below are per subscriber).
      return events.follow(stream, after, signal, (e): { id: string; event: AgendaEvent } | undefined => {
        if (e.kind === RESYNC_KIND) {
          return { id: String(e.seq), event: { kind: 'resync', appointment: null, previousStart: null, at: e.at.toISOString(), ...(tally ? { dayCounts: tally.counts() } : {}) } };
        }
        // A stream holds one clinic's events; checked again so that a fault elsewhere cannot leak another's.
        if (e.clinicId !== clinicId) return undefined;
        const data = e.data as unknown as AgendaEventData;
        if (input.date && !onDate(data.appointment.start, input.date) && !onDate(data.previousStart, input.date)) return undefined;
        const shared = delivered(e, data);
        if (!tally) return shared;
        // The shared payload plus this subscription's counts: one small object per event and day-scoped subscriber.
        tally.apply(data.appointment);
        return { id: shared.id, event: { ...shared.event, dayCounts: tally.counts() } };
      });
    },
  };
}
export type AgendaService = ReturnType<typeof createAgendaService>;
