import type { PendingAction } from '@clinic/api';
import type { Appointment } from '@clinic/contracts';
import { addLocalDays, localDateOf, localDayRange } from '@clinic/scheduling';
import { attempt, failureText, physicianHere, proposeBooking, proposeCancel, proposeReschedule, type TurnContext } from './actions.ts';
import { formatMoney, formatTime, formatWhen } from './format.ts';
import { asksForMore, detectIntent, matchSpecialty, nameMatches, nameQuery, parseDay } from './intents.ts';
import { msg } from './messages.ts';
import { foldForMatching } from './text.ts';
import { offered } from './tools.ts';
import { extractEmiratesId } from '@clinic/contracts';
import { NO_EMIRATES_ID } from './actions.ts';
import { bookedPhysicianIn, physicianNameIn } from './format.ts';

/**
 * The assistant without a language model: a numbered menu over the same procedures.
 * 1 find a physician (specialty → physician → slot → yes → booked, with a payment link when needed),
 * 2 my bookings (→ one booking → cancel or reschedule, each with a yes), 3 insurance check (Emirates ID), 0 / "menu" back.
 * Typed words work from anywhere (intents.ts): "cardiology" / "طبيب قلب" opens that specialty's physicians, a physician's
 * name their free times, "my bookings", "cancel", "reschedule", "insurance" their step. Lists longer than a page
 * (PAGE items) continue with "more" / "المزيد"; numbers run on across pages, so a number always means one item.
 */
type MenuState =
  | { step: 'main' }
  | { step: 'specialty'; options: { slug: string; name: string }[]; page?: number }
  | { step: 'physician'; specialty: string; options: { id: string; name: string; line?: string }[]; page?: number }
  | { step: 'slot'; physicianId: string; physicianName: string; options: string[]; page?: number; day?: string; appointmentId?: string; from?: string }
  | { step: 'bookings'; options: string[]; lines?: string[]; page?: number; then?: 'choose' | 'cancel' | 'reschedule' }
  | { step: 'booking'; appointmentId: string }
  | { step: 'reschedule'; appointmentId: string; options: string[] }
  | { step: 'insurance' };

/** One page of a list: WhatsApp shows short lists best, and one digit picks from the first page. */
const PAGE = 9;
const SLOT_SEARCH_DAYS = 7;
/** Physicians fetched for one list (the procedure's largest page). */
const MAX_PHYSICIANS = 50;
const MENU_WORDS = new Set(['0', 'menu', 'main menu', 'start', 'hi', 'hello', 'hey', 'back', 'قائمه', 'القائمه', 'مرحبا', 'اهلا', 'السلام عليكم', 'رجوع', 'ابدا'].map(foldForMatching));

/** The menu's position when the main menu is on screen (so a number sent next is a pick from it). */
export const MAIN_MENU: MenuState = { step: 'main' };

export interface MenuReply {
  text: string;
  /** The input was not understood (counts towards the hand-over to staff). */
  failed: boolean;
}

type SetState = (s: MenuState | null) => void;

/** Items `page`·PAGE … as "n. item" with their numbers in the whole list, and "reply more" when more follow. */
function pageLines(ctx: TurnContext, items: string[], page: number): string[] {
  const start = page * PAGE;
  const lines = items.slice(start, start + PAGE).map((s, i) => `${start + i + 1}. ${s}`);
  if (items.length > start + PAGE) lines.push(msg(ctx.lang).moreHint(items.length - start - PAGE));
  return lines;
}

function pick(text: string, count: number): number | null {
  const m = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= count ? n - 1 : null;
}
const isNumber = (text: string) => /^\s*\d{1,3}\s*[.)]?\s*$/.test(text);

