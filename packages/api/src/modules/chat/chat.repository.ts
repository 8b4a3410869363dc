import { ObjectId, insertUnique, type ChatMessageDoc, type ChatThreadDoc, type Collections, type Filter } from '@clinic/db';

/** The messages of a thread up to and including `upTo`, in the order history uses (time, then id). */
const upToFilter = (upTo: Pick<ChatMessageDoc, '_id' | 'sentAt'>): Filter<ChatMessageDoc> => ({
  $or: [{ sentAt: { $lt: upTo.sentAt } }, { sentAt: upTo.sentAt, _id: { $lte: upTo._id } }],
});

export function createChatRepository(cols: Pick<Collections, 'chatThreads' | 'chatMessages'>) {
  const threads = cols.chatThreads;
  const messages = cols.chatMessages;
  return {
    threadById: (id: ObjectId) => threads.findOne({ _id: id }),

    /** The pair's thread, created if missing; of two concurrent openings the unique index keeps one. */
    async openThread(doc: ChatThreadDoc): Promise<ChatThreadDoc> {
      const pair = { clinicId: doc.clinicId, patientId: doc.patientId, physicianId: doc.physicianId };
      const existing = await threads.findOne(pair);
      if (existing) return existing;
      if ((await insertUnique(threads, doc)).won) return doc;
      const winner = await threads.findOne(pair);
      if (!winner) throw new Error('chat thread refused by its unique index but not found');
      return winner;
    },

    threadsOfPatient: (patientId: ObjectId, limit: number) => threads.find({ patientId }).sort({ lastActivityAt: -1, _id: -1 }).limit(limit).toArray(),
    threadsOfPhysician: (clinicId: ObjectId, physicianId: ObjectId, limit: number) =>
      threads.find({ clinicId, physicianId }).sort({ lastActivityAt: -1, _id: -1 }).limit(limit).toArray(),

    /** Unread messages to `recipientId` per thread, in one query. */
    async unreadCounts(recipientId: ObjectId, threadIds: ObjectId[]): Promise<Map<string, number>> {
      if (threadIds.length === 0) return new Map();
      const rows = await messages
        .aggregate<{ _id: ObjectId; n: number }>([{ $match: { recipientId, readAt: null, threadId: { $in: threadIds } } }, { $group: { _id: '$threadId', n: { $sum: 1 } } }])
        .toArray();
      return new Map(rows.map((r) => [r._id.toHexString(), r.n]));
    },

    /** The insert is the claim of (threadId, clientMessageId): a retry gets the message stored first. */
    async insertMessage(doc: ChatMessageDoc): Promise<{ created: boolean; message: ChatMessageDoc }> {
      if ((await insertUnique(messages, doc)).won) return { created: true, message: doc };
      const first = await messages.findOne({ threadId: doc.threadId, clientMessageId: doc.clientMessageId });
      if (!first) throw new Error('chat message refused by its unique index but not found');
      return { created: false, message: first };
    },

    /** Moves the thread's "last message" forward only: an older message finishing late does not replace a newer one. */
    async touchThread(thread: ObjectId, last: NonNullable<ChatThreadDoc['lastMessage']>) {
      await threads.updateOne({ _id: thread, lastActivityAt: { $lte: last.sentAt } }, { $set: { lastMessage: last, lastActivityAt: last.sentAt } });
    },

    messageById: (threadId: ObjectId, id: ObjectId) => messages.findOne({ threadId, _id: id }),

    /** Newest first, older than `before` when given. */
    history(threadId: ObjectId, before: Pick<ChatMessageDoc, '_id' | 'sentAt'> | null, limit: number) {
      const filter: Filter<ChatMessageDoc> = before
        ? { threadId, $or: [{ sentAt: { $lt: before.sentAt } }, { sentAt: before.sentAt, _id: { $lt: before._id } }] }
        : { threadId };
      return messages.find(filter).sort({ sentAt: -1, _id: -1 }).limit(limit).toArray();
    },

    /** Marks the messages to `recipientId` up to `upTo` delivered; returns how many were not yet. */
    async markDelivered(threadId: ObjectId, recipientId: ObjectId, upTo: Pick<ChatMessageDoc, '_id' | 'sentAt'>, at: Date): Promise<number> {
      const res = await messages.updateMany({ threadId, recipientId, deliveredAt: null, ...upToFilter(upTo) }, { $set: { deliveredAt: at } });
      return res.modifiedCount;
    },

    /** Marks them read (and delivered, where they were not), and no longer due for an offline notification. */
    async markRead(threadId: ObjectId, recipientId: ObjectId, upTo: Pick<ChatMessageDoc, '_id' | 'sentAt'>, at: Date): Promise<number> {
      await messages.updateMany({ threadId, recipientId, deliveredAt: null, ...upToFilter(upTo) }, { $set: { deliveredAt: at } });
      const res = await messages.updateMany({ threadId, recipientId, readAt: null, ...upToFilter(upTo) }, { $set: { readAt: at, notifyAt: null } });
      return res.modifiedCount;
    },

    /** The latest message to `recipientId` in the thread (what a history read delivers up to). */
    latestTo: (threadId: ObjectId, recipientId: ObjectId) => messages.find({ threadId, recipientId }).sort({ sentAt: -1, _id: -1 }).limit(1).next(),

    /** Unread messages whose notification time has come, oldest first. */
    dueForNotice: (now: Date, limit: number) =>
      messages.find({ notifyAt: { $lte: now } }, { projection: { _id: 1, threadId: 1, recipientId: 1 } }).sort({ notifyAt: 1 }).limit(limit).toArray(),

    /** The thread's messages to `recipientId` that were due by `now` are dealt with (notified, or within the quiet time). */
    settleNotices: (threadId: ObjectId, recipientId: ObjectId | null, now: Date) =>
      messages.updateMany({ threadId, recipientId, notifyAt: { $lte: now } }, { $set: { notifyAt: null } }),

    /** Their notice waits for `until` (the thread's quiet time ends). */
    postponeNotices: (threadId: ObjectId, recipientId: ObjectId, now: Date, until: Date) =>
      messages.updateMany({ threadId, recipientId, notifyAt: { $lte: now } }, { $set: { notifyAt: until } }),
  };
}
export type ChatRepository = ReturnType<typeof createChatRepository>;

export const isId = (id: string) => ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id);
