/**
 * Versions every server process reads the same: a change replaces the version of what it changed before it answers,
 * and an in-memory cache serves an entry only while the version it was loaded under is still the current one. The
 * in-process bus's processes are one by definition, so its versions are a counter in memory (no round trip); the
 * Redis bus keeps them in Redis (one MGET per read, one MULTI of SETs per change) so that every process sees a change
 * the moment it has answered.
 */
export interface VersionStore {
  /**
   * The current version of each key, in order. A key never changed has a version too: a cache never keeps an entry
   * under "no version", which a store that lost its data (a restarted Redis) would report again.
   */
  read(keys: string[]): Promise<string[]>;
  /** New versions for these keys; resolved once every process's next `read` sees them. */
  bump(keys: string[]): Promise<void>;
}

/** The versions of one process: every change goes through it, so the version is in its memory. */
export function createInProcessVersions(): VersionStore {
  const versions = new Map<string, number>();
  return {
    read: async (keys) => keys.map((k) => String(versions.get(k) ?? 0)),
    async bump(keys) {
      for (const k of keys) versions.set(k, (versions.get(k) ?? 0) + 1);
    },
  };
}