export async function handleMenu(ctx: TurnContext, text: string, fresh: boolean, name: string | null): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const state = ctx.convo.menu as MenuState | null;
  const folded = foldForMatching(text.replace(/[!.?؟]+$/u, '').trim());
  const setState: SetState = (s) => void (ctx.convo.menu = s as Record<string, unknown> | null);
  const welcome = () => m.welcome(name, ctx.home ? (ctx.lang === 'ar' ? ctx.home.nameAr : ctx.home.name) : null);

  if (MENU_WORDS.has(folded)) {
    setState(MAIN_MENU);
    return { text: fresh ? `${welcome()}\n${m.menu}\n${m.typeHint}` : m.menu, failed: false };
  }
  if (fresh && !state) {
    // A first message that already says what it wants ("a cardiologist please") gets it, after the greeting.
    const routed = isNumber(folded) ? null : await routeTyped(ctx, text, setState);
    if (routed) return { text: `${welcome()}\n${routed.text}`, failed: false };
    setState(MAIN_MENU);
    return { text: `${welcome()}\n${m.menu}\n${m.typeHint}`, failed: false };
  }

  const picked = await pickFromState(ctx, state ?? MAIN_MENU, text, folded, setState);
  if (picked) return picked;
  const routed = isNumber(folded) ? null : await routeTyped(ctx, text, setState);
  if (routed) return routed;
  return { text: notUnderstood(ctx, state ?? MAIN_MENU), failed: true };
}

/** What the list on screen asks for, when the message answers it (a number, "more", a day); null otherwise. */
async function pickFromState(ctx: TurnContext, state: MenuState, text: string, folded: string, setState: SetState): Promise<MenuReply | null> {
  const m = msg(ctx.lang);
  const more = asksForMore(text);
  switch (state.step) {
    case 'main':
      switch (folded) {
        case '1':
          return showSpecialties(ctx, setState);
        case '2':
          return showBookings(ctx, setState, 'choose');
        case '3':
          setState({ step: 'insurance' });
          return { text: m.askEmiratesId, failed: false };
        default:
          return null;
      }
    case 'specialty': {
      if (more) return showSpecialtyPage(ctx, state, (state.page ?? 0) + 1, setState);
      const i = pick(folded, state.options.length);
      return i === null ? null : showPhysicians(ctx, state.options[i]!, setState);
    }
    case 'physician': {
      if (more) return showPhysicianPage(ctx, state, (state.page ?? 0) + 1, setState);
      const i = pick(folded, state.options.length);
      if (i === null) return null;
      const p = state.options[i]!;
      return showSlots(ctx, { physicianId: p.id, physicianName: p.name }, null, setState);
    }
    case 'slot': {
      const target = { physicianId: state.physicianId, physicianName: state.physicianName, ...(state.appointmentId ? { appointmentId: state.appointmentId, from: state.from! } : {}) };
      // Another day ("tomorrow", "Thursday", "2026-12-03"), with a time: that slot's question when it is free.
      const when = await typedWhen(ctx, text);
      if (when.day) return showSlots(ctx, target, when.day, setState, undefined, when.time);
      if (more) {
        const next = (state.page ?? 0) + 1;
        if (next * PAGE < state.options.length) return showSlotPage(ctx, { ...state, page: next }, setState);
        // The day's list is done: "more" goes on to the next day with free times.
        return showSlots(ctx, target, null, setState, state.day ? addLocalDays(state.day, 1) : undefined);
      }
      const i = pick(folded, state.options.length);
      return i === null ? null : proposeSlot(ctx, target, state.options[i]!, setState);
    }
    case 'reschedule': {
      // A list shown before paging existed; kept so a conversation in the middle of it still works.
      const i = pick(folded, state.options.length);
      if (i === null) return null;
      const res = await proposeReschedule(ctx, { id: state.appointmentId, start: state.options[i]! });
      if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
      ctx.convo.pending = res.pending;
      setState(null);
      return { text: res.question, failed: false };
    }
    case 'bookings': {
      if (more) return showBookingsPage(ctx, state, (state.page ?? 0) + 1, setState);
      const i = pick(folded, state.options.length);
      if (i === null) return null;
      return actOnBooking(ctx, state.options[i]!, state.then ?? 'cancel', setState);
    }
    case 'booking': {
      const intent = detectIntent(text);
      if (folded === '1' || intent === 'cancel') return actOnBooking(ctx, state.appointmentId, 'cancel', setState);
      if (folded === '2' || intent === 'reschedule') return actOnBooking(ctx, state.appointmentId, 'reschedule', setState);
      return null;
    }
    case 'insurance': {
      // Words that name another task go there; anything else is read as the ID (and its problem explained).
      if (!/\d/.test(text) && (detectIntent(text) || isNumber(folded))) return null;
      // The number among the patient's words ("رقمي ٧٨٤-…", "my id is 784…"); none at all: say what is asked for.
      const id = extractEmiratesId(text);
      const res = id === null ? NO_EMIRATES_ID : await attempt(() => ctx.caller.insurance.check({ emiratesId: id }));
      if (!res.ok) return { text: failureText(ctx.lang, res), failed: res.code === 'INVALID_EMIRATES_ID' };
      setState(null);
      const r = res.value;
      return { text: `${m.insurance(r.status, { insurer: r.insurer, plan: r.plan, copayPercent: r.copayPercent, emiratesId: r.emiratesId })}\n${m.backToMenu}`, failed: false };
    }
    default:
      return null;
  }
}

