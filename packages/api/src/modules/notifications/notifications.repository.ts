import { insertManyUnique, insertUnique, type Collections, type NotificationAttemptDoc, type NotificationDoc, type NotificationStatus, type ObjectId, type UserNotificationDoc } from '@clinic/db';
import type { InAppNotification } from '@clinic/contracts';

type Try = NonNullable<NotificationDoc['tries']>[number];

export function createNotificationsRepository(cols: Pick<Collections, 'notifications' | 'notificationAttempts'>) {
  const col = cols.notifications;
  return {
    /** Stores an entry (with its message, before any send): false when its key is stored already (the claim). */
    store: async (doc: NotificationDoc) => (await insertUnique(col, doc)).won,
    byKey: (key: string) => col.findOne({ _id: key }),
    /** Queued entries whose next attempt is due, the longest waiting first. */
    due: (now: Date, limit: number) => col.find({ status: 'queued', nextAttemptAt: { $lte: now } }).sort({ nextAttemptAt: 1 }).limit(limit).toArray(),
    /** The claim of attempt `n`: false when another process has it. */
    claimAttempt: async (doc: NotificationAttemptDoc) => (await insertUnique(cols.notificationAttempts, doc)).won,
    attempt: (id: string) => cols.notificationAttempts.findOne({ _id: id }),
    /**
     * Deletes up to `limit` attempt claims started before `before`; the number deleted. Two round trips: the ids (no
     * index on `startedAt`: MongoDB scans until it has `limit`, FerretDB reads the collection and filters in Go), then
     * `_id $in` of that batch.
     */
    async pruneAttempts(before: Date, limit: number): Promise<number> {
      const old = await cols.notificationAttempts.find({ startedAt: { $lt: before } }, { projection: { _id: 1 } }).limit(limit).toArray();
      if (old.length === 0) return 0;
      return (await cols.notificationAttempts.deleteMany({ _id: { $in: old.map((a) => a._id) } })).deletedCount;
    },
    /** Records attempt `n`'s outcome; only the holder of that attempt's claim writes it, so the guard is a safeguard. */
    advance: async (key: string, n: number, set: Partial<NotificationDoc>, tried: Try | null) =>
      (await col.updateOne({ _id: key, status: 'queued', attempts: n }, { $set: set, ...(tried ? { $push: { tries: tried } } : {}) })).modifiedCount === 1,
    /** A claim left without its message (stored by a version that claimed before building it, its process stopped in between). */
    releaseAbandoned: (key: string, createdAt: Date) => col.deleteOne({ _id: key, status: 'sending', createdAt }),
    /** A clinic's entries in this state, newest first, after `after` (the last of the previous page). */
    ofClinic: (clinicId: ObjectId, status: NotificationStatus, after: { createdAt: Date; key: string } | null, limit: number) =>
      col
        .find({
          clinicId,
          status,
          ...(after ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.key } }] } : {}),
        })
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit)
        .toArray(),
    inClinic: (key: string, clinicId: ObjectId) => col.findOne({ _id: key, clinicId }),
    /**
     * A failed entry of this clinic back in the queue, due now, from its first channel, its deadline counted from now;
     * null when it is not (another clinic's, unknown, or not failed).
     */
    requeue: (key: string, clinicId: ObjectId, now: Date) =>
      col.findOneAndUpdate(
        { _id: key, clinicId, status: 'failed' },
        { $set: { status: 'queued', channel: 0, channelFailures: 0, round: 0, roundFailed: false, nextAttemptAt: now, retriedAt: now, updatedAt: now } },
        { returnDocument: 'after' },
      ),
  };
}
export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;

export const toInAppDto = (d: UserNotificationDoc): InAppNotification => ({
  id: d._id.toHexString(),
  kind: d.kind,
  title: d.title,
  body: d.body,
  clinicId: d.clinicId?.toHexString() ?? null,
  data: d.data,
  createdAt: d.createdAt,
  readAt: d.readAt ?? null,
});

/** The in-app notification centre: every query names the user, so one user never reaches another's. */
export function createInAppRepository(cols: Pick<Collections, 'userNotifications'>) {
  const col = cols.userNotifications;
  return {
    /** Per document, in one insert: false where its key was stored before (a retried or raced send). */
    insertMany: (docs: UserNotificationDoc[]) => insertManyUnique(col, docs),
    /** Newest first; `before` is the last id of the previous page. */
    page: (userId: ObjectId, before: ObjectId | null, limit: number) =>
      col
        .find({ userId, hidden: { $ne: true }, ...(before ? { _id: { $lt: before } } : {}) })
        .sort({ _id: -1 })
        .limit(limit)
        .toArray(),
    unread: (userId: ObjectId) => col.countDocuments({ userId, readAt: null }),
    /** The user's notification, read (marking it again changes nothing); null when it is not theirs. */
    async markRead(userId: ObjectId, id: ObjectId, now: Date): Promise<{ doc: UserNotificationDoc; changed: boolean } | null> {
      const changed = await col.findOneAndUpdate({ _id: id, userId, readAt: null }, { $set: { readAt: now } }, { returnDocument: 'after' });
      if (changed) return { doc: changed, changed: true };
      const doc = await col.findOne({ _id: id, userId, hidden: { $ne: true } });
      return doc ? { doc, changed: false } : null;
    },
    markAllRead: async (userId: ObjectId, now: Date) => (await col.updateMany({ userId, readAt: null }, { $set: { readAt: now } })).modifiedCount,
  };
}
