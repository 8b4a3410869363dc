import { LocalDateSchema } from '@clinic/contracts';
import { addLocalDays, localDateOf, localDayRange } from '@clinic/scheduling';
import type { Appointment } from '@clinic/contracts';
import { attempt, failureText, physicianHere, proposeBooking, proposeCancel, proposeReschedule, type TurnContext } from './actions.ts';
import { formatMoney, formatWhen } from './format.ts';
import { msg } from './messages.ts';
import { foldForMatching } from './text.ts';
import { offered } from './tools.ts';

/**
 * The assistant without a language model: a numbered menu over the same procedures.
 * 1 find a physician (specialty → physician → slot → yes → booked, with a payment link when needed),
 * 2 my bookings (→ cancel with a yes), 3 insurance check (Emirates ID), 0 / "menu" back to the menu.
 */
type MenuState =
  | { step: 'main' }
  | { step: 'specialty'; options: { slug: string; name: string }[] }
  | { step: 'physician'; specialty: string; options: { id: string; name: string }[] }
  | { step: 'slot'; physicianId: string; physicianName: string; options: string[] }
  | { step: 'bookings'; options: string[] }
  | { step: 'reschedule'; appointmentId: string; options: string[] }
  | { step: 'insurance' };

const MAX_OPTIONS = 9;
const SLOT_SEARCH_DAYS = 7;
const MENU_WORDS = new Set(['0', 'menu', 'main menu', 'start', 'hi', 'hello', 'hey', 'back', 'قائمه', 'القائمه', 'مرحبا', 'اهلا', 'السلام عليكم', 'رجوع', 'ابدا'].map(foldForMatching));

/** The menu's position when the main menu is on screen (so a number sent next is a pick from it). */
export const MAIN_MENU: MenuState = { step: 'main' };

export interface MenuReply {
  text: string;
  /** The input was not understood (counts towards the hand-over to staff). */
  failed: boolean;
}

const numbered = (items: string[]) => items.map((s, i) => `${i + 1}. ${s}`);

function pick(text: string, count: number): number | null {
  const m = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= count ? n - 1 : null;
}

export async function handleMenu(ctx: TurnContext, text: string, fresh: boolean, name: string | null): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const state = ctx.convo.menu as MenuState | null;
  const folded = foldForMatching(text.replace(/[!.?؟]+$/u, '').trim());
  const setState = (s: MenuState | null) => void (ctx.convo.menu = s as Record<string, unknown> | null);

  if (MENU_WORDS.has(folded) || (fresh && !state)) {
    setState(MAIN_MENU);
    return { text: fresh ? `${m.welcome(name, ctx.home ? (ctx.lang === 'ar' ? ctx.home.nameAr : ctx.home.name) : null)}\n${m.menu}` : m.menu, failed: false };
  }

  if (!state || state.step === 'main') {
    switch (folded) {
      case '1':
        return showSpecialties(ctx, setState);
      case '2':
        return showBookings(ctx, setState);
      case '3':
        setState({ step: 'insurance' });
        return { text: m.askEmiratesId, failed: false };
      default:
        return { text: `${m.pickNumber(3)}\n${m.menu}`, failed: true };
    }
  }

  switch (state.step) {
    case 'specialty': {
      const i = pick(folded, state.options.length);
      if (i === null) return { text: m.pickNumber(state.options.length), failed: true };
      return showPhysicians(ctx, state.options[i]!, setState);
    }
    case 'physician': {
      const i = pick(folded, state.options.length);
      if (i === null) return { text: m.pickNumber(state.options.length), failed: true };
      const p = state.options[i]!;
      return showSlots(ctx, p.id, p.name, null, setState);
    }
    case 'slot': {
      const date = LocalDateSchema.safeParse(folded);
      if (date.success) return showSlots(ctx, state.physicianId, state.physicianName, date.data, setState);
      const i = pick(folded, state.options.length);
      if (i === null) return { text: m.pickNumber(state.options.length), failed: true };
      const res = await proposeBooking(ctx, { physicianId: state.physicianId, start: state.options[i]! });
      if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
      ctx.convo.pending = res.pending;
      setState(null);
      return { text: res.question, failed: false };
    }
    case 'bookings': {
      const i = pick(folded, state.options.length);
      if (i === null) return { text: m.pickNumber(state.options.length), failed: true };
      const res = await proposeCancel(ctx, { id: state.options[i]! });
      if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
      ctx.convo.pending = res.pending;
      setState(null);
      return { text: res.question, failed: false };
    }
    case 'reschedule': {
      const i = pick(folded, state.options.length);
      if (i === null) return { text: m.pickNumber(state.options.length), failed: true };
      const res = await proposeReschedule(ctx, { id: state.appointmentId, start: state.options[i]! });
      if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
      ctx.convo.pending = res.pending;
      setState(null);
      return { text: res.question, failed: false };
    }
    case 'insurance': {
      const res = await attempt(() => ctx.caller.insurance.check({ emiratesId: text.slice(0, 64) }));
      if (!res.ok) return { text: failureText(ctx.lang, res), failed: res.code === 'INVALID_EMIRATES_ID' };
      setState(null);
      const r = res.value;
      return { text: `${m.insurance(r.status, { insurer: r.insurer, plan: r.plan, copayPercent: r.copayPercent, emiratesId: r.emiratesId })}\n${m.backToMenu}`, failed: false };
    }
  }
}