function notUnderstood(ctx: TurnContext, state: MenuState): string {
  const m = msg(ctx.lang);
  switch (state.step) {
    case 'specialty':
    case 'physician':
    case 'slot':
    case 'reschedule':
    case 'bookings':
      return m.pickNumber(state.options.length);
    case 'booking':
      return m.pickNumber(2);
    case 'insurance':
      return m.askEmiratesId;
    default:
      return `${m.pickNumber(3)}\n${m.menu}\n${m.typeHint}`;
  }
}

/**
 * Typed words, from any step: a task ("my bookings", "إلغاء", "reschedule", "insurance"), a specialty or one of its
 * synonyms, "book", a physician's name. Null when the message names none of them.
 */
async function routeTyped(ctx: TurnContext, text: string, setState: SetState): Promise<MenuReply | null> {
  const m = msg(ctx.lang);
  const intent = detectIntent(text);
  switch (intent) {
    case 'reschedule':
      // "move it to Thursday 11:00": that day's times, or straight to the question when 11:00 is free then.
      return showBookings(ctx, setState, intent, await typedWhen(ctx, text));
    case 'cancel':
      return showBookings(ctx, setState, intent);
    case 'bookings':
      return showBookings(ctx, setState, 'choose');
    case 'insurance':
      setState({ step: 'insurance' });
      return { text: m.askEmiratesId, failed: false };
    default:
  }
  const specialties = offered(ctx, await ctx.caller.specialties.list());
  const specialty = matchSpecialty(text, specialties);
  if (specialty) return showPhysicians(ctx, { slug: specialty.slug, name: ctx.lang === 'ar' ? specialty.nameAr : specialty.name }, setState);
  if (intent === 'book') return showSpecialties(ctx, setState);
  const q = intent === null ? nameQuery(text) : null;
  return q ? findPhysicianByName(ctx, q, setState) : null;
}

async function showSpecialties(ctx: TurnContext, setState: SetState): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const list = offered(ctx, await ctx.caller.specialties.list());
  if (list.length === 0) return { text: m.noSpecialties, failed: false };
  const options = list.map((s) => ({ slug: s.slug, name: ctx.lang === 'ar' ? s.nameAr : s.name }));
  return showSpecialtyPage(ctx, { step: 'specialty', options }, 0, setState);
}

function showSpecialtyPage(ctx: TurnContext, state: Extract<MenuState, { step: 'specialty' }>, page: number, setState: SetState): MenuReply {
  const m = msg(ctx.lang);
  if (page * PAGE >= state.options.length) return { text: `${m.noMore}\n${m.pickNumber(state.options.length)}`, failed: false };
  setState({ ...state, page });
  return { text: m.specialties(pageLines(ctx, state.options.map((o) => o.name), page)), failed: false };
}

type PhysicianItem = Awaited<ReturnType<TurnContext['caller']['physicians']['list']>>['items'][number];

