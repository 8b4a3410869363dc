import {
  maskEmiratesIds,
  type ConversationTranscript,
  type FlaggedConversation,
  type FlaggedConversations,
  type InboxEvent,
  type StaffReply,
  type TranscriptMessage,
} from '@clinic/contracts';
import { ObjectId, type ClinicDoc, type OpeningHours } from '@clinic/db';
import { addLocalDays, localDateOf, toZonedIso, zonedToUtc } from '@clinic/scheduling';
import type { Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { RESYNC_KIND, type EventStore } from '../../events/event-store.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { createConversationsRepository, type Conversation, type ConversationMessage, type Flag, type InboundOutcome, type OutboundRecord } from './conversations.repository.ts';

/** Recent user turns kept per conversation (with the assistant and tool messages that followed each). */
export const MAX_USER_TURNS = 20;
/** A stored tool result longer than this is cut (the model saw it whole in its own turn). */
const MAX_STORED_TOOL_CHARS = 4_000;
/** The staff inbox shows this many conversations, oldest hand-over first. */
const FLAGGED_LIMIT = 50;

/** A clinic's WhatsApp inbox: hand-overs and the messages of conversations with staff. */
export const inboxStream = (clinicId: ObjectId | string) => `clinic:${String(clinicId)}:inbox`;

/** What the patient reads when a staff member takes the conversation, in their language. */
const STAFF_JOINED: Record<Conversation['language'], (name: string, clinic: string) => string> = {
  en: (name, clinic) => `${name} from ${clinic} has joined this chat. You are now talking to a person.`,
  ar: (name, clinic) => `انضم ${name} من ${clinic} إلى هذه المحادثة. أنت الآن تتحدث مع موظف.`,
};

/**
 * Whether the clinic is open at `now` (any of its locations' opening hours, in its zone), and when it opens next
 * (within a week) when it is not. No opening hours at all: always open (nothing says staff are away).
 */
export function staffHours(hours: readonly OpeningHours[], timeZone: string, now: Date): { open: boolean; nextOpen: Date | null } {
  if (hours.length === 0) return { open: true, nextOpen: null };
  const today = localDateOf(now, timeZone);
  let nextOpen: Date | null = null;
  for (let d = -1; d <= 7; d++) {
    const date = addLocalDays(today, d);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    for (const h of hours) {
      if (h.weekday !== weekday) continue;
      const open = zonedToUtc(date, h.open, timeZone);
      const close = zonedToUtc(date, h.close, timeZone);
      if (!open || !close) continue;
      if (open <= now && now < close) return { open: true, nextOpen: null };
      if (open > now && (!nextOpen || open < nextOpen)) nextOpen = open;
    }
  }
  return { open: false, nextOpen };
}

/** Keeps the last MAX_USER_TURNS user turns, always starting at a user message (never mid tool exchange). */
export function trimMessages(messages: ConversationMessage[]): ConversationMessage[] {
  let users = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user' && ++users === MAX_USER_TURNS) return messages.slice(i);
  }
  const firstUser = messages.findIndex((m) => m.role === 'user');
  return firstUser <= 0 ? messages : messages.slice(firstUser);
}

export interface InboundMessageIn {
  /** Twilio's MessageSid: one message is stored (and answered) once. */
  sid: string;
  /** E.164, from the signed webhook. */
  from: string;
  /** The clinic's own number it was sent to; null: the platform's shared number. */
  via: string | null;
  profileName: string | null;
  /** As received; Emirates ID numbers are masked here. Other secrets (link codes) the caller takes out first. */
  body: string;
  numMedia: number;
  receivedAt: Date;
}

/**
 * The log of WhatsApp/SMS messages in and out (Twilio's MessageSids). It needs only the database and the
 * clock, so the WhatsApp channel (whose notifier the other services send through) can have it first.
 */
