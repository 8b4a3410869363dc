import type { WindowCounters } from '../security/rate-limit.ts';
import type { VersionStore } from './versions.ts';

/** An event as subscribers get it: read back from the store, never only from the bus. */
export interface StoredEvent<TData = Record<string, unknown>> {
  stream: string;
  seq: number;
  clinicId: string;
  kind: string;
  data: TData;
  at: Date;
}

/**
 * What the bus carries: that `stream` has reached `seq`. The in-process bus hands the stored event along; the
 * Redis bus does not (no patient data on the wire), and the subscriber reads the store instead.
 */
export interface EventNote {
  stream: string;
  seq: number;
  event?: StoredEvent;
}

/**
 * Fans stored events out to the subscribers of every process. `subscribe` resolves once the subscription is in
 * place, so a reader that subscribes and then reads the store cannot miss an event published in between.
 */
export interface EventBus {
  publish(note: EventNote): Promise<void>;
  subscribe(stream: string, listener: (note: EventNote) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /**
   * The versions the in-memory caches check on read (the slot cache), kept where every process sees them: a bus
   * that reaches other processes must carry them. Absent (the in-process bus): this process is the only one.
   */
  versions?: VersionStore;
  /** Rate-limit counters every process shares (chat's per-user windows), likewise. Absent: this process's memory. */
  counters?: WindowCounters;
}

/** The default bus: one process, nothing to configure. */
export function createInProcessBus(): EventBus {
  const listeners = new Map<string, Set<(note: EventNote) => void>>();
  return {
    async publish(note) {
      for (const listener of listeners.get(note.stream) ?? []) listener(note);
    },
    async subscribe(stream, listener) {
      let set = listeners.get(stream);
      if (!set) listeners.set(stream, (set = new Set()));
      // Each subscription is its own entry, so the same function subscribed twice is removed once per unsubscribe.
      const entry = (note: EventNote) => listener(note);
      set.add(entry);
      return async () => {
        set.delete(entry);
        if (set.size === 0 && listeners.get(stream) === set) listeners.delete(stream);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
