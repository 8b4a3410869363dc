import type { WhatsAppLink } from '@clinic/contracts';
import { ObjectId, type Collections, type WhatsAppLinkDoc } from '@clinic/db';

export const notLinked = (): WhatsAppLink => ({ linked: false, phone: null, linkedAt: null });

/** The only place that touches `whatsapp_links` and `whatsapp_link_codes`. */
export function createWhatsAppRepository(cols: Pick<Collections, 'whatsappLinks' | 'whatsappLinkCodes'>) {
  return {
    linkOf: (phone: string) => cols.whatsappLinks.findOne({ _id: phone }),
    /** The WhatsApp number linked to an account, for channels choosing where to reach a patient. */
    async linkedNumberOf(userId: string): Promise<string | null> {
      if (!ObjectId.isValid(userId)) return null;
      return (await cols.whatsappLinks.findOne({ userId: new ObjectId(userId) }, { projection: { _id: 1 } }))?._id ?? null;
    },
    /** The account's link as the API shows it. */
    async statusOfUser(userId: ObjectId): Promise<WhatsAppLink> {
      const link = await cols.whatsappLinks.findOne({ userId });
      return link ? { linked: true, phone: link._id, linkedAt: link.linkedAt } : notLinked();
    },

    /**
     * The number now acts as this account (the latest proof wins; `_id` = number keeps it one account), not
     * yet merged. An account has one WhatsApp number: any other link of it goes.
     */
    async link(phone: string, userId: ObjectId, now: Date): Promise<WhatsAppLinkDoc> {
      const doc: WhatsAppLinkDoc = { _id: phone, userId, linkedAt: now };
      await cols.whatsappLinks.replaceOne({ _id: phone }, doc, { upsert: true });
      await cols.whatsappLinks.deleteMany({ userId, _id: { $ne: phone } });
      return doc;
    },
    async markMerged(link: WhatsAppLinkDoc, now: Date): Promise<void> {
      await cols.whatsappLinks.updateOne({ _id: link._id, userId: link.userId }, { $set: { mergedAt: now } });
    },
    unlinkUser: (userId: ObjectId) => cols.whatsappLinks.deleteMany({ userId }),

    /** One live code per account: a new one replaces the old. */
    async replaceCode(userId: ObjectId, codeHash: string, now: Date, expiresAt: Date): Promise<void> {
      await cols.whatsappLinkCodes.deleteMany({ userId });
      await cols.whatsappLinkCodes.insertOne({ _id: codeHash, userId, expiresAt, createdAt: now });
    },
    /** The code's account, if the code is live; deleting it is the claim, so it works once. */
    async consumeCode(codeHash: string, now: Date): Promise<ObjectId | null> {
      const doc = await cols.whatsappLinkCodes.findOne({ _id: codeHash, expiresAt: { $gt: now } });
      if (!doc) return null;
      const res = await cols.whatsappLinkCodes.deleteOne({ _id: codeHash });
      return res.deletedCount === 1 ? doc.userId : null;
    },
  };
}
