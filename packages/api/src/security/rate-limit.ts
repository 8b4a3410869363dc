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
  /**
   * Counts one attempt in every one of `limits` with a single upsert; throws RATE_LIMITED once any window's budget is
   * spent, with the latest Retry-After of the spent ones. Every window counts every attempt, refused ones included
   * (as `hit` does for its one window). The shorter windows must divide the longest (1 s and 60 s do): one document
   * per window of the longest holds its count and one counter per window of each shorter limit within it.
   */
  hitAll(bucket: string, key: string, limits: readonly Limit[]): Promise<void>;
  /** Throws RATE_LIMITED when the budget is already spent, without counting. */
  check(bucket: string, key: string, limit: Limit): Promise<void>;
  purgeExpired(): Promise<number>;
}

const window = (limit: Limit, nowMs: number) => {
  const size = limit.windowSeconds * 1000;
  const start = Math.floor(nowMs / size) * size;
  return { start, expiresAt: new Date(start + size), retryAfter: Math.max(1, Math.ceil((start + size - nowMs) / 1000)) };
};
const idOf = (bucket: string, key: string, start: number) => `${bucket}:${key}:${start}`;
const tooMany = (retryAfter: number) => new AppError('RATE_LIMITED', `Too many attempts. Try again in ${retryAfter} seconds.`, { retryAfter });

export function createRateLimiter(cols: Pick<Collections, 'rateLimits'>, clock: Clock): RateLimiter {

  /** Adds one to `count` and to each of `inner`'s fields of the document `id`, created if missing; the document after. */
  async function increment(id: string, expiresAt: Date, inner: readonly string[]) {
    const inc = () =>
      cols.rateLimits.findOneAndUpdate(
        { _id: id },
        { $inc: { count: 1, ...Object.fromEntries(inner.map((f) => [f, 1])) }, $setOnInsert: { expiresAt } },
        { upsert: true, returnDocument: 'after' },
      );
    // Two first hits racing on the same window: one insert wins, the other retries as an update.
    const first = await writeUnique(inc);
    return first.won ? first.result : await inc();
  }

  return {
    async hit(bucket, key, limit) {
      const w = window(limit, clock().getTime());
      const doc = await increment(idOf(bucket, key, w.start), w.expiresAt, []);
      if (doc && doc.count > limit.max) throw tooMany(w.retryAfter);
    },
    async hitAll(bucket, key, limits) {
      const [outer, ...shorter] = [...limits].sort((a, b) => b.windowSeconds - a.windowSeconds);
      if (!outer) return;
      for (const l of shorter) {
        if (outer.windowSeconds % l.windowSeconds !== 0) throw new Error(`a ${l.windowSeconds} s window does not divide the ${outer.windowSeconds} s one`);
      }
      const nowMs = clock().getTime();
      const w = window(outer, nowMs);
      // A top-level field per shorter window (`w<seconds>_<start ms>`): no dotted paths, so FerretDB updates it as MongoDB does.
      const inner = shorter.map((limit) => {
        const iw = window(limit, nowMs);
        return { limit, retryAfter: iw.retryAfter, field: `w${limit.windowSeconds}_${iw.start}` };
      });
      const doc = (await increment(idOf(bucket, key, w.start), w.expiresAt, inner.map((i) => i.field))) as (Record<string, unknown> & { count: number }) | null;
      if (!doc) return;
      const spent = [...(doc.count > outer.max ? [w.retryAfter] : []), ...inner.filter((i) => Number(doc[i.field] ?? 0) > i.limit.max).map((i) => i.retryAfter)];
      if (spent.length > 0) throw tooMany(Math.max(...spent));
    },
    async check(bucket, key, limit) {
      const w = window(limit, clock().getTime());
      const doc = await cols.rateLimits.findOne({ _id: idOf(bucket, key, w.start) });
      if (doc && doc.count >= limit.max) throw tooMany(w.retryAfter);
    },
    async purgeExpired() {
      const res = await cols.rateLimits.deleteMany({ expiresAt: { $lte: clock() } });
      return res.deletedCount;
    },
  };
}

/**
 * Counters that live outside the database, for limits hit on every message (chat): each `incr` adds one to every key
 * (made, if missing, to live `ttlSeconds`) and answers the counts after, in order, in one step. In this process's
 * memory with the in-process bus (its processes are one by definition), in Redis with the Redis bus (one MULTI).
 */
export interface WindowCounters {
  incr(keys: readonly { key: string; ttlSeconds: number }[]): Promise<number[]>;
}

/** Counters of one process: no round trip. Expired ones are dropped every 1,000 increments. */
export function createInProcessCounters(clock: Clock): WindowCounters {
  const counts = new Map<string, { n: number; expiresAt: number }>();
  let calls = 0;
  return {
    async incr(keys) {
      const now = clock().getTime();
      if (++calls % 1000 === 0) for (const [k, c] of counts) if (c.expiresAt <= now) counts.delete(k);
      return keys.map(({ key, ttlSeconds }) => {
        let c = counts.get(key);
        if (!c || c.expiresAt <= now) counts.set(key, (c = { n: 0, expiresAt: now + ttlSeconds * 1000 }));
        return ++c.n;
      });
    },
  };
}

/**
 * The same fixed windows as `createRateLimiter`, counted in `counters` instead of the database: one counter per window
 * (`<namespace>:<bucket>:<key>:<window start ms>:<seconds>`), every attempt counted in each, refused ones included.
 * `namespace` (the database's name) keeps two deployments on one Redis apart. When `counters` fail (Redis away), the
 * attempt is counted in `fallback` (this process's memory: each process then limits on its own) rather than refused
 * with a 500; `onFallback` hears why.
 */
export function createCounterRateLimiter(
  counters: WindowCounters,
  clock: Clock,
  namespace: string,
  opts: { fallback?: WindowCounters; onFallback?: (err: unknown) => void } = {},
): Pick<RateLimiter, 'hit' | 'hitAll'> {
  async function count(bucket: string, key: string, limits: readonly Limit[]) {
    const nowMs = clock().getTime();
    const windows = limits.map((limit) => ({ limit, ...window(limit, nowMs) }));
    // A key's window start is in its name, so it needs to outlive the window only: made on its first hit, to live as long as the window.
    const keys = windows.map((w) => ({ key: `${namespace}:${idOf(bucket, key, w.start)}:${w.limit.windowSeconds}`, ttlSeconds: w.limit.windowSeconds }));
    const counts = await counters.incr(keys).catch((err: unknown) => {
      if (!opts.fallback) throw err;
      opts.onFallback?.(err);
      return opts.fallback.incr(keys);
    });
    const spent = windows.filter((w, i) => (counts[i] ?? 0) > w.limit.max).map((w) => w.retryAfter);
    if (spent.length > 0) throw tooMany(Math.max(...spent));
  }
  return {
    hit: (bucket, key, limit) => count(bucket, key, [limit]),
    hitAll: (bucket, key, limits) => count(bucket, key, limits),
  };
}
