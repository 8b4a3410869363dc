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
     * When this number last wrote to us (WhatsApp's 24-hour customer-service window starts there): the
     * conversation's last inbound time, or the last message stored when the assistant never got to record it.
     */
    async lastInboundAt(phone: string): Promise<Date | null> {
      const [conversation, received] = await Promise.all([repo.lastConversationInboundAt(phone), repo.lastReceivedAt(phone)]);
      if (!conversation || !received) return conversation ?? received;
      return conversation > received ? conversation : received;
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

  function fresh(phone: string, userId: string, language: Conversation['language'], now: Date): Conversation {
    return { phone, userId, language, messages: [], pending: null, menu: null, flagged: null, failures: 0, lastInboundAt: null, sessionStartedAt: now, createdAt: now, updatedAt: now };
  }

  /**
   * The clinic whose staff answer the shared WhatsApp number's hand-overs: until clinics have senders of their own,
   * the number speaks for the platform's first clinic, so only its staff see the people who wrote to it. Null for
   * any other clinic's staff.
   */
  async function answeringClinic(clinicId: string | null): Promise<ClinicDoc | null> {
    const [own, first] = [await clinic.ofActor(clinicId), await clinic.current()];
    return own._id.equals(first._id) ? own : null;
  }

  return {
    ...createMessageLog(deps),

    /**
     * The sender's conversation, acting as `userId`. After `timeoutMs` without activity the session starts
     * fresh: no messages, no pending confirmation, no menu position. A staff hand-over survives (only release ends it).
     */
    async load(phone: string, userId: string, language: Conversation['language'], now: Date, timeoutMs: number): Promise<{ convo: Conversation; fresh: boolean }> {
      const convo = await repo.find(phone);
      if (!convo) return { convo: fresh(phone, userId, language, now), fresh: true };
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

    /** Conversations waiting for staff, oldest first; times on the clinic's clock. Other clinics' staff: none. */
    async flagged(clinicId: string | null): Promise<FlaggedConversations> {
      const answering = await answeringClinic(clinicId);
      if (!answering) return { items: [] };
      const items = await repo.flagged(FLAGGED_LIMIT);
      return { items: items.map((c) => ({ ...c, flaggedAt: toZonedIso(c.flaggedAt, answering.timeZone) })) };
    },

    /** Staff are done: the assistant answers this number again, starting a fresh session. */
    async release(phone: string, clinicId: string | null): Promise<{ released: true }> {
      const released = (await answeringClinic(clinicId)) !== null && (await repo.release(phone, deps.clock()));
      if (!released) throw new AppError('NOT_FOUND', 'No conversation with this number is waiting for staff.');
      return { released: true };
    },
  };
}
export type ConversationsService = ReturnType<typeof createConversationsService>;