export function createMessageLog(deps: Pick<ApiDeps, 'db' | 'clock'>) {
  const repo = createConversationsRepository(deps.db.cols);
  return {
    /** Stores a webhook's message once; false when this MessageSid was taken before (Twilio retried or replayed it). */
    claimInbound: ({ sid, body, ...msg }: InboundMessageIn): Promise<boolean> => repo.claimInbound({ _id: sid, body: maskEmiratesIds(body), ...msg }),

    finishInbound: (sid: string, outcome: InboundOutcome): Promise<void> => repo.finishInbound(sid, outcome, deps.clock()),

    /** A message Twilio accepted; a status callback that came first keeps its (later) status. */
    recordOutbound: (m: OutboundRecord): Promise<void> => repo.recordOutbound(m, deps.clock()),

    /** A delivery status callback; replays and out-of-order callbacks are harmless. */
    recordStatus: (sid: string, status: string, errorCode: string | null): Promise<void> => repo.recordStatus(sid, status, errorCode, deps.clock()),

    /**
     * When this number last wrote to that number of ours (`via`: a clinic's own; null: the shared one). WhatsApp's
     * 24-hour customer-service window starts there, and it is per business number. The conversation's last inbound
     * time, or the last message stored when the assistant never got to record it.
     */
    async lastInboundAt(phone: string, via: string | null): Promise<Date | null> {
      const [conversation, received] = await Promise.all([repo.lastConversationInboundAt(phone, via), repo.lastReceivedAt(phone, via)]);
      if (!conversation || !received) return conversation ?? received;
      return conversation > received ? conversation : received;
    },

    /** Whether this number ever wrote to any of our WhatsApp numbers (so it uses WhatsApp with us). */
    async wroteBefore(phone: string): Promise<boolean> {
      return (await repo.lastReceivedAt(phone, 'any')) !== null;
    },
  };
}
export type MessageLog = ReturnType<typeof createMessageLog>;

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface ConversationsUseCases {
  /** `clinicId`: the staff member's clinic (Actor.clinicId). */
  flagged(clinicId: string | null): Promise<FlaggedConversations>;
  release(phone: string, clinicId: string | null): Promise<{ released: true }>;
  /** The conversation with staff, masked; another clinic's or one not with staff: NOT_FOUND. */
  transcript(phone: string, clinicId: string | null): Promise<ConversationTranscript>;
  /** The staff member answers it from now on; the patient is told a person joined. Taken by another: CONFLICT. */
  take(actor: Actor, phone: string): Promise<ConversationTranscript>;
  /** Sends the taker's reply over WhatsApp and keeps it in the transcript. Not taken by the caller: CONFLICT. */
  reply(actor: Actor, phone: string, text: string): Promise<StaffReply>;
  /** The id of the inbox's latest event ("0": none yet): list the conversations, then follow from here. */
  position(actor: Actor): Promise<{ lastEventId: string }>;
  /** The staff member's clinic's inbox events; refusals are thrown before any event. */
  follow(actor: Actor, input: { lastEventId?: string | null | undefined }, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: InboxEvent }>>;
}

export interface ConversationsHooks {
  /** The inbox streams live here. */
  events: () => EventStore;
  /** A staff member's name, as the patient and colleagues see it. */
  nameOf: (userId: string) => Promise<string>;
}

