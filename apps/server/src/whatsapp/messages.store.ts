import { isDuplicateKeyError, type Database, type InboundMessageDoc, type OutboundMessageDoc } from '@clinic/db';

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

/** The only place that touches `inbound_messages` and `outbound_messages`. */
export function createMessageStore(db: Database, clock: () => Date) {
  const inbound = db.cols.inboundMessages;
  const outbound = db.cols.outboundMessages;

  /** Sets the status unless the message is already at or past it (one conditional update). */
  async function advanceStatus(sid: string, status: string, errorCode: string | null, at: Date) {
    await outbound.updateOne({ _id: sid, status: { $in: statusesBelow(status) } }, { $set: { status, errorCode, updatedAt: at } });
  }

  /** Inserts the whole document; false when one with this MessageSid exists already (then the caller updates it). */
  async function insertNew(doc: OutboundMessageDoc): Promise<boolean> {
    try {
      await outbound.insertOne(doc);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  return {
    /** The claim: false when this MessageSid was taken before (Twilio retried or replayed it). */
    async claimInbound(doc: Pick<InboundMessageDoc, '_id' | 'from' | 'profileName' | 'body' | 'numMedia' | 'receivedAt'>): Promise<boolean> {
      try {
        await inbound.insertOne({ ...doc, channel: 'whatsapp', status: 'received', replySids: [], flaggedForStaff: false, processedAt: null });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },

    async finishInbound(sid: string, outcome: { status: 'answered' | 'failed'; replySids: string[]; flaggedForStaff: boolean }) {
      await inbound.updateOne({ _id: sid }, { $set: { ...outcome, processedAt: clock() } });
    },

    /** When this number last wrote to us (WhatsApp's 24-hour customer-service window starts there). */
    async lastInboundAt(phone: string): Promise<Date | null> {
      const last = await inbound.find({ from: phone }, { projection: { receivedAt: 1 } }).sort({ receivedAt: -1 }).limit(1).next();
      return last?.receivedAt ?? null;
    },

    async recordOutbound(m: OutboundRecord) {
      const now = clock();
      const { sid, status, ...fields } = m;
      if (await insertNew({ _id: sid, ...fields, status, statuses: [status], errorCode: null, createdAt: now, updatedAt: now })) return;
      // A status callback got here first: fill in what it could not know; the status only moves forward.
      await outbound.updateOne({ _id: sid }, { $set: fields, $addToSet: { statuses: status } });
      await advanceStatus(sid, status, null, now);
    },

    /** A delivery status callback; replays and out-of-order callbacks are harmless. */
    async recordStatus(sid: string, status: string, errorCode: string | null) {
      const now = clock();
      const first = { _id: sid, channel: null, to: null, purpose: null, mode: null, contentSid: null, inReplyTo: null, status, statuses: [status], errorCode, createdAt: now, updatedAt: now };
      if (await insertNew(first)) return;
      await outbound.updateOne({ _id: sid }, { $addToSet: { statuses: status } });
      await advanceStatus(sid, status, errorCode, now);
    },

    findOutbound: (sid: string): Promise<OutboundMessageDoc | null> => outbound.findOne({ _id: sid }),
  };
}
export type MessageStore = ReturnType<typeof createMessageStore>;
