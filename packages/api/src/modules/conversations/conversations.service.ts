import { maskEmiratesIds, type FlaggedConversations } from '@clinic/contracts';
import type { ClinicDoc } from '@clinic/db';
import { toZonedIso } from '@clinic/scheduling';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { createConversationsRepository, type Conversation, type ConversationMessage, type InboundOutcome, type OutboundRecord } from './conversations.repository.ts';

/** Recent user turns kept per conversation (with the assistant and tool messages that followed each). */
export const MAX_USER_TURNS = 20;
/** A stored tool result longer than this is cut (the model saw it whole in its own turn). */
const MAX_STORED_TOOL_CHARS = 4_000;
/** The staff inbox shows this many conversations, oldest hand-over first. */
const FLAGGED_LIMIT = 50;

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
}

/** WhatsApp conversations: the assistant's memory per number, the message log and the staff hand-back. */
export function createConversationsService(deps: ApiDeps, clinic: ClinicService) {
  const repo = createConversationsRepository(deps.db.cols);

  function fresh(phone: string, via: string | null, userId: string, language: Conversation['language'], now: Date): Conversation {
    return { phone, via, userId, language, messages: [], pending: null, menu: null, flagged: null, failures: 0, lastInboundAt: null, sessionStartedAt: now, createdAt: now, updatedAt: now };
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
      if (now.getTime() - convo.updatedAt.getTime() > timeoutMs) {
        return { convo: { ...convo, userId, messages: [], pending: null, menu: null, failures: 0, sessionStartedAt: now }, fresh: true };
      }
      return { convo: { ...convo, userId }, fresh: false };
    },

    /** Stores the conversation with its recent turns only (long tool results cut). */
    async save(convo: Conversation, now: Date): Promise<void> {
      const messages = trimMessages(convo.messages).map((m) =>
        m.role === 'tool' && m.content.length > MAX_STORED_TOOL_CHARS ? { ...m, content: `${m.content.slice(0, MAX_STORED_TOOL_CHARS)}…` } : m,
      );
      await repo.save({ ...convo, messages, updatedAt: now });
    },

    /** Conversations with the staff member's clinic's numbers waiting for staff, oldest first; times on its clock. */
    async flagged(clinicId: string | null): Promise<FlaggedConversations> {
      const { own, vias } = await answering(clinicId);
      if (vias.length === 0) return { items: [] };
      const items = await repo.flagged(vias, FLAGGED_LIMIT);
      return { items: items.map((c) => ({ ...c, flaggedAt: toZonedIso(c.flaggedAt, own.timeZone) })) };
    },

    /** Staff are done: the assistant answers this number again, starting a fresh session. Another clinic's: not found. */
    async release(phone: string, clinicId: string | null): Promise<{ released: true }> {
      const now = deps.clock();
      let released = false;
      for (const via of (await answering(clinicId)).vias) released = (await repo.release(phone, via, now)) || released;
      if (!released) throw new AppError('NOT_FOUND', 'No conversation with this number is waiting for staff.');
      return { released: true };
    },
  };
}
export type ConversationsService = ReturnType<typeof createConversationsService>;
