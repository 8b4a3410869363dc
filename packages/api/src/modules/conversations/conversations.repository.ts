import {
  ObjectId,
  insertUnique,
  isDuplicateKeyError,
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
 * The WhatsApp assistant's memory of one sender (the E.164 number is its identity) on one of our numbers.
 * `messages` and `menu` belong to the current session; `flagged` survives until staff release the conversation.
 */
export interface Conversation {
  phone: string;
  /** The clinic's own WhatsApp number the patient writes to; null: the platform's shared number. */
  via: string | null;
  /** The patient the number acts as (24-hex id). */
  userId: string;
  language: 'en' | 'ar';
  messages: ConversationMessage[];
  pending: PendingAction | null;
  /** The numbered-menu flow's position; its shape belongs to the agent. */
  menu: Record<string, unknown> | null;
  flagged: Flag | null;
  /** While with staff: when the patient was last told a person will answer. */
  staffAckAt: Date | null;
  failures: number;
  lastInboundAt: Date | null;
  sessionStartedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A hand-over to staff; `takenBy`: the staff member answering it (null until one takes it). */
export interface Flag {
  at: Date;
  reason: 'requested' | 'failures';
  takenBy?: { userId: ObjectId; name: string; at: Date } | null;
}

/** An inbound WhatsApp message as first stored (its body already masked by the service). */
export type InboundClaim = Pick<InboundMessageDoc, '_id' | 'from' | 'profileName' | 'body' | 'numMedia' | 'receivedAt'> & { via: string | null };

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
  /** Our sender, E.164. */
  from: string;
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

/**
 * One conversation per (sender, our number). The shared number keeps the sender's number alone as the key, so the
 * conversations stored before clinics had numbers of their own stay where they are.
 */
export const conversationKey = (phone: string, via: string | null) => (via ? `${phone}|${via}` : phone);

const toConversation = ({ _id, userId, phone, via, staffAckAt, ...rest }: ConversationDoc): Conversation => ({
  phone: phone ?? _id,
  via: via ?? null,
  userId: userId.toHexString(),
  staffAckAt: staffAckAt ?? null,
  ...rest,
});
const toDoc = ({ userId, ...rest }: Conversation): ConversationDoc => ({ _id: conversationKey(rest.phone, rest.via), userId: new ObjectId(userId), ...rest });

/** The only place that touches `conversations`, `inbound_messages` and `outbound_messages`. */
export function createConversationsRepository(cols: Pick<Collections, 'conversations' | 'inboundMessages' | 'outboundMessages'>) {
  const { conversations, inboundMessages: inbound, outboundMessages: outbound } = cols;

  /** Sets the status unless the message is already at or past it (one conditional update). */
  async function advanceStatus(sid: string, status: string, errorCode: string | null, at: Date) {
    await outbound.updateOne({ _id: sid, status: { $in: statusesBelow(status) } }, { $set: { status, errorCode, updatedAt: at } });
  }

  return {
    // ── conversations ────────────────────────────────────────────────────────────
    async find(phone: string, via: string | null): Promise<Conversation | null> {
      const doc = await conversations.findOne({ _id: conversationKey(phone, via) });
      return doc && toConversation(doc);
    },
    async save(convo: Conversation): Promise<void> {
      const doc = toDoc(convo);
      await conversations.replaceOne({ _id: doc._id }, doc, { upsert: true });
    },
    /**
     * Replaces the conversation only while it is as it was read (`readAt`: its updatedAt then; a new one: not stored
     * yet). False when something else wrote it meanwhile (staff took, replied to or released it).
     */
    async saveIfUnchanged(convo: Conversation, readAt: Date): Promise<boolean> {
      const doc = toDoc(convo);
      try {
        // No document with this key and time: the upsert's insert meets the stored one's _id (duplicate key).
        await conversations.replaceOne({ _id: doc._id, updatedAt: readAt }, doc, { upsert: true });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    /** The conversation with staff for this number on one of these numbers of ours, the first found in their order. */
    async findFlagged(phone: string, vias: (string | null)[]): Promise<Conversation | null> {
      for (const via of vias) {
        const doc = await conversations.findOne({ _id: conversationKey(phone, via) });
        if (doc?.flagged) return toConversation(doc);
      }
      return null;
    },
    /** Marks who answers it; false when it is not with staff or another staff member has it. */
    async take(phone: string, via: string | null, by: { userId: ObjectId; name: string }, now: Date): Promise<boolean> {
      const res = await conversations.updateOne(
        { _id: conversationKey(phone, via), flagged: { $ne: null }, $or: [{ 'flagged.takenBy': null }, { 'flagged.takenBy.userId': by.userId }] },
        { $set: { 'flagged.takenBy': { ...by, at: now }, updatedAt: now } },
      );
      return res.matchedCount > 0;
    },
    /** Adds a staff reply to the transcript; false unless the conversation is with staff and taken by that member. */
    async addStaffMessage(phone: string, via: string | null, message: ConversationMessage, now: Date): Promise<boolean> {
      const res = await conversations.updateOne(
        { _id: conversationKey(phone, via), 'flagged.takenBy.userId': message.staff!.userId },
        { $push: { messages: message }, $set: { updatedAt: now } },
      );
      return res.matchedCount > 0;
    },
    async lastConversationInboundAt(phone: string, via: string | null): Promise<Date | null> {
      const doc = await conversations.findOne({ _id: conversationKey(phone, via) }, { projection: { lastInboundAt: 1 } });
      return doc?.lastInboundAt ?? null;
    },
    /** Clears the hand-over and the session in one update; false when the conversation was not with staff. */
    async release(phone: string, via: string | null, now: Date): Promise<boolean> {
      const res = await conversations.updateOne(
        { _id: conversationKey(phone, via), flagged: { $ne: null } },
        { $set: { flagged: null, staffAckAt: null, failures: 0, pending: null, menu: null, messages: [], updatedAt: now } },
      );
      return res.modifiedCount > 0;
    },
    /** Conversations with staff on these numbers of ours (null: the shared one), oldest hand-over first. */
    async flagged(vias: (string | null)[], limit: number): Promise<Conversation[]> {
      // `via: null` also matches the conversations stored before the field existed: they are the shared number's.
      const docs = await conversations.find({ via: { $in: vias }, flagged: { $ne: null } }).sort({ 'flagged.at': 1 }).limit(limit).toArray();
      return docs.map(toConversation);
    },

    // ── inbound_messages (Twilio's MessageSid is the `_id`) ─────────────────────────
    /** The claim: false when this MessageSid was taken before (Twilio retried or replayed it). */
    async claimInbound(doc: InboundClaim): Promise<boolean> {
      return (await insertUnique(inbound, { ...doc, channel: 'whatsapp', status: 'received', replySids: [], flaggedForStaff: false, processedAt: null })).won;
    },
    async finishInbound(sid: string, outcome: InboundOutcome, at: Date): Promise<void> {
      await inbound.updateOne({ _id: sid }, { $set: { ...outcome, processedAt: at } });
    },
    /** The last message from `phone` to this number of ours (null: the shared one, with the messages from before `via`); to any of ours with `'any'`. */
    async lastReceivedAt(phone: string, via: string | null | 'any'): Promise<Date | null> {
      const last = await inbound.find({ from: phone, ...(via === 'any' ? {} : { via }) }, { projection: { receivedAt: 1 } }).sort({ receivedAt: -1 }).limit(1).next();
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
      const first: OutboundMessageDoc = { _id: sid, channel: null, to: null, from: null, purpose: null, mode: null, contentSid: null, inReplyTo: null, status, statuses: [status], errorCode, createdAt: now, updatedAt: now };
      if ((await insertUnique(outbound, first)).won) return;
      await outbound.updateOne({ _id: sid }, { $addToSet: { statuses: status } });
      await advanceStatus(sid, status, errorCode, now);
    },
  };
}
export type ConversationsRepository = ReturnType<typeof createConversationsRepository>;
