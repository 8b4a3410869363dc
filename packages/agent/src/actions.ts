import { toErrorBody, type Conversation, type createCaller, type PendingAction, type Services } from '@clinic/api';
import { cancellationCutoffReason, emiratesIdErrorReason, renderEmiratesIdReason, renderErrorReason, type Appointment, type Clinic, type ErrorCode, type ErrorReason } from '@clinic/contracts';
import { localDateOf, localDayRange, zonedToUtc } from '@clinic/scheduling';
import { bookedPhysicianIn, formatMoney, formatWhen, physicianNameIn } from './format.ts';
import { msg } from './messages.ts';
import type { Lang } from './text.ts';

/** The app's procedures, called as the WhatsApp patient: same inputs, guards and ownership rules. */
export type Caller = ReturnType<typeof createCaller>;

/** What one inbound message is handled with. */
export interface TurnContext {
  caller: Caller;
  services: Services;
  lang: Lang;
  now: Date;
  convo: Conversation;
  /** Masked Emirates ID → as typed, for this turn only (never stored, never sent to the model). */
  vault: Map<string, string>;
  /** Payment links are `${paymentLinkBase}/${checkoutToken}`; null: the patient pays in the app. */
  paymentLinkBase: string | null;
  /** The clinic the patient's messages speak to (its details, time zone and policies): `home`, else the platform's first. */
  clinic(): Promise<Clinic>;
  /**
   * The clinic whose own WhatsApp number the patient wrote to: only its physicians are offered, and another clinic's
   * is "not found". Null on the platform's shared number: every active clinic's, each named with its clinic.
   */
  home: Clinic | null;
  /** Set when a tool kept an action for the patient's yes during this turn: the question to send. */
  proposed: string | null;
}

export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** Field path → messages, when the input was refused. */
  fieldErrors?: Record<string, string[]>;
  /** The clinic to call instead, when the assistant knows it (a cancel past the cutoff). */
  phone?: string;
  /** Why, as a code with parameters (the error's `data.reason`): what the patient reads is rendered from it. */
  reason?: ErrorReason;
}

/**
 * A procedure's error as the patient (or the model) should hear it: the error body every face answers with
 * (`toErrorBody`), so its code, message and field errors are the app's and REST's.
 */
export function failureOf(err: unknown): Failure {
  const { message, data } = toErrorBody(err);
  return { ok: false, code: data.appCode, message, ...(data.fieldErrors ? { fieldErrors: data.fieldErrors } : {}), ...(data.reason ? { reason: data.reason } : {}) };
}

export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | Failure> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return failureOf(err);
  }
}

/**
 * A failure in the patient's language, for the replies the assistant writes itself: fixed sentences per code, and
 * a reason rendered from its code and parameters (contracts `renderErrorReason`), never the English `message`.
 */
export function failureText(lang: Lang, f: Failure): string {
  const m = msg(lang);
  switch (f.code) {
    case 'SLOT_TAKEN':
      return m.slotTaken;
    case 'SLOT_UNAVAILABLE':
      return m.slotUnavailable;
    case 'CANCELLATION_CLOSED': {
      const reason = f.reason && f.phone && f.reason.params['phone'] === undefined ? { ...f.reason, params: { ...f.reason.params, phone: f.phone } } : f.reason;
      return renderErrorReason(f.code, reason, lang) ?? m.cancellationClosed(f.phone ?? null);
    }
    case 'OVERLAPPING_APPOINTMENT':
      return m.overlapping;
    case 'NOT_FOUND':
    case 'FORBIDDEN':
      return m.notFound;
    case 'INVALID_TRANSITION':
      return m.invalidTransition;
    case 'INVALID_EMIRATES_ID':
      // Without a reason (none is expected), say what is asked for.
      return m.invalidEmiratesId(renderErrorReason(f.code, f.reason, lang) ?? renderEmiratesIdReason({ code: 'empty' }, lang));
    default:
      return m.genericError;
  }
}

/** A message with no digit at all where an Emirates ID was asked for: the patient is told what is asked for. */
export const NO_EMIRATES_ID: Failure = { ok: false, code: 'INVALID_EMIRATES_ID', message: renderEmiratesIdReason({ code: 'empty' }, 'en'), reason: emiratesIdErrorReason({ code: 'empty' }) };

export const when = (ctx: TurnContext, iso: string, tz: string) => formatWhen(iso, tz, ctx.lang);

/** The instant a model or a patient named, if it is one (ISO 8601; a bare local time means the clinic's zone). */
export function parseStart(start: string, timeZone: string): Date | null {
  const s = start.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) {
    // No offset: read it as the clinic's wall clock, never the server's.
    const [date, time] = s.split(/[T ]/) as [string, string];
    try {
      return zonedToUtc(date, time.slice(0, 5), timeZone);
    } catch {
      return null;
    }
  }
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A physician the patient may book here: on a clinic's own number, another clinic's answers NOT_FOUND as an unknown id does. */
export async function physicianHere(ctx: TurnContext, id: string) {
  const res = await attempt(() => ctx.caller.physicians.get({ id }));
  if (res.ok && ctx.home && res.value.clinic.id !== ctx.home.id) return { ok: false, code: 'NOT_FOUND', message: 'No physician with this id.' } satisfies Failure;
  return res;
}

