import { tool as agentTool, type FunctionTool } from '@openai/agents';
import * as z from 'zod';
import {
  BookAppointmentInput,
  CancelInput,
  CreatePaymentIntentInput,
  InsuranceCheckInput,
  ListPhysiciansInput,
  LocalDateSchema,
  extractEmiratesId,
  maskEmiratesIds,
  MyAppointmentsInput,
  PhysicianIdInput,
  RescheduleInput,
  SlotsInput,
  type Appointment,
  type Physician,
  type Slot,
} from '@clinic/contracts';
import { addLocalDays, localDateOf, localDayRange } from '@clinic/scheduling';
import { attempt, failureText, paymentLink, physicianHere, proposeBooking, proposeCancel, proposeReschedule, type Failure, type Proposal, type TurnContext } from './actions.ts';
import { bookedPhysicianIn, formatMoney, formatWhen, physicianNameIn, weekdayName } from './format.ts';

/**
 * The model's tools: thin adapters over the app's procedures (through createCaller, as the patient).
 * Input schemas come from the contracts' zod schemas (the Agents SDK tools' `parameters`, see `agentTools`);
 * where a contract field is a Date (not representable in JSON Schema) the tool takes the ISO string the slot
 * lists return.
 * Book, cancel and reschedule never act: they check and keep a pending action that runs only when the
 * patient's next message is an explicit yes (enforced in code, see assistant.ts).
 */
export interface Tool {
  name: string;
  description: string;
  input: z.ZodType;
  run(ctx: TurnContext, input: any): Promise<unknown>;
}

function tool<S extends z.ZodType>(t: { name: string; description: string; input: S; run(ctx: TurnContext, input: z.output<S>): Promise<unknown> }): Tool {
  return t;
}

const slotOut = (s: Slot, tz: string, ctx: TurnContext) => ({ start: s.start, local: formatWhen(s.start, tz, ctx.lang) });

function physicianOut(p: Physician & { nextFreeSlot: Slot | null }, tz: string, ctx: TurnContext) {
  return {
    id: p.id,
    name: physicianNameIn(ctx.lang, p),
    title: p.title,
    specialty: p.specialty,
    subSpecialties: p.subSpecialties,
    languages: p.languages,
    gender: p.gender,
    price: formatMoney(p.price, ctx.lang),
    priceFils: p.price.amount,
    rating: p.rating.average,
    yearsOfExperience: p.yearsOfExperience,
    clinic: p.clinic.name,
    locations: p.clinic.locations.map((l) => (ctx.lang === 'ar' ? l.nameAr : l.name)),
    nextFreeSlot: p.nextFreeSlot ? slotOut(p.nextFreeSlot, tz, ctx) : null,
  };
}

/** On a clinic's own number, the specialties it offers (all of them when it has not said). */
export function offered<T extends { slug: string }>(ctx: Pick<TurnContext, 'home'>, list: T[]): T[] {
  const own = ctx.home?.specialties ?? [];
  return own.length ? list.filter((s) => own.includes(s.slug)) : list;
}

const appointmentOut = (a: Appointment, tz: string, ctx: TurnContext) => ({
  id: a.id,
  physician: bookedPhysicianIn(ctx.lang, a),
  physicianId: a.physicianId,
  start: a.start,
  local: formatWhen(a.start, tz, ctx.lang),
  status: a.status,
  price: formatMoney(a.price, ctx.lang),
  reason: a.reason,
});

/** A proposed change waits for the patient's yes: it is stored as pending, nothing changes yet. */
function awaitConfirmation(ctx: TurnContext, res: Proposal | Failure) {
  if (!res.ok) return res;
  ctx.convo.pending = res.pending;
  ctx.proposed = res.question;
  return AWAITING(res.question);
}

const AWAITING = (question: string) => ({
  ok: true,
  status: 'awaiting_patient_confirmation',
  nothingChangedYet: true,
  question,
  instruction:
    'Nothing has been done yet. The system itself sends the patient this yes/no question right after your reply and carries the action out only if they answer yes. Do not claim it is done; keep your reply short and do not repeat the question.',
});

