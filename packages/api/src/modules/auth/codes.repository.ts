import { writeUnique, type Collections, type ObjectId, type OneTimeCodeDoc, type OtpPurpose } from '@clinic/db';

export function createCodesRepository(cols: Pick<Collections, 'oneTimeCodes'>) {
  const idOf = (userId: ObjectId, purpose: OtpPurpose) => `${purpose}:${userId.toHexString()}`;
  return {
    /**
     * Replaces the user's code for this purpose unless the current one is younger than the cooldown.
     * Race-free: inside the cooldown the filter misses, the upsert collides on `_id`, and we report it.
     * Returns the seconds left in the cooldown when it refused.
     */
    async replace(
      userId: ObjectId,
      purpose: OtpPurpose,
      codeHash: string,
      now: Date,
      expiresAt: Date,
      cooldownSeconds: number,
    ): Promise<{ ok: true } | { ok: false; retryAfter: number }> {
      const _id = idOf(userId, purpose);
      const cutoff = new Date(now.getTime() - cooldownSeconds * 1000);
      const doc: Omit<OneTimeCodeDoc, '_id'> = { userId, purpose, codeHash, attempts: 0, expiresAt, consumedAt: null, createdAt: now };
      const replaced = await writeUnique(() => cols.oneTimeCodes.replaceOne({ _id, createdAt: { $lte: cutoff } }, doc, { upsert: true }));
      if (replaced.won) return { ok: true };
      const current = await cols.oneTimeCodes.findOne({ _id });
      const left = current ? Math.ceil((current.createdAt.getTime() + cooldownSeconds * 1000 - now.getTime()) / 1000) : 1;
      return { ok: false, retryAfter: Math.max(1, left) };
    },
    /** Counts one try before the code is compared, so parallel guesses cannot exceed the budget. */
    countAttempt(userId: ObjectId, purpose: OtpPurpose) {
      return cols.oneTimeCodes.findOneAndUpdate(
        { _id: idOf(userId, purpose), consumedAt: null },
        { $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      );
    },
    async consume(userId: ObjectId, purpose: OtpPurpose, codeHash: string, now: Date): Promise<boolean> {
      const res = await cols.oneTimeCodes.updateOne(
        { _id: idOf(userId, purpose), consumedAt: null, codeHash },
        { $set: { consumedAt: now } },
      );
      return res.modifiedCount === 1;
    },
  };
}
export type CodesRepository = ReturnType<typeof createCodesRepository>;
