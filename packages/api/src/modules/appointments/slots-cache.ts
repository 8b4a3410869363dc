import type { ObjectId } from '@clinic/db';
import { DAY_MS, toZonedIso, type Busy } from '@clinic/scheduling';
import type { BackgroundLog } from '../../deps.ts';
import type { VersionStore } from '../../events/versions.ts';

/** How far the one query of a cold read reaches: a day back (today's slot list), two slot-list ranges ahead. */
export const SLOTS_CACHE_WINDOW = { backDays: 1, aheadDays: 62 } as const;
/**
 * An entry is reloaded after this long even when its version still matches: it bounds how long a change whose
 * version could not be written (the change was committed, then Redis was unreachable or the process died) or a write
 * made outside the server (a script, the seed) can show stale data. Booking never trusts the cache, so such a slot is
 * refused with SLOT_TAKEN meanwhile.
 */
export const SLOTS_CACHE_MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** The version every catalogue read depends on: physicians and clinics (schedule, price, status, zone, policies). */
export const CATALOGUE_VERSION = 'catalogue';
/** The version of one physician's busy intervals: replaced by every change of one of their appointments. */
export const busyVersion = (physicianId: ObjectId) => `busy:${physicianId.toHexString()}`;

/**
 * Versions as one read saw them. `ticket` orders the reads of this process: a later one saw versions at least as new
 * (the in-process store is read at once; Redis answers one connection's commands in order).
 */
export interface VersionSnapshot {
  ticket: number;
  of(key: string): string;
}

export interface CacheVersions {
  /** The versions of these keys now; null when the store cannot say (Redis away): read through and keep nothing. */
  read(keys: string[]): Promise<VersionSnapshot | null>;
  /** New versions for these keys. Never throws (the change is committed): a failure is logged, the maximum age bounds it. */
  bump(keys: string[]): Promise<void>;
}

/** The store's versions under `namespace` (the database's name: two deployments on one Redis never mix). */
export function createCacheVersions(store: VersionStore, namespace: string, log?: BackgroundLog): CacheVersions {
  let tickets = 0;
  let warnedAt = -Infinity;
  const full = (key: string) => `${namespace}:${key}`;
  // One line per 10 s at most when Redis is away, not one per request.
  const warn = (err: unknown, message: string) => {
    if (Date.now() - warnedAt < 10_000) return;
    warnedAt = Date.now();
    log?.warn({ err: err instanceof Error ? err.message : String(err) }, message);
  };
  return {
    async read(keys) {
      const ticket = ++tickets;
      try {
        const values = await store.read(keys.map(full));
        const byKey = new Map(keys.map((k, i) => [k, values[i]!]));
        return {
          ticket,
          of: (key) => {
            const v = byKey.get(key);
            if (v === undefined) throw new Error(`version ${key} was not read`);
            return v;
          },
        };
      } catch (err) {
        warn(err, 'cache versions unreadable: slot lists and searches read the database');
        return null;
      }
    },
    async bump(keys) {
      if (keys.length === 0) return;
      await store.bump(keys.map(full)).catch((err: unknown) => warn(err, 'cache versions not written: other processes catch up within a minute'));
    },
  };
}

interface Entry<T> {
  version: string;
  ticket: number;
  loadedAt: number;
  value: T;
}

/**
 * Values kept in this process's memory, each under the version it was loaded under. A value is served only while that
 * version is the one the caller has just read (taken before it would load), so a change that commits while a load is
 * in flight leaves a newer version behind and the load's result is never served again. `set` is a compare-and-set on
 * the snapshot's ticket: a slow load never replaces what a later read installed.
 */
export function createVersionedCache<T>(opts: { clock: () => Date; maxEntries?: number }) {
  const entries = new Map<string, Entry<T>>();
  const maxEntries = opts.maxEntries ?? MAX_ENTRIES;
  const counts = { hits: 0, misses: 0 };
  return {
    /** The value kept under `version`, unless older than the maximum age. */
    get(key: string, version: string): T | undefined {
      const e = entries.get(key);
      if (e && e.version === version && opts.clock().getTime() - e.loadedAt < SLOTS_CACHE_MAX_AGE_MS) {
        counts.hits++;
        return e.value;
      }
      counts.misses++;
      return undefined;
    },
    /** What is kept, whatever its version: which physicians a search named last time. */
    peek: (key: string): T | undefined => entries.get(key)?.value,
    set(key: string, snapshot: VersionSnapshot, version: string, value: T, loadedAt = opts.clock().getTime()): void {
      const e = entries.get(key);
      if (e && e.ticket > snapshot.ticket) return;
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { version, ticket: snapshot.ticket, loadedAt, value });
    },
    now: () => opts.clock().getTime(),
    stats: () => ({ ...counts, entries: entries.size }),
  };
}