async function showSpecialties(ctx: TurnContext, setState: (s: MenuState | null) => void): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const list = offered(ctx, await ctx.caller.specialties.list()).slice(0, MAX_OPTIONS);
  if (list.length === 0) return { text: m.noSpecialties, failed: false };
  const options = list.map((s) => ({ slug: s.slug, name: ctx.lang === 'ar' ? s.nameAr : s.name }));
  setState({ step: 'specialty', options });
  return { text: m.specialties(numbered(options.map((o) => o.name))), failed: false };
}

async function showPhysicians(ctx: TurnContext, specialty: { slug: string; name: string }, setState: (s: MenuState | null) => void): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  const page = await ctx.caller.physicians.list({ specialty: specialty.slug, sort: 'next_available', limit: MAX_OPTIONS, ...(ctx.home ? { clinic: ctx.home.slug } : {}) });
  if (page.items.length === 0) return { text: m.noPhysicians, failed: false };
  setState({ step: 'physician', specialty: specialty.slug, options: page.items.map((p) => ({ id: p.id, name: p.fullName })) });
  // On the shared number physicians of several clinics are listed: each says where it practises.
  const where = (p: { clinic: { name: string; nameAr: string } }) => (ctx.home ? '' : ` (${ctx.lang === 'ar' ? p.clinic.nameAr : p.clinic.name})`);
  const lines = page.items.map((p) => `${p.fullName}${where(p)} — ${formatMoney(p.price, ctx.lang)} — ${m.nextSlot(p.nextFreeSlot ? formatWhen(p.nextFreeSlot.start, timeZone, ctx.lang) : null)}`);
  return { text: m.physicians(specialty.name, numbered(lines)), failed: false };
}

async function showSlots(ctx: TurnContext, physicianId: string, physicianName: string, date: string | null, setState: (s: MenuState | null) => void): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  const first = date ?? localDateOf(ctx.now, timeZone);
  const from = localDayRange(first, timeZone).from;
  const to = localDayRange(addLocalDays(first, date ? 0 : SLOT_SEARCH_DAYS - 1), timeZone).to;
  const here = await physicianHere(ctx, physicianId);
  if (!here.ok) return { text: failureText(ctx.lang, here), failed: false };
  const res = await attempt(() => ctx.caller.physicians.slots({ id: physicianId, from, to }));
  if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
  const slots = res.value.slots.slice(0, MAX_OPTIONS);
  setState({ step: 'slot', physicianId, physicianName, options: slots.map((s) => s.start) });
  if (slots.length === 0) return { text: m.noSlots(physicianName), failed: false };
  return { text: m.slots(physicianName, numbered(slots.map((s) => formatWhen(s.start, timeZone, ctx.lang)))), failed: false };
}

async function showBookings(ctx: TurnContext, setState: (s: MenuState | null) => void): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  const list = (await ctx.caller.appointments.mine({ scope: 'upcoming' })).items.filter((a) => a.status === 'pending_payment' || a.status === 'confirmed').slice(0, MAX_OPTIONS);
  if (list.length === 0) return { text: m.noBookings, failed: false };
  setState({ step: 'bookings', options: list.map((a) => a.id) });
  return { text: m.bookings(numbered(list.map((a) => `${a.physicianName} — ${formatWhen(a.start, timeZone, ctx.lang)}${a.status === 'pending_payment' ? ' (⏳)' : ''}`))), failed: false };
}

/** The next free times of the appointment's own physician, to move it to; a number picked next proposes the move. */
export async function showRescheduleSlots(ctx: TurnContext, appt: Appointment): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  const first = localDateOf(ctx.now, timeZone);
  const range = { from: localDayRange(first, timeZone).from, to: localDayRange(addLocalDays(first, SLOT_SEARCH_DAYS - 1), timeZone).to };
  const res = await attempt(() => ctx.caller.physicians.slots({ id: appt.physicianId, ...range }));
  if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
  const slots = res.value.slots.slice(0, MAX_OPTIONS);
  if (slots.length === 0) {
    ctx.convo.menu = null;
    return { text: m.noRescheduleSlots(appt.physicianName), failed: false };
  }
  const state: MenuState = { step: 'reschedule', appointmentId: appt.id, options: slots.map((s) => s.start) };
  ctx.convo.menu = state as Record<string, unknown>;
  const lines = numbered(slots.map((s) => formatWhen(s.start, timeZone, ctx.lang)));
  return { text: m.rescheduleSlots(appt.physicianName, formatWhen(appt.start, timeZone, ctx.lang), lines), failed: false };
}