/** Is `start` one of the physician's free slots? Checked the way the app lists them. */
async function findFreeSlot(ctx: TurnContext, physicianId: string, start: Date, timeZone: string) {
  const day = localDayRange(localDateOf(start, timeZone), timeZone);
  const res = await attempt(() => ctx.caller.physicians.slots({ id: physicianId, from: day.from, to: day.to }));
  if (!res.ok) return res;
  const slot = res.value.slots.find((s) => new Date(s.start).getTime() === start.getTime());
  if (!slot) return { ok: false as const, code: 'SLOT_UNAVAILABLE' as const, message: 'This time is not a free slot of this physician; list the free slots and pick one of them.' };
  return { ok: true as const, value: slot };
}

export interface Proposal {
  ok: true;
  pending: PendingAction;
  /** The question put to the patient, in their language. */
  question: string;
}

/** Checks a booking could be made and keeps it for the patient's yes; nothing is booked yet. */
export async function proposeBooking(ctx: TurnContext, input: { physicianId: string; start: string; reason?: string | undefined; packageId?: string | undefined }): Promise<Proposal | Failure> {
  const { timeZone } = await ctx.clinic();
  const start = parseStart(input.start, timeZone);
  if (!start) return { ok: false, code: 'VALIDATION_FAILED', message: 'start must be an ISO 8601 date-time as returned by free_slots.' };
  const physician = await physicianHere(ctx, input.physicianId);
  if (!physician.ok) return physician;
  const slot = await findFreeSlot(ctx, input.physicianId, start, timeZone);
  if (!slot.ok) return slot;
  let price = physician.value.price;
  if (input.packageId) {
    const pkg = await attempt(() => ctx.caller.packages.get({ id: input.packageId! }));
    if (!pkg.ok) return pkg;
    price = pkg.value.price;
  }
  const pending: PendingAction = {
    kind: 'book',
    physicianId: input.physicianId,
    // Shown in the question and the answers of this conversation, so in its language.
    physicianName: physicianNameIn(ctx.lang, physician.value),
    start: slot.value.start,
    reason: input.reason?.trim() || 'Consultation (booked on WhatsApp)',
    packageId: input.packageId ?? null,
    price,
    createdAt: ctx.now,
  };
  return { ok: true, pending, question: questionFor(ctx, pending, timeZone) };
}

const CANCELLABLE = new Set(['pending_payment', 'confirmed']);

/** Loads the appointment through the ownership rules (someone else's is NOT_FOUND) and keeps the cancel for a yes. */
export async function proposeCancel(ctx: TurnContext, input: { id: string; reason?: string | undefined }): Promise<Proposal | Failure> {
  const appt = await attempt(() => ctx.caller.appointments.get({ id: input.id }));
  if (!appt.ok) return appt;
  if (!CANCELLABLE.has(appt.value.status)) return { ok: false, code: 'INVALID_TRANSITION', message: `This appointment is ${appt.value.status}; only upcoming bookings can be cancelled.` };
  const closed = await cancellationClosed(ctx, appt.value);
  if (closed) return closed;
  const { timeZone } = await ctx.clinic();
  const pending: PendingAction = {
    kind: 'cancel',
    appointmentId: appt.value.id,
    physicianName: bookedPhysicianIn(ctx.lang, appt.value),
    start: appt.value.start,
    reason: input.reason?.trim() || 'Cancelled by the patient on WhatsApp',
    createdAt: ctx.now,
  };
  return { ok: true, pending, question: questionFor(ctx, pending, timeZone) };
}

/** The clinic an appointment is at (through its physician, as the patient may read it); null when it cannot be read now. */
export async function clinicOfAppointment(ctx: TurnContext, appt: Pick<Appointment, 'physicianId'>): Promise<Clinic | null> {
  const physician = await attempt(() => ctx.caller.physicians.get({ id: appt.physicianId }));
  if (!physician.ok) return null;
  const clinic = await attempt(() => ctx.caller.clinics.bySlug({ slug: physician.value.clinic.slug }));
  return clinic.ok ? clinic.value : null;
}

/**
 * The appointment's clinic's cutoff, checked before the patient is asked: a yes that could only be refused would
 * waste their turn. The cancel procedure checks it again when it runs; when the clinic cannot be read, it alone decides.
 */
async function cancellationClosed(ctx: TurnContext, appt: Appointment): Promise<Failure | null> {
  const clinic = await clinicOfAppointment(ctx, appt);
  if (!clinic) return null;
  const hours = clinic.policies.cancellationCutoffHours;
  if (new Date(appt.start).getTime() - ctx.now.getTime() >= hours * 3_600_000) return null;
  const reason = cancellationCutoffReason(hours, clinic.phone || null);
  return { ok: false, code: 'CANCELLATION_CLOSED', message: renderErrorReason('CANCELLATION_CLOSED', reason, 'en')!, reason, ...(clinic.phone ? { phone: clinic.phone } : {}) };
}

