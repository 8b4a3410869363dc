import {
  ObjectId,
  insertUnique,
  type Collections,
  type ConversationDoc,
  type ConversationMessage,
  type InboundMessageDoc,
  type OutboundMessageDoc,
  type PendingActionDoc,
} from '@clinic/db';

export type { ConversationMessage };
export type PendingAction = PendingActionDoc;

/**
 * The WhatsApp assistant's memory of one sender (the E.164 number is its identity). `messages` and `menu`
 * belong to the current session; `flagged` survives until staff release the conversation.
 */
export interface Conversation {
  phone: string;
  /** The patient the number acts as (24-hex id). */
  userId: string;
  language: 'en' | 'ar';
  messages: ConversationMessage[];
  pending: PendingAction | null;
  /** The numbered-menu flow's position; its shape belongs to the agent. */
  menu: Record<string, unknown> | null;
  flagged: { at: Date; reason: 'requested' | 'failures' } | null;
  failures: number;
  lastInboundAt: Date | null;
  sessionStartedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** An inbound WhatsApp message as first stored (its body already masked by the service). */
export type InboundClaim = Pick<InboundMessageDoc, '_id' | 'from' | 'profileName' | 'body' | 'numMedia' | 'receivedAt'>;

export interface InboundOutcome {
  status: 'answered' | 'failed';
  replySids: string[];
  flaggedForStaff: boolean;
}

/** What is known of a sent message when Twilio accepted it. */
export interface OutboundRecord {
  sid: string;
  channel: 'whatsapp' | 'sms';
  to: string;
  purpose: string;
  mode: 'text' | 'template';
  contentSid: string | null;
  inReplyTo: string | null;
  /** The status in Twilio's answer to the send (usually `queued`). */
  status: string;
}

/**
 * Twilio's message statuses in the order a message goes through them. A late callback (Twilio does not
 * promise order) never moves a message back: `sent` after `delivered` is noted in `statuses` only.
 */
const STATUS_RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  receiving: 3,
  received: 3,
  delivered: 4,
  read: 5,
  undelivered: 6,
  failed: 6,
  canceled: 6,
};
const rank = (status: string) => STATUS_RANK[status] ?? 0;
const statusesBelow = (status: string) => Object.keys(STATUS_RANK).filter((s) => rank(s) < rank(status));

const toConversation = ({ _id, userId, ...rest }: ConversationDoc): Conversation => ({ phone: _id, userId: userId.toHexString(), ...rest });
const toDoc = ({ phone, userId, ...rest }: Conversation): ConversationDoc => ({ _id: phone, userId: new ObjectId(userId), ...rest });

/** The only place that touches `conversations`, `inbound_messages` and `outbound_messages`. */
export function createConversationsRepository(cols: Pick<Collections, 'conversations' | 'inboundMessages' | 'outboundMessages'>) {
  const { conversations, inboundMessages: inbound, outboundMessages: outbound } = cols;

  /** Sets the status unless the message is already at or past it (one conditional update). */
  async function advanceStatus(sid: string, status: string, errorCode: string | null, at: Date) {
    await outbound.updateOne({ _id: sid, status: { $in: statusesBelow(status) } }, { $set: { status, errorCode, updatedAt: at } });
  }

  return {
    // ── conversations ────────────────────────────────────────────────────────────
    async find(phone: string): Promise<Conversation | null> {
      const doc = await conversations.findOne({ _id: phone });
      return doc && toConversation(doc);
    },
    async save(convo: Conversation): Promise<void> {
      await conversations.replaceOne({ _id: convo.phone }, toDoc(convo), { upsert: true });
    },
    async lastConversationInboundAt(phone: string): Promise<Date | null> {
      const doc = await conversations.findOne({ _id: phone }, { projection: { lastInboundAt: 1 } });
      return doc?.lastInboundAt ?? null;
    },
    /** Clears the hand-over and the session in one update; false when the conversation was not with staff. */
    async release(phone: string, now: Date): Promise<boolean> {
      const res = await conversations.updateOne(
        { _id: phone, flagged: { $ne: null } },
        { $set: { flagged: null, failures: 0, pending: null, menu: null, messages: [], updatedAt: now } },
      );
      return res.modifiedCount > 0;
    },
    /** Conversations with staff, oldest hand-over first. */
    async flagged(limit: number): Promise<{ phone: string; userId: string; flaggedAt: Date; reason: 'requested' | 'failures' }[]> {
      const docs = await conversations.find({ flagged: { $ne: null } }).sort({ 'flagged.at': 1 }).limit(limit).toArray();
      return docs.flatMap((d) => (d.flagged ? [{ phone: d._id, userId: d.userId.toHexString(), flaggedAt: d.flagged.at, reason: d.flagged.reason }] : []));
    },

    // ── inbound_messages (Twilio's MessageSid is the `_id`) ─────────────────────────
    /** The claim: false when this MessageSid was taken before (Twilio retried or replayed it). */
    async claimInbound(doc: InboundClaim): Promise<boolean> {
      return (await insertUnique(inbound, { ...doc, channel: 'whatsapp', status: 'received', replySids: [], flaggedForStaff: false, processedAt: null })).won;
    },
    async finishInbound(sid: string, outcome: InboundOutcome, at: Date): Promise<void> {
      await inbound.updateOne({ _id: sid }, { $set: { ...outcome, processedAt: at } });
    },
    async lastReceivedAt(phone: string): Promise<Date | null> {
      const last = await inbound.find({ from: phone }, { projection: { receivedAt: 1 } }).sort({ receivedAt: -1 }).limit(1).next();
      return last?.receivedAt ?? null;
    },

    // ── outbound_messages ──────────────────────────────────────────────────────────
    async recordOutbound(m: OutboundRecord, now: Date): Promise<void> {
      const { sid, status, ...fields } = m;
      if ((await insertUnique(outbound, { _id: sid, ...fields, status, statuses: [status], errorCode: null, createdAt: now, updatedAt: now })).won) return;
      // A status callback got here first: fill in what it could not know; the status only moves forward.
      await outbound.updateOne({ _id: sid }, { $set: fields, $addToSet: { statuses: status } });
      await advanceStatus(sid, status, null, now);
    },
    async recordStatus(sid: string, status: string, errorCode: string | null, now: Date): Promise<void> {
      const first: OutboundMessageDoc = { _id: sid, channel: null, to: null, purpose: null, mode: null, contentSid: null, inReplyTo: null, status, statuses: [status], errorCode, createdAt: now, updatedAt: now };
      if ((await insertUnique(outbound, first)).won) return;
      await outbound.updateOne({ _id: sid }, { $addToSet: { statuses: status } });
      await advanceStatus(sid, status, errorCode, now);
    },
  };
}
export type ConversationsRepository = ReturnType<typeof createConversationsRepository>;