export const TOOLS: Tool[] = [
  tool({
    name: 'list_specialties',
    description: 'The clinic specialties (slug, English and Arabic name). Use a slug to search physicians.',
    input: z.strictObject({}),
    async run(ctx) {
      const list = offered(ctx, await ctx.caller.specialties.list());
      return { ok: true, specialties: list.map((s) => ({ slug: s.slug, name: s.name, nameAr: s.nameAr, subSpecialties: s.subSpecialties.map((x) => x.slug) })) };
    },
  }),

  tool({
    name: 'search_physicians',
    description:
      'Search physicians by specialty slug, language, gender, name, price (in fils: AED 300 = 30000), rating, availability on a local date, emirate or area. Each result carries its clinic, locations and next free slot.',
    // No `near`: a chat has no coordinates, so no distance sort either.
    input: ListPhysiciansInput.pick({ specialty: true, subSpecialty: true, language: true, gender: true, q: true, minPrice: true, maxPrice: true, minRating: true, availableOn: true, emirate: true, area: true, limit: true }).extend({
      sort: ListPhysiciansInput.shape.sort.unwrap().exclude(['distance']).optional(),
    }),
    async run(ctx, input) {
      const { timeZone } = await ctx.clinic();
      const page = await ctx.caller.physicians.list({ ...input, limit: Math.min(input.limit ?? 10, 10), ...(ctx.home ? { clinic: ctx.home.slug } : {}) });
      return { ok: true, physicians: page.items.map((p) => physicianOut(p, timeZone, ctx)) };
    },
  }),

  tool({
    name: 'physician_details',
    description: 'One physician: bio, languages, price, clinic and locations, weekly hours and next free slot.',
    input: PhysicianIdInput,
    async run(ctx, input) {
      const { timeZone } = await ctx.clinic();
      const found = await physicianHere(ctx, input.id);
      if (!found.ok) return found;
      const p = found.value;
      return {
        ok: true,
        physician: {
          ...physicianOut(p, timeZone, ctx),
          bio: p.bio,
          weeklyHours: p.schedule.weekly.map((w) => ({ day: weekdayName(w.weekday, 'en'), hours: w.intervals.map((i) => `${i.start}-${i.end}`) })),
        },
      };
    },
  }),

  tool({
    name: 'free_slots',
    description: "A physician's free appointment times from a local date (clinic time zone) for a number of days. Book only a `start` returned here.",
    input: SlotsInput.pick({ id: true }).extend({
      date: LocalDateSchema.optional().describe('first local date, YYYY-MM-DD (default: today)'),
      days: z.number().int().min(1).max(7).optional().describe('how many days (default 2)'),
    }),
    async run(ctx, input) {
      const { timeZone } = await ctx.clinic();
      const first = input.date ?? localDateOf(ctx.now, timeZone);
      const from = localDayRange(first, timeZone).from;
      const to = localDayRange(addLocalDays(first, (input.days ?? 2) - 1), timeZone).to;
      const here = await physicianHere(ctx, input.id);
      if (!here.ok) return here;
      const res = await ctx.caller.physicians.slots({ id: input.id, from, to });
      const shown = res.slots.slice(0, 24);
      return { ok: true, timeZone, slots: shown.map((s) => slotOut(s, timeZone, ctx)), more: res.slots.length > shown.length };
    },
  }),

  tool({
    name: 'book_appointment',
    description: 'Prepare a booking of a free slot for this patient. It is booked only after the patient answers yes to the confirmation question the system sends.',
    input: BookAppointmentInput.extend({
      start: z.string().min(10).max(40).describe('the slot start exactly as returned by free_slots (ISO 8601 with offset)'),
      reason: BookAppointmentInput.shape.reason.optional().describe('short reason for the visit, in the patient\'s words (optional)'),
    }),
    async run(ctx, input) {
      return awaitConfirmation(ctx, await proposeBooking(ctx, input));
    },
  }),

  tool({
    name: 'my_appointments',
    description: "The patient's own bookings: upcoming (default), past or cancelled.",
    input: MyAppointmentsInput,
    async run(ctx, input) {
      const { timeZone } = await ctx.clinic();
      const list = await ctx.caller.appointments.mine(input);
      return { ok: true, appointments: list.items.map((a) => appointmentOut(a, timeZone, ctx)) };
    },
  }),

  tool({
    name: 'cancel_appointment',
    description: "Prepare cancelling one of the patient's bookings (by id from my_appointments). Cancelled only after the patient answers yes.",
    input: CancelInput.extend({ reason: CancelInput.shape.reason.optional() }),
    async run(ctx, input) {
      return awaitConfirmation(ctx, await proposeCancel(ctx, input));
    },
  }),

  tool({
    name: 'reschedule_appointment',
    description: "Prepare moving one of the patient's bookings to another free slot of the same physician. Moved only after the patient answers yes.",
    input: RescheduleInput.extend({ start: z.string().min(10).max(40).describe('the new slot start exactly as returned by free_slots') }),
    async run(ctx, input) {
      return awaitConfirmation(ctx, await proposeReschedule(ctx, input));
    },
  }),

  tool({
    name: 'payment_link',
    description: 'The payment link for one of the patient\'s bookings that waits for payment. Send the link exactly as returned.',
    input: CreatePaymentIntentInput,
    async run(ctx, input) {
      const intent = await ctx.caller.payments.createIntent(input);
      if (intent.status === 'covered' || intent.amount === 0) return { ok: true, status: intent.status, message: 'Insurance covers the whole fee; nothing to pay, the booking is confirmed.' };
      const amount = formatMoney({ amount: intent.amount, currency: intent.currency }, ctx.lang);
      const link = paymentLink(ctx, intent.checkoutToken);
      return link
        ? { ok: true, status: intent.status, amount, link }
        : { ok: true, status: intent.status, amount, link: null, message: 'Online payment links are not available here; the patient can pay in the clinic app under My bookings.' };
    },
  }),

  tool({
    name: 'check_insurance',
    description: "Check the patient's insurance with their Emirates ID. Pass the number as it appears in the conversation (it may be masked; the system restores it).",
    input: InsuranceCheckInput,
    async run(ctx, input): Promise<unknown> {
      const given = input.emiratesId.trim();
      const raw = ctx.vault.get(given) ?? given;
      if (raw.includes('*')) {
        return { ok: false, code: 'VALIDATION_FAILED', message: 'That number was masked in an earlier message and cannot be used again; ask the patient to send their Emirates ID now.' } satisfies Failure;
      }
      // The number among the patient's words ("my id is 784…", Arabic-Indic digits); the server judges it.
      const r = await ctx.caller.insurance.check({ emiratesId: extractEmiratesId(raw) ?? raw });
      return { ok: true, emiratesId: r.emiratesId, status: r.status, insurer: r.insurer, plan: r.plan, network: r.network, copayPercent: r.copayPercent, message: r.message };
    },
  }),

  tool({
    name: 'clinic_info',
    description: 'Clinic name, phone, email, its locations (address, opening hours in the clinic time zone) and booking policies (cancellation cutoff, payment).',
    input: z.strictObject({}),
    async run(ctx) {
      const c = await ctx.clinic();
      return {
        ok: true,
        clinic: {
          name: c.name,
          phone: c.phone,
          email: c.email,
          timeZone: c.timeZone,
          locations: c.locations.map((l) => ({
            name: l.name,
            address: l.address,
            openingHours: l.openingHours.map((h) => `${weekdayName(h.weekday, 'en')} ${h.open}-${h.close}`),
          })),
          cancellationCutoffHours: c.policies.cancellationCutoffHours,
          paymentRequiredOnline: c.policies.paymentRequired,
        },
      };
    },
  }),

  tool({
    name: 'list_packages',
    description: 'Medical packages (check-ups) with price and included services.',
    input: z.strictObject({}),
    async run(ctx) {
      const list = await ctx.caller.packages.list(ctx.home ? { clinic: ctx.home.slug } : {});
      return { ok: true, packages: list.map((p) => ({ id: p.id, name: p.name, description: p.description, price: formatMoney(p.price, ctx.lang), includes: p.includedServices })) };
    },
  }),
];