/** `load()` unless the value is kept under the version `snapshot` read for `versionKey`; kept afterwards (not null). */
export async function readThrough<T>(
  cache: ReturnType<typeof createVersionedCache<T>>,
  key: string,
  snapshot: VersionSnapshot | null,
  versionKey: string,
  load: () => Promise<T | null>,
): Promise<T | null> {
  const version = snapshot?.of(versionKey);
  const kept = version === undefined ? undefined : cache.get(key, version);
  if (kept !== undefined) return kept;
  const loadedAt = cache.now();
  const value = await load();
  if (value !== null && snapshot && version !== undefined) cache.set(key, snapshot, version, value, loadedAt);
  return value;
}

interface BusyEntry {
  from: number;
  to: number;
  busy: Busy[];
}

/**
 * Each physician's busy intervals, in this process's memory, for the slot list and the search's next free slot.
 *
 * Correct across processes by a version check on read: every appointment change replaces the physician's busy version
 * (`busyVersion`) before the request that made it answers (the `afterChange` hook, awaited), and the caller reads the
 * versions (with the catalogue's, in one read) before the cache may load. An entry is served only while the version
 * it was loaded under is the one just read. The bus's notes are not used: a note can arrive after a read in another
 * process, the version cannot.
 */
export function createSlotsCache(opts: { load(ids: ObjectId[], from: Date, to: Date): Promise<Map<string, Busy[]>>; clock: () => Date }) {
  const cache = createVersionedCache<BusyEntry>({ clock: opts.clock });
  const counts = { hits: 0, misses: 0, queries: 0 };

  const overlapping = (busy: Busy[], from: Date, to: Date) => busy.filter((b) => b.start < to && b.end > from);

  return {
    /**
     * The busy intervals within [from, to) of each physician: from memory where current, else one query for the rest.
     * `versions`: the snapshot read before (with each physician's `busyVersion`), or null to read through.
     */
    async busyFor(physicians: ObjectId[], versions: VersionSnapshot | null, from: Date, to: Date): Promise<Map<string, Busy[]>> {
      const now = opts.clock().getTime();
      const map = new Map<string, Busy[]>();
      const stale: ObjectId[] = [];
      for (const id of physicians) {
        const key = id.toHexString();
        const e = versions ? cache.get(key, versions.of(busyVersion(id))) : undefined;
        if (e && e.from <= from.getTime() && to.getTime() <= e.to) {
          counts.hits++;
          map.set(key, overlapping(e.busy, from, to));
        } else {
          counts.misses++;
          stale.push(id);
        }
      }
      if (stale.length === 0) return map;
      counts.queries++;
      const window = { from: now - SLOTS_CACHE_WINDOW.backDays * DAY_MS, to: now + SLOTS_CACHE_WINDOW.aheadDays * DAY_MS };
      // A range beyond the window (a search for a day months ahead) is answered directly and not kept.
      if (!versions || from.getTime() < window.from || to.getTime() > window.to) {
        for (const [key, busy] of await opts.load(stale, from, to)) map.set(key, busy);
        return map;
      }
      const loaded = await opts.load(stale, new Date(window.from), new Date(window.to));
      for (const id of stale) {
        const key = id.toHexString();
        const busy = loaded.get(key) ?? [];
        cache.set(key, versions, versions.of(busyVersion(id)), { from: window.from, to: window.to, busy }, now);
        map.set(key, overlapping(busy, from, to));
      }
      return map;
    },
    /** Reads of a physician answered from memory, those that were not, and the queries those needed (one per read with misses). */
    stats: () => ({ ...counts, entries: cache.stats().entries }),
  };
}
export type SlotsCache = ReturnType<typeof createSlotsCache>;

const ZONED_ISO_ENTRIES = 50_000;
const zonedIsos = new Map<string, string>();
/**
 * `toZonedIso`, remembered: the slot lists show the same instants again and again, and asking Intl for a zone's offset
 * (twice per slot) was most of a warm slot list's time. A pure function of its arguments, so never stale.
 */
export function zonedIso(instant: Date, timeZone: string): string {
  const key = `${timeZone} ${instant.getTime()}`;
  let iso = zonedIsos.get(key);
  if (iso === undefined) {
    iso = toZonedIso(instant, timeZone);
    if (zonedIsos.size >= ZONED_ISO_ENTRIES) zonedIsos.delete(zonedIsos.keys().next().value!);
    zonedIsos.set(key, iso);
  }
  return iso;
}
