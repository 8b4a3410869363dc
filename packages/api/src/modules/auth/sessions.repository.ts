import { ObjectId, type Collections, type SessionDoc } from '@clinic/db';

export function createSessionsRepository(cols: Pick<Collections, 'sessions'>) {
  return {
    async create(userId: ObjectId, tokenHash: string, now: Date, expiresAt: Date, userAgent: string | null): Promise<SessionDoc> {
      const doc: SessionDoc = {
        _id: new ObjectId(),
        userId,
        tokenHash,
        usedTokenHashes: [],
        status: 'active',
        revokedReason: null,
        createdAt: now,
        rotatedAt: now,
        expiresAt,
        userAgent,
      };
      await cols.sessions.insertOne(doc);
      return doc;
    },
    /** Swaps the presented token for a new one in one atomic update; null when it is not the live token. */
    rotate(tokenHash: string, newTokenHash: string, now: Date) {
      return cols.sessions.findOneAndUpdate(
        { tokenHash, status: 'active', expiresAt: { $gt: now } },
        { $set: { tokenHash: newTokenHash, rotatedAt: now }, $push: { usedTokenHashes: tokenHash } },
        { returnDocument: 'after' },
      );
    },
    /** A token that was already rotated away is being replayed: the whole session dies. */
    /** The owner of the session revoked, or null when there was none to revoke. */
    async revokeIfReused(tokenHash: string): Promise<ObjectId | null> {
      const doc = await cols.sessions.findOneAndUpdate(
        { usedTokenHashes: tokenHash, status: 'active' },
        { $set: { status: 'revoked', revokedReason: 'refresh_token_reuse' } },
      );
      return doc?.userId ?? null;
    },
    /** The owner of the session revoked, or null when there was none to revoke. */
    async revokeByToken(tokenHash: string, reason: string): Promise<ObjectId | null> {
      const doc = await cols.sessions.findOneAndUpdate({ tokenHash, status: 'active' }, { $set: { status: 'revoked', revokedReason: reason } });
      return doc?.userId ?? null;
    },
    async revokeAllForUser(userId: ObjectId, reason: string, exceptSessionId?: ObjectId): Promise<void> {
      await cols.sessions.updateMany(
        { userId, status: 'active', ...(exceptSessionId ? { _id: { $ne: exceptSessionId } } : {}) },
        { $set: { status: 'revoked', revokedReason: reason } },
      );
    },
    async isActive(sessionId: string, now: Date): Promise<boolean> {
      if (!ObjectId.isValid(sessionId)) return false;
      const doc = await cols.sessions.findOne(
        { _id: new ObjectId(sessionId), status: 'active', expiresAt: { $gt: now } },
        { projection: { _id: 1 } },
      );
      return doc !== null;
    },
  };
}
export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