async function physicianLines(ctx: TurnContext, items: PhysicianItem[]): Promise<{ id: string; name: string; line: string }[]> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  // On the shared number physicians of several clinics are listed: each says where it practises.
  const where = (p: PhysicianItem) => (ctx.home ? '' : ` (${ctx.lang === 'ar' ? p.clinic.nameAr : p.clinic.name})`);
  return items.map((p) => ({
    id: p.id,
    name: physicianNameIn(ctx.lang, p),
    line: `${physicianNameIn(ctx.lang, p)}${where(p)} — ${formatMoney(p.price, ctx.lang)} — ${m.nextSlot(p.nextFreeSlot ? formatWhen(p.nextFreeSlot.start, timeZone, ctx.lang) : null)}`,
  }));
}

async function showPhysicians(ctx: TurnContext, specialty: { slug: string; name: string }, setState: SetState): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const page = await ctx.caller.physicians.list({ specialty: specialty.slug, sort: 'next_available', limit: MAX_PHYSICIANS, ...(ctx.home ? { clinic: ctx.home.slug } : {}) });
  if (page.items.length === 0) return { text: m.noPhysicians, failed: false };
  return showPhysicianPage(ctx, { step: 'physician', specialty: specialty.name, options: await physicianLines(ctx, page.items) }, 0, setState);
}

function showPhysicianPage(ctx: TurnContext, state: Extract<MenuState, { step: 'physician' }>, page: number, setState: SetState): MenuReply {
  const m = msg(ctx.lang);
  if (page * PAGE >= state.options.length) return { text: `${m.noMore}\n${m.pickNumber(state.options.length)}`, failed: false };
  setState({ ...state, page });
  return { text: m.physicians(state.specialty, pageLines(ctx, state.options.map((o) => o.line ?? o.name), page)), failed: false };
}

/** Physicians whose name has every typed word as the start of one of its words ("salma", "Dr Haddad", "haddad salma"). */
async function findPhysicianByName(ctx: TurnContext, q: string, setState: SetState): Promise<MenuReply | null> {
  // The procedure's search is one substring: ask for the longest word, then keep the names that have all of them.
  const longest = q.split(/\s+/).sort((a, b) => b.length - a.length)[0]!;
  const res = await attempt(() => ctx.caller.physicians.list({ q: longest, sort: 'next_available', limit: MAX_PHYSICIANS, ...(ctx.home ? { clinic: ctx.home.slug } : {}) }));
  if (!res.ok) return null;
  const found = res.value.items.filter((p) => nameMatches(q, p.fullName) || nameMatches(q, p.fullNameAr));
  if (found.length === 0) return null;
  if (found.length === 1) return showSlots(ctx, { physicianId: found[0]!.id, physicianName: physicianNameIn(ctx.lang, found[0]!) }, null, setState);
  return showPhysicianPage(ctx, { step: 'physician', specialty: q, options: await physicianLines(ctx, found) }, 0, setState);
}

/** A day (and a time, HH:MM) the patient typed with a request, in the clinic's calendar. */
interface TypedWhen {
  day?: string;
  time?: string;
}

async function typedWhen(ctx: TurnContext, text: string): Promise<TypedWhen> {
  const { timeZone } = await ctx.clinic();
  const day = parseDay(text, ctx.now, timeZone);
  const t = /\b([01]?\d|2[0-3])[:.]([0-5]\d)\b/.exec(text);
  return { ...(day ? { day } : {}), ...(day && t ? { time: `${t[1]!.padStart(2, '0')}:${t[2]}` } : {}) };
}

/** Whose times are listed, and for what: a new booking, or moving `appointmentId` (now at `from`). */
interface SlotTarget {
  physicianId: string;
  physicianName: string;
  appointmentId?: string;
  from?: string;
}

/**
 * The physician's free times on `date`; without one, on the first day from `searchFrom` (default today) within
 * SLOT_SEARCH_DAYS that has any. A whole day is listed, paged.
 */
