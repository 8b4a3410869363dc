import { insertUnique, type Collections, type NotificationDoc, type NotificationStatus } from '@clinic/db';

export function createNotificationsRepository(cols: Pick<Collections, 'notifications'>) {
  const col = cols.notifications;
  return {
    /** The unique `_id` makes this the claim: false when another process already has this message. */
    async claim(doc: Omit<NotificationDoc, 'status' | 'updatedAt'>): Promise<boolean> {
      return (await insertUnique(col, { ...doc, status: 'sending', updatedAt: doc.createdAt })).won;
    },
    finish: (key: string, status: NotificationStatus, at: Date) => col.updateOne({ _id: key }, { $set: { status, updatedAt: at } }),
    /** A failed send gives the claim back so a later sweep may try again. */
    release: (key: string) => col.deleteOne({ _id: key, status: 'sending' }),
  };
}
