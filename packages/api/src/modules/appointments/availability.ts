import type { Busy } from '@clinic/scheduling';
import type { ObjectId } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { ANY_CLINIC } from '../../scope.ts';
import { createAppointmentsRepository } from './appointments.repository.ts';
import { busyVersion, createSlotsCache, type CacheVersions, type VersionSnapshot } from './slots-cache.ts';

/**
 * The appointments module's answer to "when is each physician busy?" — one query for any number of physicians.
 * `versions`: what the slot cache checks on read (services.ts: Redis when the bus is, else this process's memory).
 */
export function createAvailability(deps: ApiDeps, versions: CacheVersions) {
  // Busy intervals of the physicians asked about, whichever clinic they work in (the public slot lists, booking).
  const repo = createAppointmentsRepository(deps.db.cols, ANY_CLINIC);
  async function busyFor(physicianIds: ObjectId[], from: Date, to: Date): Promise<Map<string, Busy[]>> {
    const map = new Map<string, Busy[]>();
    if (physicianIds.length === 0) return map;
    for (const a of await repo.busyFor(physicianIds, from, to)) {
      const key = a.physicianId.toHexString();
      let list = map.get(key);
      if (!list) map.set(key, (list = []));
      list.push({ start: a.startsAt, end: a.endsAt });
    }
    return map;
  }
  const cache = createSlotsCache({ load: busyFor, clock: deps.clock });
  return {
    /** Always read from the database: what booking checks (the unique slot key is still the arbiter). */
    busyFor,
    /**
     * What the slot list and the search show: from this process's memory while each physician's `busyVersion` in
     * `snapshot` (read before) holds.
     */
    listedBusyFor: (physicianIds: ObjectId[], snapshot: VersionSnapshot | null, from: Date, to: Date) => cache.busyFor(physicianIds, snapshot, from, to),
    /**
     * One of the physician's appointments changed: every process's next slot list reloads their busy intervals.
     * Awaited before the change answers (the `afterChange` hook); never throws.
     */
    busyChanged: (physicianId: ObjectId) => versions.bump([busyVersion(physicianId)]),
    cacheStats: () => cache.stats(),
  };
}
export type Availability = ReturnType<typeof createAvailability>;
