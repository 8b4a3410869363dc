import { describe, expect, it } from 'vitest';
import { ObjectId } from '@clinic/db';
import type { Busy } from '@clinic/scheduling';
import { createInProcessVersions, type VersionStore } from '../../events/versions.ts';
import { SLOTS_CACHE_MAX_AGE_MS, busyVersion, createCacheVersions, createSlotsCache, createVersionedCache, readThrough, type VersionSnapshot } from './slots-cache.ts';

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
  const versions = createCacheVersions(createInProcessVersions(), 'test');
  const read = async (...ids: ObjectId[]) => (await versions.read(ids.map(busyVersion)))!;
  return { cache, db, queries, versions, read, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

describe('the slot cache', () => {
  const a = new ObjectId();
  const b = new ObjectId();

  it('answers from memory while the version holds, for any range inside its window', async () => {
    const { cache, db, queries, read } = setup();
    db.set(a.toHexString(), [{ start: hours(2), end: hours(3) }]);
    expect((await cache.busyFor([a], await read(a), T0, hours(24))).get(a.toHexString())).toEqual([{ start: hours(2), end: hours(3) }]);
    expect((await cache.busyFor([a], await read(a), hours(4), hours(24))).get(a.toHexString())).toEqual([]);
    expect(queries).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, queries: 1 });
  });

  it('reloads a physician whose version changed, and only them, in one query', async () => {
    const { cache, db, queries, read, versions } = setup();
    await cache.busyFor([a, b], await read(a, b), T0, hours(24));
    db.set(a.toHexString(), [{ start: hours(5), end: hours(6) }]);
    await versions.bump([busyVersion(a)]);
    const got = await cache.busyFor([a, b], await read(a, b), T0, hours(24));
    expect(got.get(a.toHexString())).toEqual([{ start: hours(5), end: hours(6) }]);
    expect(queries.map((q) => q.ids)).toEqual([[a.toHexString(), b.toHexString()], [a.toHexString()]]);
  });

  it('never serves what a read that began before a change loaded, though it finishes after it', async () => {
    const { db, versions } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const cache = createSlotsCache({
      clock: () => T0,
      load: async (ids) => {
        calls++;
        // The first load reads the database before the booking commits, and answers after it.
        const seen = new Map(ids.map((id) => [id.toHexString(), [...(db.get(id.toHexString()) ?? [])]]));
        if (calls === 1) await gate;
        return seen;
      },
    });
    const slow = cache.busyFor([a], (await versions.read([busyVersion(a)]))!, T0, hours(24));
    db.set(a.toHexString(), [{ start: hours(2), end: hours(3) }]);
    await versions.bump([busyVersion(a)]);
    release();
    expect((await slow).get(a.toHexString())).toEqual([]);
    expect((await cache.busyFor([a], (await versions.read([busyVersion(a)]))!, T0, hours(24))).get(a.toHexString())).toEqual([{ start: hours(2), end: hours(3) }]);
  });

  it('reloads an entry older than its maximum age even with the same version', async () => {
    const { cache, queries, read, advance } = setup();
    await cache.busyFor([a], await read(a), T0, hours(24));
    advance(SLOTS_CACHE_MAX_AGE_MS);
    await cache.busyFor([a], await read(a), hours(1), hours(24));
    expect(queries).toHaveLength(2);
  });

  it('reads a range beyond its window directly and keeps nothing of it', async () => {
    const { cache, queries, read } = setup();
    const far = hours(24 * 100);
    await cache.busyFor([a], await read(a), far, hours(24 * 101));
    await cache.busyFor([a], await read(a), T0, hours(24));
    expect(queries.map((q) => q.from)).toEqual([far, hours(-24)]);
  });

  it('without versions (the store unreachable) reads the database every time and keeps nothing', async () => {
    const { cache, queries, read } = setup();
    await cache.busyFor([a], null, T0, hours(24));
    await cache.busyFor([a], null, T0, hours(24));
    await cache.busyFor([a], await read(a), T0, hours(24));
    expect(queries).toHaveLength(3);
  });
});

describe('versioned values', () => {
  const snapshot = (ticket: number, version: string): VersionSnapshot => ({ ticket, of: () => version });

  it('a slow load does not replace what a later read installed', async () => {
    const cache = createVersionedCache<string>({ clock: () => T0 });
    cache.set('k', snapshot(2, 'v2'), 'v2', 'new');
    cache.set('k', snapshot(1, 'v1'), 'v1', 'old');
    expect(cache.get('k', 'v2')).toBe('new');
    expect(cache.get('k', 'v1')).toBeUndefined();
  });

  it('reads through once per version, and keeps no miss', async () => {
    const cache = createVersionedCache<string>({ clock: () => T0 });
    let loads = 0;
    const load = async () => (loads++, loads === 1 ? null : `value ${loads}`);
    expect(await readThrough(cache, 'k', snapshot(1, 'v1'), 'catalogue', load)).toBeNull();
    expect(await readThrough(cache, 'k', snapshot(2, 'v1'), 'catalogue', load)).toBe('value 2');
    expect(await readThrough(cache, 'k', snapshot(3, 'v1'), 'catalogue', load)).toBe('value 2');
    expect(await readThrough(cache, 'k', snapshot(4, 'v2'), 'catalogue', load)).toBe('value 3');
    expect(loads).toBe(3);
  });
});

describe('cache versions', () => {
  it('name their keys under the namespace, and every key has a version before its first change', async () => {
    const seen: string[][] = [];
    const store = createInProcessVersions();
    const spy: VersionStore = { read: (keys) => (seen.push(keys), store.read(keys)), bump: (keys) => store.bump(keys) };
    const versions = createCacheVersions(spy, 'clinic_db');
    const before = (await versions.read(['catalogue']))!;
    expect(seen).toEqual([['clinic_db:catalogue']]);
    await versions.bump(['catalogue']);
    const after = (await versions.read(['catalogue']))!;
    expect(typeof before.of('catalogue')).toBe('string');
    expect(after.of('catalogue')).not.toBe(before.of('catalogue'));
    expect(after.ticket).toBeGreaterThan(before.ticket);
  });

  it('an unreadable store reads as "no versions" and a failed change is logged, never thrown', async () => {
    const warnings: string[] = [];
    const broken: VersionStore = { read: () => Promise.reject(new Error('ECONNREFUSED')), bump: () => Promise.reject(new Error('ECONNREFUSED')) };
    const versions = createCacheVersions(broken, 'x', { warn: (_d, message) => warnings.push(message) });
    expect(await versions.read(['catalogue'])).toBeNull();
    await expect(versions.bump(['catalogue'])).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1); // one line per 10 s, however many requests
  });
});