/**
 * The tools as the Agents SDK runs them: each contract schema is the tool's `parameters` (the SDK sends it as
 * JSON Schema and parses the model's arguments with it before `execute`). Never throws: bad JSON, bad input,
 * refused or failed procedures all come back as `{ ok: false, code, message }` for the model to explain, and
 * every result is masked before the model (and the stored transcript) sees it. `enabled`: whether the run
 * may still call tools.
 */
export function agentTools(enabled: (ctx: TurnContext) => boolean): FunctionTool<TurnContext, any, string>[] {
  return TOOLS.map((t) =>
    agentTool<z.ZodObject, TurnContext, string>({
      name: t.name,
      description: t.description,
      parameters: t.input as z.ZodObject,
      async execute(input, run) {
        const res = await attempt(() => t.run(run!.context, input));
        const out = res.ok ? res.value : res;
        // A refusal with a reason (code + parameters) comes rendered in the patient's language too, for the model to pass on.
        return serialiseResult(hasReason(out) ? { ...out, patientText: failureText(run!.context.lang, out) } : out);
      },
      // The SDK withholds the parse error (tool data stays out of its errors and logs): the contract schema
      // names what was wrong with the arguments the model sent.
      errorFunction: (_run, _err, details) => serialiseResult({ ok: false, code: 'VALIDATION_FAILED', message: invalidInput(t, details?.toolCall?.arguments) } satisfies Failure),
      isEnabled: async ({ runContext }) => enabled(runContext.context),
    }),
  );
}

const hasReason = (v: unknown): v is Failure => !!v && typeof v === 'object' && (v as Failure).ok === false && !!(v as Failure).reason;

/** What was wrong with the model's arguments, by the tool's input schema. */
function invalidInput(t: Tool, argsJson: string | undefined): string {
  let args: unknown;
  try {
    args = argsJson?.trim() ? JSON.parse(argsJson) : {};
  } catch {
    return 'The arguments were not valid JSON.';
  }
  // Strict mode sends absent optional fields as null.
  const parsed = t.input.safeParse(args && typeof args === 'object' ? Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null)) : args);
  if (parsed.success) return 'The arguments were not valid for this tool.';
  return parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'} ${i.message}`).join('; ');
}

/** A tool result as the model (and the stored transcript) sees it. */
export function serialiseResult(result: unknown): string {
  return maskEmiratesIds(JSON.stringify(result));
}
