import { writeUnique, type Collections } from '@clinic/db';
import { AppError } from '../errors.ts';
import type { Clock } from '../clock.ts';

export interface Limit {
  max: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in MongoDB, so every server process shares them.
 * Each hit is one atomic upsert-and-increment.
 */
export interface RateLimiter {
  /** Counts one attempt; throws RATE_LIMITED once the window's budget is spent. */
  hit(bucket: string, key: string, limit: Limit): Promise<void>;
  /** Throws RATE_LIMITED when the budget is already spent, without counting. */
  check(bucket: string, key: string, limit: Limit): Promise<void>;
  purgeExpired(): Promise<number>;
}

export function createRateLimiter(cols: Pick<Collections, 'rateLimits'>, clock: Clock): RateLimiter {
  const window = (bucket: string, key: string, limit: Limit) => {
    const nowMs = clock().getTime();
    const size = limit.windowSeconds * 1000;
    const start = Math.floor(nowMs / size) * size;
    return {
      id: `${bucket}:${key}:${start}`,
      expiresAt: new Date(start + size),
      retryAfter: Math.max(1, Math.ceil((start + size - nowMs) / 1000)),
    };
  };
  const tooMany = (retryAfter: number) =>
    new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, { retryAfter });

  return {
    async hit(bucket, key, limit) {
      const w = window(bucket, key, limit);
      const increment = () =>
        cols.rateLimits.findOneAndUpdate(
          { _id: w.id },
          { $inc: { count: 1 }, $setOnInsert: { expiresAt: w.expiresAt } },
          { upsert: true, returnDocument: 'after' },
        );
      // Two first hits racing on the same window: one insert wins, the other retries as an update.
      const first = await writeUnique(increment);
      const doc = first.won ? first.result : await increment();
      if (doc && doc.count > limit.max) throw tooMany(w.retryAfter);
    },
    async check(bucket, key, limit) {
      const w = window(bucket, key, limit);
      const doc = await cols.rateLimits.findOne({ _id: w.id });
      if (doc && doc.count >= limit.max) throw tooMany(w.retryAfter);
    },
    async purgeExpired() {
      const res = await cols.rateLimits.deleteMany({ expiresAt: { $lte: clock() } });
      return res.deletedCount;
    },
  };
}
