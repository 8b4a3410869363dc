import type { ObjectId } from '@clinic/db';
import { DAY_MS, type Busy } from '@clinic/scheduling';

/** A physician as the caller has just read them: the id and the busy version their document carries. */
export interface VersionedPhysician {
  id: ObjectId;
  /** `busyVersion` of the physician document, read before asking (null: never changed since it existed). */
  version: string | null;
}

/** How far the one query of a cold read reaches: a day back (today's slot list), two slot-list ranges ahead. */
export const SLOTS_CACHE_WINDOW = { backDays: 1, aheadDays: 62 } as const;
/**
 * An entry is reloaded after this long even when its version still matches: it bounds how long a change whose
 * version write failed (the change was committed, the process died or the database refused the second write) can
 * show a taken slot as free. Booking never trusts the cache, so such a slot is refused with SLOT_TAKEN meanwhile.
 */
export const SLOTS_CACHE_MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  version: string | null;
  from: number;
  to: number;
  loadedAt: number;
  busy: Busy[];
}

/**
 * Each physician's busy intervals, in this process's memory, for the slot list and the search's next free slot.
 *
 * Correct across processes by a version check on read that costs no round trip of its own: every appointment change
 * writes a new `busyVersion` into the physician's document before the request that made it answers (the
 * `afterChange` hook, awaited), and every read path reads the physician's document anyway (schedule, active). An
 * entry is served only while the version it was loaded under is the one just read; the caller reads the document
 * before the cache loads, so a change committed during a load leaves a newer version behind and is reloaded next
 * time. The bus is not used: a note can arrive after a read in another process, the version cannot.
 */
export function createSlotsCache(opts: { load(ids: ObjectId[], from: Date, to: Date): Promise<Map<string, Busy[]>>; clock: () => Date }) {
  const entries = new Map<string, Entry>();
  const counts = { hits: 0, misses: 0, queries: 0 };

  const overlapping = (busy: Busy[], from: Date, to: Date) => busy.filter((b) => b.start < to && b.end > from);

  return {
    /** The busy intervals within [from, to) of each physician: from memory where current, else one query for the rest. */
    async busyFor(physicians: VersionedPhysician[], from: Date, to: Date): Promise<Map<string, Busy[]>> {
      const now = opts.clock().getTime();
      const map = new Map<string, Busy[]>();
      const stale: VersionedPhysician[] = [];
      for (const p of physicians) {
        const key = p.id.toHexString();
        const e = entries.get(key);
        if (e && e.version === p.version && e.from <= from.getTime() && to.getTime() <= e.to && now - e.loadedAt < SLOTS_CACHE_MAX_AGE_MS) {
          counts.hits++;
          map.set(key, overlapping(e.busy, from, to));
        } else {
          counts.misses++;
          stale.push(p);
        }
      }
      if (stale.length === 0) return map;
      counts.queries++;
      const window = { from: now - SLOTS_CACHE_WINDOW.backDays * DAY_MS, to: now + SLOTS_CACHE_WINDOW.aheadDays * DAY_MS };
      // A range beyond the window (a search for a day months ahead) is answered directly and not kept.
      if (from.getTime() < window.from || to.getTime() > window.to) {
        for (const [key, busy] of await opts.load(stale.map((p) => p.id), from, to)) map.set(key, busy);
        return map;
      }
      const loaded = await opts.load(stale.map((p) => p.id), new Date(window.from), new Date(window.to));
      for (const p of stale) {
        const key = p.id.toHexString();
        const busy = loaded.get(key) ?? [];
        entries.delete(key);
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(key, { version: p.version, from: window.from, to: window.to, loadedAt: now, busy });
        map.set(key, overlapping(busy, from, to));
      }
      return map;
    },
    /** Reads answered from memory, reads that were not, and the queries those needed (one per read with misses). */
    stats: () => ({ ...counts, entries: entries.size }),
  };
}
export type SlotsCache = ReturnType<typeof createSlotsCache>;