export async function proposeReschedule(ctx: TurnContext, input: { id: string; start: string }): Promise<Proposal | Failure> {
  const appt = await attempt(() => ctx.caller.appointments.get({ id: input.id }));
  if (!appt.ok) return appt;
  if (!CANCELLABLE.has(appt.value.status)) return { ok: false, code: 'INVALID_TRANSITION', message: `This appointment is ${appt.value.status}; only upcoming bookings can be moved.` };
  const { timeZone } = await ctx.clinic();
  const start = parseStart(input.start, timeZone);
  if (!start) return { ok: false, code: 'VALIDATION_FAILED', message: 'start must be an ISO 8601 date-time as returned by free_slots.' };
  const slot = await findFreeSlot(ctx, appt.value.physicianId, start, timeZone);
  if (!slot.ok) return slot;
  const pending: PendingAction = {
    kind: 'reschedule',
    appointmentId: appt.value.id,
    physicianName: bookedPhysicianIn(ctx.lang, appt.value),
    from: appt.value.start,
    start: slot.value.start,
    createdAt: ctx.now,
  };
  return { ok: true, pending, question: questionFor(ctx, pending, timeZone) };
}

export function questionFor(ctx: TurnContext, p: PendingAction, timeZone: string): string {
  const m = msg(ctx.lang);
  const q =
    p.kind === 'book'
      ? m.confirmBook(p.physicianName, when(ctx, p.start, timeZone), formatMoney(p.price, ctx.lang))
      : p.kind === 'cancel'
        ? m.confirmCancel(p.physicianName, when(ctx, p.start, timeZone))
        : m.confirmReschedule(p.physicianName, when(ctx, p.from, timeZone), when(ctx, p.start, timeZone));
  return `${q}\n${m.confirmPrompt}`;
}

/** What to tell the patient about paying for a booking that waits for payment. */
export async function paymentFollowUp(ctx: TurnContext, appt: Appointment): Promise<string> {
  const m = msg(ctx.lang);
  const intent = await attempt(() => ctx.caller.payments.createIntent({ appointmentId: appt.id }));
  if (!intent.ok) return intent.code === 'PAYMENTS_NOT_CONFIGURED' || intent.code === 'PAYMENT_PROVIDER_ERROR' ? m.payAtDesk : failureText(ctx.lang, intent);
  if (intent.value.status === 'covered' || intent.value.amount === 0) return m.covered;
  const amount = formatMoney({ amount: intent.value.amount, currency: intent.value.currency }, ctx.lang);
  const link = paymentLink(ctx, intent.value.checkoutToken);
  return link ? m.payLink(amount, link) : m.payInApp(amount);
}

/** The link is ours, built from the payment's random checkout token — never text a model produced. Null: pay in the app. */
export function paymentLink(ctx: Pick<TurnContext, 'paymentLinkBase'>, checkoutToken: string | null): string | null {
  return ctx.paymentLinkBase && checkoutToken ? `${ctx.paymentLinkBase.replace(/\/+$/, '')}/${encodeURIComponent(checkoutToken)}` : null;
}

/** Runs a confirmed action through the procedures; the reply says what happened, `code` why it failed (a lost race: SLOT_TAKEN). */
export async function executePending(ctx: TurnContext, p: PendingAction): Promise<{ ok: boolean; text: string; code?: ErrorCode }> {
  const m = msg(ctx.lang);
  const clinic = await ctx.clinic();
  const tz = clinic.timeZone;
  switch (p.kind) {
    case 'book': {
      const res = await attempt(() =>
        ctx.caller.appointments.book({ physicianId: p.physicianId, start: new Date(p.start), reason: p.reason, ...(p.packageId ? { packageId: p.packageId } : {}) }),
      );
      if (!res.ok) return { ok: false, text: failureText(ctx.lang, res), code: res.code };
      const appt = res.value;
      if (appt.status !== 'pending_payment') return { ok: true, text: m.booked(bookedPhysicianIn(ctx.lang, appt), when(ctx, appt.start, tz)) };
      const pay = await paymentFollowUp(ctx, appt);
      return { ok: true, text: `${m.bookedPending(bookedPhysicianIn(ctx.lang, appt), when(ctx, appt.start, tz), clinic.policies.holdMinutes)}\n${pay}` };
    }
    case 'cancel': {
      const res = await attempt(() => ctx.caller.appointments.cancel({ id: p.appointmentId, reason: p.reason }));
      if (!res.ok) return { ok: false, text: failureText(ctx.lang, res), code: res.code };
      return { ok: true, text: m.cancelled(bookedPhysicianIn(ctx.lang, res.value), when(ctx, res.value.start, tz)) };
    }
    case 'reschedule': {
      const res = await attempt(() => ctx.caller.appointments.reschedule({ id: p.appointmentId, start: new Date(p.start) }));
      if (!res.ok) return { ok: false, text: failureText(ctx.lang, res), code: res.code };
      return { ok: true, text: m.rescheduled(bookedPhysicianIn(ctx.lang, res.value), when(ctx, res.value.start, tz)) };
    }
  }
}