async function showSlots(ctx: TurnContext, target: SlotTarget, date: string | null, setState: SetState, searchFrom?: string, time?: string): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  const first = date ?? searchFrom ?? localDateOf(ctx.now, timeZone);
  const from = localDayRange(first, timeZone).from;
  const to = localDayRange(addLocalDays(first, date ? 0 : SLOT_SEARCH_DAYS - 1), timeZone).to;
  const here = await physicianHere(ctx, target.physicianId);
  if (!here.ok) return { text: failureText(ctx.lang, here), failed: false };
  const res = await attempt(() => ctx.caller.physicians.slots({ id: target.physicianId, from, to }));
  if (!res.ok) return { text: failureText(ctx.lang, res), failed: false };
  const day = res.value.slots.length ? localDateOf(new Date(res.value.slots[0]!.start), timeZone) : first;
  const slots = res.value.slots.filter((s) => localDateOf(new Date(s.start), timeZone) === day);
  const state: Extract<MenuState, { step: 'slot' }> = { step: 'slot', ...target, options: slots.map((s) => s.start), page: 0, day };
  setState(state);
  if (slots.length === 0) return { text: target.appointmentId && !date ? m.noRescheduleSlots(target.physicianName) : m.noSlots(target.physicianName), failed: false };
  // A time the patient named that is free that day: straight to the yes/no question.
  const named = date && time ? slots.find((s) => formatTime(s.start, timeZone) === time) : undefined;
  if (named) return proposeSlot(ctx, target, named.start, setState);
  return showSlotPage(ctx, state, setState);
}

async function showSlotPage(ctx: TurnContext, state: Extract<MenuState, { step: 'slot' }>, setState: SetState): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  setState(state);
  const lines = pageLines(ctx, state.options.map((s) => formatWhen(s, timeZone, ctx.lang)), state.page ?? 0);
  const text = state.appointmentId ? m.rescheduleSlots(state.physicianName, formatWhen(state.from!, timeZone, ctx.lang), lines) : m.slots(state.physicianName, lines);
  return { text, failed: false };
}

/** A picked time: the booking (or the move) is checked and kept for a yes; a time taken meanwhile re-lists that day. */
async function proposeSlot(ctx: TurnContext, target: SlotTarget, start: string, setState: SetState): Promise<MenuReply> {
  const res = target.appointmentId ? await proposeReschedule(ctx, { id: target.appointmentId, start }) : await proposeBooking(ctx, { physicianId: target.physicianId, start });
  if (!res.ok) {
    const again = res.code === 'SLOT_UNAVAILABLE' || res.code === 'SLOT_TAKEN' ? await freshDay(ctx, target, start, setState) : null;
    return { text: again ? `${failureText(ctx.lang, res)}\n${again}` : failureText(ctx.lang, res), failed: false };
  }
  ctx.convo.pending = res.pending;
  setState(null);
  return { text: res.question, failed: false };
}

/** That day's free times as they are now, on screen and in the menu state (so the next number picks one of them). */
async function freshDay(ctx: TurnContext, target: SlotTarget, start: string, setState: SetState): Promise<string> {
  const { timeZone } = await ctx.clinic();
  return (await showSlots(ctx, target, localDateOf(new Date(start), timeZone), setState)).text;
}

/**
 * After a yes that lost its slot to someone else (SLOT_TAKEN / SLOT_UNAVAILABLE), the same day's fresh times, so the
 * patient's next number is a pick from them; null for any other outcome.
 */
export async function reofferSlots(ctx: TurnContext, p: PendingAction, code: string | undefined): Promise<string | null> {
  if (code !== 'SLOT_TAKEN' && code !== 'SLOT_UNAVAILABLE') return null;
  const setState: SetState = (s) => void (ctx.convo.menu = s as Record<string, unknown> | null);
  if (p.kind === 'book') return freshDay(ctx, { physicianId: p.physicianId, physicianName: p.physicianName }, p.start, setState);
  if (p.kind !== 'reschedule') return null;
  const appt = await attempt(() => ctx.caller.appointments.get({ id: p.appointmentId }));
  if (!appt.ok) return null;
  return freshDay(ctx, { physicianId: appt.value.physicianId, physicianName: bookedPhysicianIn(ctx.lang, appt.value), appointmentId: appt.value.id, from: appt.value.start }, p.start, setState);
}

