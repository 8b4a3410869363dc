import { ObjectId, isDuplicateKeyError, type Collections, type DeviceDoc } from '@clinic/db';
import type { Device } from '@clinic/contracts';

export const toDeviceDto = (d: DeviceDoc): Device => ({
  token: d.token,
  platform: d.platform,
  appVersion: d.appVersion,
  osVersion: d.osVersion,
  model: d.model,
  locale: d.locale,
  active: d.active,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export type DeviceFields = Pick<DeviceDoc, 'token' | 'platform' | 'appVersion' | 'osVersion' | 'model' | 'locale'>;

export function createDevicesRepository(cols: Pick<Collections, 'devices' | 'pushTickets'>) {
  return {
    /**
     * The token's device, now the user's and active (a phone that changed hands moves with its token). The unique
     * token decides two registrations racing: the loser's upsert fails on the index, and its second try updates.
     */
    async upsert(userId: ObjectId, fields: DeviceFields, now: Date): Promise<DeviceDoc> {
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = await cols.devices.findOneAndUpdate(
            { token: fields.token },
            { $set: { ...fields, userId, active: true, updatedAt: now }, $setOnInsert: { _id: new ObjectId(), createdAt: now } },
            { upsert: true, returnDocument: 'after' },
          );
          if (doc) return doc;
        } catch (err) {
          if (attempt > 0 || !isDuplicateKeyError(err)) throw err;
        }
      }
    },
    ofUser: (userId: ObjectId) => cols.devices.find({ userId }).sort({ updatedAt: -1 }).limit(100).toArray(),
    activeOf: (userId: ObjectId) => cols.devices.find({ userId, active: true }).limit(20).toArray(),
    async remove(userId: ObjectId, token: string): Promise<boolean> {
      return (await cols.devices.deleteOne({ token, userId })).deletedCount === 1;
    },
    /** Only if not registered again since `before`: a re-registration means the app is back on that phone. */
    async deactivate(token: string, before: Date, now: Date): Promise<void> {
      await cols.devices.updateOne({ token, active: true, updatedAt: { $lte: before } }, { $set: { active: false, updatedAt: now } });
    },
    async keepTickets(tickets: { receiptId: string; token: string }[], now: Date): Promise<void> {
      if (tickets.length > 0) await cols.pushTickets.insertMany(tickets.map((t) => ({ _id: t.receiptId, token: t.token, createdAt: now })));
    },
    oldestTickets: (limit: number) => cols.pushTickets.find({}).sort({ createdAt: 1 }).limit(limit).toArray(),
    async dropTickets(ids: string[]): Promise<void> {
      if (ids.length > 0) await cols.pushTickets.deleteMany({ _id: { $in: ids } });
    },
  };
}
