import type { Busy } from '@clinic/scheduling';
import type { ObjectId } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { ANY_CLINIC } from '../../scope.ts';
import { createAppointmentsRepository } from './appointments.repository.ts';
import { createSlotsCache, type VersionedPhysician } from './slots-cache.ts';

/** The appointments module's answer to "when is each physician busy?" — one query for any number of physicians. */
export function createAvailability(deps: ApiDeps) {
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
    /** What the slot list and the search show: from this process's memory while each physician's version holds. */
    listedBusyFor: (physicians: VersionedPhysician[], from: Date, to: Date) => cache.busyFor(physicians, from, to),
    cacheStats: () => cache.stats(),
  };
}
export type Availability = ReturnType<typeof createAvailability>;
