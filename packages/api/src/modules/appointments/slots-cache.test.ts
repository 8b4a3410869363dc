import { describe, expect, it } from 'vitest';
import { ObjectId } from '@clinic/db';
import type { Busy } from '@clinic/scheduling';
import { SLOTS_CACHE_MAX_AGE_MS, createSlotsCache } from './slots-cache.ts';

const T0 = new Date('2026-12-01T08:00:00Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);

/** A cache over a fake database whose busy intervals the test sets, counting the queries it gets. */
function setup() {
  let now = T0;
  const db = new Map<string, Busy[]>();
  const queries: { ids: string[]; from: Date; to: Date }[] = [];
  const cache = createSlotsCache({
    clock: () => now,
    load: async (ids, from, to) => {
      queries.push({ ids: ids.map((i) => i.toHexString()), from, to });
      return new Map(ids.map((id) => [id.toHexString(), (db.get(id.toHexString()) ?? []).filter((b) => b.start < to && b.end > from)]));
    },
  });
  return { cache, db, queries, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

describe('the slot cache', () => {
  const a = new ObjectId();
  const b = new ObjectId();

  it('answers from memory while the version holds, for any range inside its window', async () => {
    const { cache, db, queries } = setup();
    db.set(a.toHexString(), [{ start: hours(2), end: hours(3) }]);
    expect((await cache.busyFor([{ id: a, version: null }], T0, hours(24))).get(a.toHexString())).toEqual([{ start: hours(2), end: hours(3) }]);
    expect((await cache.busyFor([{ id: a, version: null }], hours(4), hours(24))).get(a.toHexString())).toEqual([]);
    expect(queries).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, queries: 1 });
  });

  it('reloads a physician whose version changed, and only them, in one query', async () => {
    const { cache, db, queries } = setup();
    await cache.busyFor([{ id: a, version: 'v1' }, { id: b, version: null }], T0, hours(24));
    db.set(a.toHexString(), [{ start: hours(5), end: hours(6) }]);
    const got = await cache.busyFor([{ id: a, version: 'v2' }, { id: b, version: null }], T0, hours(24));
    expect(got.get(a.toHexString())).toEqual([{ start: hours(5), end: hours(6) }]);
    expect(queries.map((q) => q.ids)).toEqual([[a.toHexString(), b.toHexString()], [a.toHexString()]]);
  });

  it('reloads an entry older than its maximum age even with the same version', async () => {
    const { cache, queries, advance } = setup();
    await cache.busyFor([{ id: a, version: 'v1' }], T0, hours(24));
    advance(SLOTS_CACHE_MAX_AGE_MS);
    await cache.busyFor([{ id: a, version: 'v1' }], hours(1), hours(24));
    expect(queries).toHaveLength(2);
  });

  it('reads a range beyond its window directly and keeps nothing of it', async () => {
    const { cache, queries } = setup();
    const far = hours(24 * 100);
    await cache.busyFor([{ id: a, version: null }], far, hours(24 * 101));
    await cache.busyFor([{ id: a, version: null }], T0, hours(24));
    expect(queries.map((q) => q.from)).toEqual([far, hours(-24)]);
  });
});