/** WhatsApp conversations: the assistant's memory per number, the message log and the staff side of a hand-over. */
export function createConversationsService(deps: ApiDeps, clinic: ClinicService, hooks: ConversationsHooks) {
  const repo = createConversationsRepository(deps.db.cols);

  function fresh(phone: string, via: string | null, userId: string, language: Conversation['language'], now: Date): Conversation {
    return { phone, via, userId, language, messages: [], pending: null, menu: null, flagged: null, staffAckAt: null, failures: 0, lastInboundAt: null, sessionStartedAt: now, createdAt: now, updatedAt: now };
  }

  /** The clinic that answers a number of ours: its owner, or for the shared number (or one no clinic has now) the first. */
  async function clinicOfVia(via: string | null): Promise<ClinicDoc> {
    return (via ? await clinic.byWhatsAppNumber(via) : null) ?? clinic.current();
  }

  function listed(c: Conversation & { flagged: Flag }, timeZone: string): FlaggedConversation {
    const taken = c.flagged.takenBy;
    return {
      phone: c.phone,
      userId: c.userId,
      flaggedAt: toZonedIso(c.flagged.at, timeZone),
      reason: c.flagged.reason,
      takenBy: taken ? { userId: taken.userId.toHexString(), name: taken.name, at: toZonedIso(taken.at, timeZone) } : null,
    };
  }

  /** What staff may read of a stored message: no tool traffic, Emirates IDs masked (again: stored masked already). */
  function shown(m: ConversationMessage, timeZone: string): TranscriptMessage | null {
    if (m.role === 'tool' || m.content === '') return null;
    const from = m.role === 'user' ? 'patient' : m.staff ? 'staff' : 'assistant';
    return { from, text: maskEmiratesIds(m.content), at: toZonedIso(m.at, timeZone), staffName: m.staff?.name ?? null };
  }

  function transcriptOf(c: Conversation & { flagged: Flag }, timeZone: string): ConversationTranscript {
    return { ...listed(c, timeZone), language: c.language, messages: c.messages.flatMap((m) => shown(m, timeZone) ?? []) };
  }

  /** Stores an inbox event; the change it reports is stored already, so a failure is logged, never thrown. */
  async function announce(c: Conversation, kind: InboxEvent['kind'], extra: Partial<Pick<InboxEvent, 'conversation' | 'message'>>, home?: ClinicDoc) {
    try {
      const owner = home ?? (await clinicOfVia(c.via));
      const event: Omit<InboxEvent, 'at'> = { kind, phone: c.phone, conversation: extra.conversation ?? null, message: extra.message ?? null };
      await hooks.events().append(inboxStream(owner._id), owner._id, kind, { ...event });
    } catch (err) {
      deps.log?.warn({ err, kind }, 'inbox event not stored');
    }
  }

  /** The staff member's conversation with staff for this number, with the clinic answering it; else NOT_FOUND. */
  async function flaggedFor(phone: string, clinicId: string | null) {
    const { own, vias } = await answering(clinicId);
    const convo = await repo.findFlagged(phone, vias);
    if (!convo?.flagged) throw new AppError('NOT_FOUND', 'No conversation with this number is waiting for staff.');
    return { own, convo: convo as Conversation & { flagged: Flag } };
  }

  /** The patient's conversation as the assistant changed it, with what staff did meanwhile kept (staff's fields win). */
  function merged(mine: Conversation, stored: Conversation, now: Date): Conversation {
    const have = new Set(mine.messages.filter((m) => m.staff).map((m) => `${m.at.getTime()}|${m.content}`));
    const staffMessages = stored.messages.filter((m) => m.staff && !have.has(`${m.at.getTime()}|${m.content}`));
    const messages = staffMessages.length === 0 ? mine.messages : [...mine.messages, ...staffMessages].sort((a, b) => a.at.getTime() - b.at.getTime());
    let flagged = mine.flagged;
    // The same hand-over: staff's view of it (taken by whom). Handed over this turn: the assistant's. Released
    // meanwhile (stored: none, ours from before this turn): released.
    if (mine.flagged && stored.flagged && mine.flagged.at.getTime() === stored.flagged.at.getTime()) flagged = stored.flagged;
    else if (mine.flagged && !stored.flagged && mine.flagged.at.getTime() !== now.getTime()) flagged = null;
    return { ...mine, messages, flagged };
  }

  /**
   * The staff member's clinic and the numbers of ours whose hand-overs it answers: its own WhatsApp number, and for
   * the platform's first clinic also the shared number (null), as before clinics had numbers of their own.
   */
  async function answering(clinicId: string | null): Promise<{ own: ClinicDoc; vias: (string | null)[] }> {
    const [own, first] = [await clinic.ofActor(clinicId), await clinic.current()];
    const vias: (string | null)[] = own.whatsappNumber ? [own.whatsappNumber] : [];
    if (own._id.equals(first._id)) vias.push(null);
    return { own, vias };
  }

  /** The inbox a staff member or admin follows: their clinic's (the router lets no one else in). */
  async function inboxOf(actor: Actor) {
    if (actor.role !== 'staff' && actor.role !== 'admin') throw new AppError('FORBIDDEN', 'Only clinic staff and admins answer WhatsApp conversations.');
    return answering(actor.clinicId);
  }

  /** To the patient, from the number they wrote to: free text inside WhatsApp's 24-hour window, the template outside. */
  async function send(convo: Conversation, text: string, purpose: 'staff_reply' | 'staff_joined', variables: Record<string, string>) {
    if (!deps.whatsappOut) throw new AppError('WHATSAPP_NOT_CONFIGURED', 'WhatsApp is not configured on this server (TWILIO_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM).');
    let sent: Awaited<ReturnType<typeof deps.whatsappOut.send>>;
    try {
      sent = await deps.whatsappOut.send(convo.phone, convo.via, text, { purpose, variables });
    } catch (err) {
      deps.log?.warn({ err, purpose }, 'a staff WhatsApp message was not sent');
      const code = (err as { code?: unknown }).code;
      throw new AppError('WHATSAPP_SEND_FAILED', `WhatsApp did not take the message${typeof code === 'number' ? ` (Twilio error ${code})` : ''}; nothing was sent.`);
    }
    if (!sent) {
      throw new AppError('CONFLICT', "The patient last wrote more than 24 hours ago: WhatsApp then takes only an approved template, and none is configured for staff replies (TWILIO_TEMPLATE_STAFF_REPLY_SID).");
    }
    return sent;
  }

  return {
    ...createMessageLog(deps),

    /**
     * The sender's conversation with that number of ours (`via`: a clinic's own; null: the shared one), acting as
     * `userId`. After `timeoutMs` without activity the session starts fresh: no messages, no pending confirmation,
     * no menu position. A staff hand-over survives (only release ends it).
     */
    async load(phone: string, via: string | null, userId: string, language: Conversation['language'], now: Date, timeoutMs: number): Promise<{ convo: Conversation; fresh: boolean }> {
      const convo = await repo.find(phone, via);
      if (!convo) return { convo: fresh(phone, via, userId, language, now), fresh: true };
      // With staff, the transcript stays whole however long they take to answer.
      if (now.getTime() - convo.updatedAt.getTime() > timeoutMs && !convo.flagged) {
        return { convo: { ...convo, userId, messages: [], pending: null, menu: null, failures: 0, sessionStartedAt: now }, fresh: true };
      }
      return { convo: { ...convo, userId }, fresh: false };
    },

    /**
     * Stores the conversation with its recent turns only (long tool results cut). When staff wrote it since it was
     * loaded (took, replied, released), their changes are kept and `convo` is updated with them.
     */
    async save(convo: Conversation, now: Date): Promise<void> {
      const trimmed = (c: Conversation): Conversation => ({
        ...c,
        messages: trimMessages(c.messages).map((m) => (m.role === 'tool' && m.content.length > MAX_STORED_TOOL_CHARS ? { ...m, content: `${m.content.slice(0, MAX_STORED_TOOL_CHARS)}…` } : m)),
        updatedAt: now,
      });
      if (!(await repo.saveIfUnchanged(trimmed(convo), convo.updatedAt))) {
        const stored = await repo.find(convo.phone, convo.via);
        const next = stored ? merged(convo, stored, now) : convo;
        Object.assign(convo, { messages: next.messages, flagged: next.flagged });
        await repo.save(trimmed(convo));
      }
      convo.updatedAt = now;
    },

    /** After the assistant stored a hand-over: the clinic's inbox hears of it. Never throws. */
    async handedOver(convo: Conversation): Promise<void> {
      if (!convo.flagged) return;
      const home = await clinicOfVia(convo.via).catch(() => null);
      if (home) await announce(convo, 'handover', { conversation: listed(convo as Conversation & { flagged: Flag }, home.timeZone) }, home);
    },

    /** After the assistant stored a patient's message in a conversation with staff: the inbox hears of it. Never throws. */
    async patientWrote(convo: Conversation, text: string, at: Date): Promise<void> {
      const home = await clinicOfVia(convo.via).catch(() => null);
      if (home) await announce(convo, 'message', { message: { from: 'patient', text: maskEmiratesIds(text), at: toZonedIso(at, home.timeZone), staffName: null } }, home);
    },

    /** Whether staff of the clinic answering `via` are at work now, and if not when they will be (its zone). */
    async staffHoursFor(via: string | null, now: Date): Promise<{ open: boolean; nextOpen: Date | null; timeZone: string }> {
      const home = await clinicOfVia(via);
      return { ...staffHours(home.locations.flatMap((l) => l.openingHours ?? []), home.timeZone, now), timeZone: home.timeZone };
    },

    async transcript(phone: string, clinicId: string | null): Promise<ConversationTranscript> {
      const { own, convo } = await flaggedFor(phone, clinicId);
      return transcriptOf(convo, own.timeZone);
    },

    async take(actor: Actor, phone: string): Promise<ConversationTranscript> {
      const { own, convo } = await flaggedFor(phone, actor.clinicId);
      const now = deps.clock();
      const name = await hooks.nameOf(actor.userId);
      const me = new ObjectId(actor.userId);
      const already = convo.flagged.takenBy?.userId.equals(me) ?? false;
      if (!(await repo.take(phone, convo.via, { userId: me, name }, now))) {
        throw new AppError('CONFLICT', `${convo.flagged.takenBy?.name ?? 'Another staff member'} is already answering this conversation.`);
      }
      const taken = { ...convo, flagged: { ...convo.flagged, takenBy: convo.flagged.takenBy && already ? convo.flagged.takenBy : { userId: me, name, at: now } } };
      if (!already) {
        // Said once, by the first take; the patient learns a person reads them now.
        const home = await clinicOfVia(convo.via);
        const clinicName = convo.language === 'ar' ? home.nameAr || home.name : home.name;
        const text = STAFF_JOINED[convo.language](name, clinicName);
        await send(convo, text, 'staff_joined', { clinicName, text }).catch((err: unknown) => deps.log?.warn({ err }, 'the "a person has joined" message was not sent'));
        await announce(convo, 'taken', { conversation: listed(taken, own.timeZone) });
      }
      return transcriptOf(taken, own.timeZone);
    },

    async reply(actor: Actor, phone: string, text: string): Promise<StaffReply> {
      const { own, convo } = await flaggedFor(phone, actor.clinicId);
      const me = new ObjectId(actor.userId);
      if (!convo.flagged.takenBy?.userId.equals(me)) {
        throw new AppError('CONFLICT', convo.flagged.takenBy ? `${convo.flagged.takenBy.name} is answering this conversation.` : 'Take the conversation before replying to it.');
      }
      const home = await clinicOfVia(convo.via);
      const clinicName = convo.language === 'ar' ? home.nameAr || home.name : home.name;
      const sent = await send(convo, text, 'staff_reply', { clinicName, text });
      const now = deps.clock();
      const message: ConversationMessage = { role: 'assistant', content: maskEmiratesIds(text), at: now, staff: { userId: me, name: convo.flagged.takenBy.name } };
      // Sent already: were it released meanwhile, the reply is still the patient's to read, just not in a transcript.
      await repo.addStaffMessage(phone, convo.via, message, now);
      const shownMessage = shown(message, own.timeZone)!;
      await announce(convo, 'message', { message: shownMessage });
      return { message: shownMessage, delivery: { mode: sent.mode, messageSid: sent.sid } };
    },

    async position(actor: Actor): Promise<{ lastEventId: string }> {
      const { own } = await inboxOf(actor);
      return { lastEventId: String(await hooks.events().lastSeq(inboxStream(own._id))) };
    },

    async follow(actor: Actor, input: { lastEventId?: string | null | undefined }, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: InboxEvent }>> {
      const { own } = await inboxOf(actor);
      const events = hooks.events();
      const stream = inboxStream(own._id);
      const clinicId = own._id.toHexString();
      const after = input.lastEventId ? Number(input.lastEventId) : await events.lastSeq(stream);
      return events.follow(stream, after, signal, (e) => {
        if (e.kind === RESYNC_KIND) return { id: String(e.seq), event: { kind: 'resync', phone: null, conversation: null, message: null, at: e.at.toISOString() } };
        // A stream holds one clinic's events; checked again so that a fault elsewhere cannot leak another's.
        if (e.clinicId !== clinicId) return undefined;
        const data = e.data as unknown as Omit<InboxEvent, 'at'>;
        return { id: String(e.seq), event: { ...data, at: toZonedIso(e.at, own.timeZone) } };
      });
    },

    /** Conversations with the staff member's clinic's numbers waiting for staff, oldest first; times on its clock. */
    async flagged(clinicId: string | null): Promise<FlaggedConversations> {
      const { own, vias } = await answering(clinicId);
      if (vias.length === 0) return { items: [] };
      const items = await repo.flagged(vias, FLAGGED_LIMIT);
      return { items: items.flatMap((c) => (c.flagged ? [listed(c as Conversation & { flagged: Flag }, own.timeZone)] : [])) };
    },

    /** Staff are done: the assistant answers this number again, starting a fresh session. Another clinic's: not found. */
    async release(phone: string, clinicId: string | null): Promise<{ released: true }> {
      const now = deps.clock();
      let released: Conversation | null = null;
      for (const via of (await answering(clinicId)).vias) {
        if (await repo.release(phone, via, now)) released ??= await repo.find(phone, via);
      }
      if (!released) throw new AppError('NOT_FOUND', 'No conversation with this number is waiting for staff.');
      await announce(released, 'released', {});
      return { released: true };
    },
  };
}
export type ConversationsService = ReturnType<typeof createConversationsService>;