async function upcoming(ctx: TurnContext): Promise<Appointment[]> {
  return (await ctx.caller.appointments.mine({ scope: 'upcoming' })).items.filter((a) => a.status === 'pending_payment' || a.status === 'confirmed');
}

/**
 * The patient's upcoming bookings; a number picked next opens that booking (`choose`: cancel or reschedule it) or goes
 * straight to `cancel` / `reschedule` when the patient typed that. With one booking and a typed task, no list is needed.
 */
async function showBookings(ctx: TurnContext, setState: SetState, then: 'choose' | 'cancel' | 'reschedule', when: TypedWhen = {}): Promise<MenuReply> {
  const m = msg(ctx.lang);
  const { timeZone } = await ctx.clinic();
  const list = await upcoming(ctx);
  if (list.length === 0) {
    setState(MAIN_MENU);
    return { text: m.noBookings, failed: false };
  }
  if (list.length === 1 && then !== 'choose') return actOnBooking(ctx, list[0]!.id, then, setState, when);
  const lines = list.map((a) => `${bookedPhysicianIn(ctx.lang, a)} — ${formatWhen(a.start, timeZone, ctx.lang)}${a.status === 'pending_payment' ? ' (⏳)' : ''}`);
  return showBookingsPage(ctx, { step: 'bookings', options: list.map((a) => a.id), lines, then }, 0, setState);
}

function showBookingsPage(ctx: TurnContext, state: Extract<MenuState, { step: 'bookings' }>, page: number, setState: SetState): MenuReply {
  const m = msg(ctx.lang);
  if (page * PAGE >= state.options.length) return { text: `${m.noMore}\n${m.pickNumber(state.options.length)}`, failed: false };
  setState({ ...state, page });
  const lines = pageLines(ctx, state.lines ?? state.options, page);
  const then = state.then ?? 'choose';
  return { text: then === 'choose' ? m.bookingsManage(lines) : m.bookingsPick(lines, then), failed: false };
}

async function actOnBooking(ctx: TurnContext, id: string, action: 'choose' | 'cancel' | 'reschedule', setState: SetState, when: TypedWhen = {}): Promise<MenuReply> {
  const m = msg(ctx.lang);
  if (action === 'cancel') {
    // A cancel the clinic's policy no longer allows is refused here, with its phone, before any yes is asked for.
    const res = await proposeCancel(ctx, { id });
    setState(null);
    if (!res.ok) return { text: `${failureText(ctx.lang, res)}\n${m.backToMenu}`, failed: false };
    ctx.convo.pending = res.pending;
    return { text: res.question, failed: false };
  }
  const appt = await attempt(() => ctx.caller.appointments.get({ id }));
  if (!appt.ok) return { text: failureText(ctx.lang, appt), failed: false };
  if (action === 'reschedule') return showRescheduleSlots(ctx, appt.value, when);
  const { timeZone } = await ctx.clinic();
  setState({ step: 'booking', appointmentId: id });
  return { text: m.manageBooking(bookedPhysicianIn(ctx.lang, appt.value), formatWhen(appt.value.start, timeZone, ctx.lang)), failed: false };
}

/** The next free times of the appointment's own physician, to move it to; a number picked next proposes the move. */
export async function showRescheduleSlots(ctx: TurnContext, appt: Appointment, when: TypedWhen = {}): Promise<MenuReply> {
  const setState: SetState = (s) => void (ctx.convo.menu = s as Record<string, unknown> | null);
  if (appt.status !== 'pending_payment' && appt.status !== 'confirmed') {
    setState(null);
    return { text: msg(ctx.lang).invalidTransition, failed: false };
  }
  const res = await showSlots(ctx, { physicianId: appt.physicianId, physicianName: bookedPhysicianIn(ctx.lang, appt), appointmentId: appt.id, from: appt.start }, when.day ?? null, setState, undefined, when.time);
  return res;
}
