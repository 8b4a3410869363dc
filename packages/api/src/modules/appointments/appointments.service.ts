import type { Appointment, AppointmentStatus, Locale } from '@clinic/contracts';
import { cancellationCutoffReason, renderErrorReason } from '@clinic/contracts';
import { ObjectId, type AppointmentDoc, type ClinicDoc, type PhysicianDoc } from '@clinic/db';
import { DAY_MS, checkSlot, localDayRange, reminderDueAt } from '@clinic/scheduling';
import { repliesInChat, type Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { ANY_CLINIC, clinicScope, covers, scopeOf, type ClinicScope } from '../../scope.ts';
import { settingsOf, type ClinicService } from '../clinic/clinic.service.ts';
import type { PackagesService } from '../packages/packages.service.ts';
import type { PhysiciansService } from '../physicians/physicians.service.ts';
import type { UsersService } from '../users/users.service.ts';
import type { AgendaEventKind, AppointmentChange } from '../agenda/agenda.events.ts';
import { canCheckIn, canComplete, canConfirm, canReschedule, canView, cancelsAs, listScopeOf, ownPhysicianOf, relationTo } from './appointments.policy.ts';
import { createAppointmentsRepository, toAppointmentDto, type AppointmentsRepository, type ClaimResult, type PatientScope, type Transition } from './appointments.repository.ts';
import type { Availability } from './availability.ts';
import { CALENDAR_MAX_DAYS, STATS_MAX_DAYS, type Calendar, type PhysicianStats } from '@clinic/contracts';
import { anyZoneRange, groupByLocalDay, localDatesOf, statsOf, toCalendarAppointment } from './appointments.calendar.ts';

function claimError(result: Exclude<ClaimResult, 'ok'>): AppError {
  return result === 'slot_taken'
    ? new AppError('SLOT_TAKEN', 'This slot was just taken. Please pick another time.')
    : new AppError('OVERLAPPING_APPOINTMENT', 'You already have an appointment at this time.');
}

/** Hooks for the modules a booking change concerns, resolved at call time (see services.ts). */
export interface AppointmentHooks {
  /** What happens to money when a booking is cancelled; the payments module plugs in here. */
  afterCancel(appointment: AppointmentDoc): Promise<void>;
  /**
   * The appointment was just confirmed (or moved while confirmed) with a confirmation due: start sending it now.
   * Must not throw or wait; the confirmation is durable on the appointment, so the sweep sends it if this does not.
   * `known`: what the confirming request read anyway (the clinic, the patient's language), so the send need not.
   */
  afterConfirm(appointment: Pick<AppointmentDoc, '_id' | 'patientId' | 'startsAt'>, known?: ConfirmationKnown): void;
  /** The appointment changed (stored): the live agenda hears of it. Must not throw. */
  afterChange(change: AppointmentChange): Promise<void>;
}

/** What a confirming request read anyway and hands to the confirmation it starts (see `afterConfirm`). */
export interface ConfirmationKnown {
  clinic?: ClinicDoc;
  patientLocale?: Locale;
  /** The appointment as the confirming write stored it (the confirmation need not read it again). */
  appointment?: AppointmentDoc;
}

/** The agenda event of each status a use case moves an appointment to. */
const CHANGE_OF: Partial<Record<AppointmentStatus, AgendaEventKind>> = {
  cancelled: 'cancelled',
  confirmed: 'confirmed',
  checked_in: 'checked_in',
  completed: 'completed',
  no_show: 'no_show',
  expired: 'expired',
};

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface AppointmentsUseCases {
  book(actor: Actor, input: { physicianId: string; start: Date; reason: string; packageId?: string | undefined }): Promise<Appointment>;
  get(actor: Actor, id: string): Promise<Appointment>;
  reschedule(actor: Actor, input: { id: string; start: Date }): Promise<Appointment>;
  cancel(actor: Actor, input: { id: string; reason: string }): Promise<Appointment>;
  confirm(actor: Actor, id: string): Promise<Appointment>;
  checkIn(actor: Actor, id: string): Promise<Appointment>;
  complete(actor: Actor, id: string): Promise<Appointment>;
  mine(actor: Actor, scope: PatientScope): Promise<{ items: Appointment[] }>;
  agenda(actor: Actor, input: { physicianId?: string | undefined; date: string }): Promise<{ items: Appointment[] }>;
  calendar(actor: Actor, input: { from: string; to: string; physicianId?: string | undefined }): Promise<Calendar>;
  stats(actor: Actor, input: { physicianId?: string | undefined; from: string; to: string }): Promise<PhysicianStats>;
}

/** How a payment that arrived ended up for its appointment. */
export type PaidOutcome = 'confirmed' | 'already_confirmed' | 'slot_taken' | 'not_payable';

export function createAppointmentsService(
  deps: ApiDeps,
  clinic: ClinicService,
  physicians: PhysiciansService,
  packages: PackagesService,
  users: UsersService,
  availability: Availability,
  hooks: AppointmentHooks,
) {
  /**
   * The system's view (every clinic): booking (a patient books any clinic's physician; the record takes the
   * physician's clinic), a patient's overlaps anywhere, payments' webhooks and the WhatsApp merge. A use case of
   * an actor reads and changes appointments only through `scoped(actor)`.
   */
  const system = createAppointmentsRepository(deps.db.cols, ANY_CLINIC);
  const notFound = () => new AppError('NOT_FOUND', 'No such appointment.');

  /** The actor's clinic scope and the appointments repository restricted to it. */
  async function scoped(actor: Actor): Promise<{ scope: ClinicScope; repo: AppointmentsRepository }> {
    const scope = await scopeOf(actor, clinic.current);
    return { scope, repo: createAppointmentsRepository(deps.db.cols, scope) };
  }

  /** A physician of the scope's clinic; one of another clinic is not found, as an unknown one. */
  async function physicianIn(scope: ClinicScope, id: string): Promise<PhysicianDoc> {
    const physician = await physicians.load(id);
    if (!covers(scope, physician.clinicId)) throw new AppError('NOT_FOUND', 'No such physician.');
    return physician;
  }

  /** The time zone lists are shown in: the staff member's clinic's; the first clinic's for a patient's calendar. */
  const zoneOf = async (scope: ClinicScope) => (await (scope.kind === 'clinic' ? clinic.settingsFor(scope.clinicId) : clinic.settings())).timeZone;
  /** A confirmation is due at once, unless the chat the patient acted in replies with it itself. */
  const confirmationDue = (actor: Actor | null, now: Date) => (repliesInChat(actor) ? null : now);

  /** Re-checks every rule the slot list applies; a client cannot book what the list would not show. */
  async function assertBookable(physician: PhysicianDoc, start: Date, now: Date, moving?: AppointmentDoc) {
    const of = await clinic.of(physician.clinicId);
    // A pending or suspended clinic takes no bookings: its physicians are not found, as in the search.
    if (of.status !== 'active') throw new AppError('NOT_FOUND', 'No such physician.');
    const settings = settingsOf(of);
    const around = await availability.busyFor([physician._id], new Date(start.getTime() - DAY_MS), new Date(start.getTime() + DAY_MS));
    // When moving, the appointment's own current slot does not count against it (slot keys make its start unique).
    const busy = (around.get(physician._id.toHexString()) ?? []).filter((b) => b.start.getTime() !== moving?.startsAt.getTime());
    const check = checkSlot(physicians.rulesFor(physician, settings), start, { now, busy });
    if (!check.ok) {
      if (check.reason === 'TAKEN') throw new AppError('SLOT_TAKEN', check.message);
      throw new AppError('SLOT_UNAVAILABLE', check.message, { fieldErrors: { start: [check.message] } });
    }
    return { slot: check.slot, settings, clinic: of };
  }

  /** Loads the appointment and the actor's relation to it; strangers get NOT_FOUND. */
  async function loadFor(actor: Actor, id: string) {
    const { repo } = await scoped(actor);
    const appt = await repo.findById(id);
    if (!appt) throw notFound();
    const physician = await physicians.load(appt.physicianId.toHexString()).catch(() => null);
    const relation = relationTo(actor, appt, physician);
    if (!canView(relation)) throw notFound();
    return { appt, physician, relation, repo };
  }

  /** `physician`: as loadFor read it (its login is the doctor the change is told to), null when it is gone. */
  async function transition(repo: AppointmentsRepository, actor: Actor, appt: AppointmentDoc, physician: PhysicianDoc | null, t: Pick<Transition, 'from' | 'to' | 'set' | 'release' | 'note'>) {
    const updated = await repo.transition(appt._id, { ...t, at: deps.clock(), by: new ObjectId(actor.userId) });
    if (!updated) {
      const current = await repo.findById(appt._id.toHexString());
      throw new AppError('INVALID_TRANSITION', `This appointment is ${current?.status ?? appt.status}; it cannot become ${t.to}.`);
    }
    // Read once for the answer's zone and handed to the listeners, which would otherwise each read it again.
    const of = await clinic.of(updated.clinicId);
    const kind = CHANGE_OF[t.to];
    if (kind) await hooks.afterChange({ kind, appointment: updated, known: { clinic: of, doctor: physician?.userId ?? null } });
    return toAppointmentDto(updated, settingsOf(of).timeZone);
  }

  return {
    async book(actor: Actor, input: { physicianId: string; start: Date; reason: string; packageId?: string | undefined }): Promise<Appointment> {
      const now = deps.clock();
      const physician = await physicians.load(input.physicianId);
      const { slot, settings, clinic: of } = await assertBookable(physician, input.start, now);
      const patientId = new ObjectId(actor.userId);
      // The booker acts as a patient, at any clinic: the system's view (the record takes the physician's clinic).
      const repo = system;
      if (await repo.patientOverlaps(patientId, slot.start, slot.end)) throw claimError('patient_busy');
      const pkg = input.packageId ? await packages.get(input.packageId) : null;
      if (pkg && !pkg.active) throw new AppError('NOT_FOUND', 'No such medical package.');
      // A package is booked at its own clinic: the physician's.
      if (pkg && !(await packages.ofClinic(pkg.id, physician.clinicId))) {
        throw new AppError('VALIDATION_FAILED', 'This medical package is offered by another clinic than the physician’s.', {
          fieldErrors: { packageId: ["must be a package of the physician's clinic"] },
        });
      }
      const patient = await users.me(actor.userId);
      const status: AppointmentStatus = settings.policies.paymentRequired ? 'pending_payment' : 'confirmed';
      const { claimed, doc } = await repo.claim(
        {
          clinicId: physician.clinicId,
          physicianId: physician._id,
          physicianName: physician.fullName,
          ...(physician.fullNameAr ? { physicianNameAr: physician.fullNameAr } : {}),
          patientId,
          patient: { name: patient.fullName, phone: patient.phone, email: patient.email },
          startsAt: slot.start,
          endsAt: slot.end,
          status,
          reason: input.reason,
          packageId: pkg ? new ObjectId(pkg.id) : null,
          price: pkg?.price ?? physician.price,
          holdExpiresAt: status === 'pending_payment' ? new Date(now.getTime() + settings.policies.holdMinutes * 60_000) : null,
          reminderDueAt: reminderDueAt(slot.start, now, settings.policies.reminderLeadMinutes),
          confirmationDueAt: status === 'confirmed' ? confirmationDue(actor, now) : null,
        },
        now,
      );
      if (claimed !== 'ok') throw claimError(claimed);
      if (doc.confirmationDueAt) hooks.afterConfirm(doc, { clinic: of, patientLocale: patient.locale, appointment: doc });
      await hooks.afterChange({ kind: 'booked', appointment: doc, known: { clinic: of, doctor: physician.userId ?? null } });
      return toAppointmentDto(doc, settings.timeZone);
    },

    async get(actor: Actor, id: string): Promise<Appointment> {
      const { appt } = await loadFor(actor, id);
      return toAppointmentDto(appt, (await clinic.settingsFor(appt.clinicId)).timeZone);
    },

    async reschedule(actor: Actor, input: { id: string; start: Date }): Promise<Appointment> {
      const { appt, physician, relation, repo } = await loadFor(actor, input.id);
      if (!canReschedule(relation)) throw notFound();
      if (!physician) throw new AppError('INVALID_TRANSITION', 'The physician of this appointment no longer takes bookings.');
      if (!['pending_payment', 'confirmed'].includes(appt.status)) {
        throw new AppError('INVALID_TRANSITION', `This appointment is ${appt.status}; only upcoming bookings can be moved.`);
      }
      const now = deps.clock();
      const { slot, settings, clinic: of } = await assertBookable(physician, input.start, now, appt);
      // The patient's other bookings at any clinic count.
      if (await system.patientOverlaps(appt.patientId, slot.start, slot.end, appt._id)) throw claimError('patient_busy');
      // Only a confirmed appointment gets a confirmation of its new time; a hold gets one when it is paid.
      const confirmationAt = appt.status === 'confirmed' ? confirmationDue(actor, now) : undefined;
      const moved = await repo.move(appt, slot.start, slot.end, now, new ObjectId(actor.userId), {
        reminderAt: reminderDueAt(slot.start, now, settings.policies.reminderLeadMinutes),
        confirmationAt,
      });
      if (moved === 'changed') throw new AppError('INVALID_TRANSITION', 'This appointment changed meanwhile; reload it and try again.');
      if (moved !== 'ok') throw claimError(moved);
      if (confirmationAt) hooks.afterConfirm({ _id: appt._id, patientId: appt.patientId, startsAt: slot.start }, { clinic: of });
      const movedDoc = (await repo.findById(input.id))!;
      await hooks.afterChange({ kind: 'moved', appointment: movedDoc, previousStartsAt: appt.startsAt, known: { clinic: of, doctor: physician.userId ?? null } });
      return toAppointmentDto(movedDoc, settings.timeZone);
    },

    async cancel(actor: Actor, input: { id: string; reason: string }): Promise<Appointment> {
      const { appt, physician, relation, repo } = await loadFor(actor, input.id);
      const by = cancelsAs(relation);
      if (!by) throw notFound();
      const now = deps.clock();
      if (by === 'patient') {
        const { policies } = await clinic.settingsFor(appt.clinicId);
        if (appt.startsAt.getTime() - now.getTime() < policies.cancellationCutoffHours * 3_600_000) {
          throw new AppError('CANCELLATION_CLOSED', renderErrorReason('CANCELLATION_CLOSED', cancellationCutoffReason(policies.cancellationCutoffHours), 'en')!, { reason: cancellationCutoffReason(policies.cancellationCutoffHours) });
        }
      }
      const from: AppointmentStatus[] = by === 'patient' ? ['pending_payment', 'confirmed'] : ['pending_payment', 'confirmed', 'checked_in'];
      const cancellation = { by, byUserId: new ObjectId(actor.userId), reason: input.reason, at: now };
      const cancelled = await transition(repo, actor, appt, physician, { from, to: 'cancelled', set: { cancellation }, release: true });
      await hooks.afterCancel({ ...appt, status: 'cancelled', cancellation });
      return cancelled;
    },

    /** The desk path: staff confirm a booking whose payment they took in person. */
    async confirm(actor: Actor, id: string) {
      const { appt, physician, relation, repo } = await loadFor(actor, id);
      if (!canConfirm(relation)) throw new AppError('FORBIDDEN', 'Only clinic staff or the physician can confirm a booking.');
      const confirmationDueAt = confirmationDue(actor, deps.clock());
      const confirmed = await transition(repo, actor, appt, physician, { from: ['pending_payment'], to: 'confirmed', set: { holdExpiresAt: null, confirmationDueAt }, note: 'confirmed at the desk' });
      if (confirmationDueAt) hooks.afterConfirm(appt);
      return confirmed;
    },

    async checkIn(actor: Actor, id: string) {
      const { appt, physician, relation, repo } = await loadFor(actor, id);
      if (!canCheckIn(relation)) throw new AppError('FORBIDDEN', 'Only clinic staff can check a patient in.');
      return transition(repo, actor, appt, physician, { from: ['confirmed'], to: 'checked_in' });
    },

    async complete(actor: Actor, id: string) {
      const { appt, physician, relation, repo } = await loadFor(actor, id);
      if (!canComplete(relation, actor)) throw new AppError('FORBIDDEN', 'Only the physician can complete this appointment.');
      return transition(repo, actor, appt, physician, { from: ['confirmed', 'checked_in'], to: 'completed' });
    },

    // --- for the payments module (no HTTP face of their own) ---

    /** The caller's own booking that is waiting for payment; anything else is refused. */
    async payableFor(actor: Actor, id: string): Promise<AppointmentDoc> {
      const { appt, relation } = await loadFor(actor, id);
      if (relation !== 'patient') throw notFound();
      if (appt.status !== 'pending_payment') {
        throw new AppError('INVALID_TRANSITION', `This appointment is ${appt.status}; only a booking waiting for payment can be paid.`);
      }
      return appt;
    },

    /** Internal read by id, without an actor (webhooks, receipts after their own ownership check). */
    byId: (id: ObjectId) => system.findById(id.toHexString()),

    /**
     * Internal read for other modules (chat: have these two met; the agenda's day counts): one clinic's appointments
     * starting in [from, to), of a physician and/or a patient, in start order.
     */
    startingBetween: (clinicId: ObjectId, who: { physicianId?: ObjectId | undefined; patientId?: ObjectId | undefined }, from: Date, to: Date) =>
      createAppointmentsRepository(deps.db.cols, clinicScope(clinicId)).listStartingBetween(who, from, to),

    /**
     * The money arrived: a waiting booking is confirmed; a lapsed hold gets its slot back if nobody
     * took it (else the caller refunds). Only a succeeded payment may call this. `actor`: the patient, when
     * their own request confirmed it (insurance covering the whole fee); null for Stripe's webhook.
     */
    async confirmPaid(id: ObjectId, actor: Actor | null = null): Promise<PaidOutcome> {
      const now = deps.clock();
      const repo = system;
      const appt = await repo.findById(id.toHexString());
      if (!appt) return 'not_payable';
      const confirmationDueAt = confirmationDue(actor, now);
      if (appt.status === 'pending_payment') {
        const done = await repo.transition(id, { from: ['pending_payment'], to: 'confirmed', at: now, by: null, set: { holdExpiresAt: null, confirmationDueAt }, note: 'paid' });
        if (!done) return this.confirmPaid(id, actor);
        if (confirmationDueAt) hooks.afterConfirm(done);
        await hooks.afterChange({ kind: 'paid', appointment: done });
        return 'confirmed';
      }
      if (appt.status === 'expired') {
        if (appt.startsAt <= now) return 'not_payable';
        const { policies } = await clinic.settingsFor(appt.clinicId);
        const res = await repo.reclaim(appt, now, { reminderAt: reminderDueAt(appt.startsAt, now, policies.reminderLeadMinutes), confirmationAt: confirmationDueAt });
        if (res === 'ok') {
          if (confirmationDueAt) hooks.afterConfirm(appt);
          const reclaimed = await repo.findById(id.toHexString());
          if (reclaimed) await hooks.afterChange({ kind: 'paid', appointment: reclaimed });
          return 'confirmed';
        }
        return res === 'changed' ? this.confirmPaid(id, actor) : 'slot_taken';
      }
      return ['confirmed', 'checked_in', 'completed'].includes(appt.status) ? 'already_confirmed' : 'not_payable';
    },

    /** A WhatsApp profile merged into its app account: the bookings go with it, contact details from the account. */
    reassignPatient: (from: ObjectId, to: ObjectId, contact: AppointmentDoc['patient']) => system.reassignPatient(from, to, contact, deps.clock()),

    /** A failed or abandoned payment frees the slot at once instead of waiting for the hold to lapse. */
    async releaseUnpaid(id: ObjectId, why: string) {
      const expired = await system.transition(id, { from: ['pending_payment'], to: 'expired', at: deps.clock(), by: null, release: true, note: why });
      if (expired) await hooks.afterChange({ kind: 'expired', appointment: expired });
    },

    async mine(actor: Actor, scope: PatientScope) {
      const now = deps.clock();
      const patientId = new ObjectId(actor.userId);
      const { repo } = await scoped(actor);
      const docs = await repo.listForPatient(patientId, scope, now);
      // A patient's bookings may be at several clinics: each shows in its own clinic's zone.
      const clinics = await clinic.byIds(docs.map((d) => d.clinicId));
      const tzOf = (d: AppointmentDoc) => clinics.get(d.clinicId.toHexString())?.timeZone ?? deps.timeZone;
      return { items: docs.map((d) => toAppointmentDto(d, tzOf(d))) };
    },

    /** A doctor sees only their own day; staff and admins choose the physician, or see every physician's. */
    async agenda(actor: Actor, input: { physicianId?: string | undefined; date: string }) {
      let physicianId = input.physicianId;
      if (actor.role === 'doctor') {
        const own = await physicians.ofUser(actor.userId);
        if (!own) throw new AppError('NOT_FOUND', 'Your login is not linked to a physician.');
        if (physicianId && physicianId !== own._id.toHexString()) throw new AppError('FORBIDDEN', 'Doctors see only their own agenda.');
        physicianId = own._id.toHexString();
      } else if (actor.role !== 'staff' && actor.role !== 'admin') {
        throw new AppError('FORBIDDEN', 'Only clinic staff and doctors see agendas.');
      }
      const { scope, repo } = await scoped(actor);
      const tz = await zoneOf(scope);
      const { from, to } = localDayRange(input.date, tz);
      // Staff and admins without a physician: the whole clinic's day (the scoped repository keeps it to their clinic).
      if (!physicianId) return { items: (await repo.listStartingBetween({}, from, to)).map((d) => toAppointmentDto(d, tz)) };
      // A physician of another clinic is not found (as an unknown one), not an empty day.
      const physician = await physicianIn(scope, physicianId);
      const docs = await repo.listForPhysician(physician._id, from, to);
      return { items: docs.map((d) => toAppointmentDto(d, tz)) };
    },

    /**
     * A local date range grouped by local day, every day present (empty ones too). Patients see their own bookings,
     * doctors their own physician's (naming another → FORBIDDEN), staff and admins everyone's or one physician's.
     * One appointments query for the whole range, grouped here.
     */
    async calendar(actor: Actor, input: { from: string; to: string; physicianId?: string | undefined }): Promise<Calendar> {
      const dates = localDatesOf(input, CALENDAR_MAX_DAYS);
      const who: { physicianId?: ObjectId; patientId?: ObjectId } = {};
      const { scope: clinicScope, repo } = await scoped(actor);
      const scope = listScopeOf(actor);
      if (input.physicianId) who.physicianId = scope === 'clinic' ? (await physicianIn(clinicScope, input.physicianId))._id : new ObjectId(input.physicianId);
      if (scope === 'own_bookings') who.patientId = new ObjectId(actor.userId);
      if (scope === 'own_physician') who.physicianId = (await ownPhysicianOf(actor, input.physicianId, physicians.ofUser))._id;
      const tz = await zoneOf(clinicScope);
      // A patient's bookings may be at clinics in different zones: each is shown, and falls on a day, in its own clinic's.
      const { from, to } = anyZoneRange(dates[0]!, dates.at(-1)!);
      const docs = await repo.listStartingBetween(who, from, to);
      const clinics = await clinic.byIds(docs.map((d) => d.clinicId));
      const first = docs.every((d) => clinics.has(d.clinicId.toHexString())) ? null : await clinic.current();
      const clinicOf = (d: AppointmentDoc) => clinics.get(d.clinicId.toHexString()) ?? first!;
      const days = [...groupByLocalDay(dates, docs, (d) => clinicOf(d).timeZone)].map(([date, list]) => ({ date, appointments: list.map((d) => toCalendarAppointment(d, clinicOf(d))) }));
      return { timeZone: tz, from: input.from, to: input.to, days };
    },

    /** A physician's figures over a local date period (see PhysicianStatsSchema); doctors get only their own. */
    async stats(actor: Actor, input: { physicianId?: string | undefined; from: string; to: string }): Promise<PhysicianStats> {
      const dates = localDatesOf(input, STATS_MAX_DAYS);
      const scope = listScopeOf(actor);
      if (scope === 'own_bookings') throw new AppError('FORBIDDEN', 'Only clinic staff and doctors see statistics.');
      if (scope === 'clinic' && !input.physicianId) {
        throw new AppError('VALIDATION_FAILED', 'physicianId is required.', { fieldErrors: { physicianId: ['is required'] } });
      }
      const { scope: clinicScope, repo } = await scoped(actor);
      const physician = scope === 'own_physician' ? await ownPhysicianOf(actor, input.physicianId, physicians.ofUser) : await physicianIn(clinicScope, input.physicianId!);
      const tz = await zoneOf(clinicScope);
      const items = await repo.statusesBetween(physician._id, localDayRange(dates[0]!, tz).from, localDayRange(dates.at(-1)!, tz).to);
      return {
        physicianId: physician._id.toHexString(),
        physicianName: physician.fullName,
        timeZone: tz,
        from: input.from,
        to: input.to,
        days: dates.length,
        ...statsOf(dates, items, tz),
      };
    },
  };
}
export type AppointmentsService = ReturnType<typeof createAppointmentsService>;
