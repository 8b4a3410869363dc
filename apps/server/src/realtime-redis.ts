import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { EventBus, EventNote, VersionStore } from '@clinic/api';

const CHANNEL_PREFIX = 'clinic-events:';
const VERSION_PREFIX = 'clinic-versions:';
const COUNTER_PREFIX = 'clinic-counters:';
/** A version outlives any cache entry (a minute at most), so an idle key may go: its next read makes a new one. */
const VERSION_TTL_SECONDS = 86_400;

/**
 * The event bus across processes: Redis pub/sub. Only `{ stream, seq }` crosses Redis (no patient data on the
 * wire); a subscriber reads the event itself from the store. A message lost while Redis is away is recovered on
 * the stream's next event (its seq is not the next one, so the store is read) or when the client reconnects.
 */
export async function createRedisBus(url: string, opts: { onError?: (err: Error) => void } = {}): Promise<EventBus> {
  const open = () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, connectTimeout: 5_000 });
    client.on('error', (err: Error) => opts.onError?.(err));
    return client;
  };
  const pub = open();
  const sub = open();
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    // An unreachable server fails start-up, naming where it looked (without credentials), instead of retrying forever.
    pub.disconnect();
    sub.disconnect();
    const where = URL.canParse(url) ? `${new URL(url).hostname}:${new URL(url).port || 6379}` : 'REDIS_URL';
    throw new Error(`Redis (the event bus) is unreachable at ${where}: ${(err as Error).message}`, { cause: err });
  }
  const listeners = new Map<string, Set<(note: EventNote) => void>>();
  const subscribed = new Map<string, Promise<void>>();

  sub.on('message', (channel: string, message: string) => {
    const stream = channel.slice(CHANNEL_PREFIX.length);
    let note: EventNote;
    try {
      const parsed = JSON.parse(message) as { stream?: unknown; seq?: unknown };
      if (parsed.stream !== stream || typeof parsed.seq !== 'number' || !Number.isSafeInteger(parsed.seq)) return;
      note = { stream, seq: parsed.seq };
    } catch {
      return;
    }
    for (const listener of listeners.get(stream) ?? []) listener(note);
  });

  /**
   * The caches' versions (`VersionStore`), on the publishing connection: one MGET per read, one MULTI of SETs per
   * change (one round trip).
   * A version is random, not a counter: a Redis that lost its data (or a key that expired) never hands out a version
   * an entry was loaded under again. A key without one gets one with SET NX before it is returned.
   */
  const fresh = () => randomBytes(8).toString('hex');
  const versions: VersionStore = {
    async read(keys) {
      if (keys.length === 0) return [];
      const full = keys.map((k) => VERSION_PREFIX + k);
      const got = await pub.mget(...full);
      if (got.every((v) => v !== null)) return got as string[];
      // At once (MULTI), and for every key: one that expired since the MGET gets a version too.
      const batch = pub.multi();
      for (const key of full) batch.set(key, fresh(), 'EX', VERSION_TTL_SECONDS, 'NX');
      batch.mget(...full);
      const results = (await batch.exec()) ?? [];
      const [err, values] = results.at(-1) ?? [new Error('Redis answered no versions'), null];
      if (err) throw err;
      return values as string[];
    },
    async bump(keys) {
      if (keys.length === 0) return;
      const batch = pub.multi();
      for (const k of keys) batch.set(VERSION_PREFIX + k, fresh(), 'EX', VERSION_TTL_SECONDS);
      const results = (await batch.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    },
  };

  /**
   * Rate-limit windows (`WindowCounters`), on the publishing connection: one MULTI per call. SET NX gives a new key its
   * lifetime, INCR keeps it.
   */
  const counters: NonNullable<EventBus['counters']> = {
    async incr(keys) {
      if (keys.length === 0) return [];
      const batch = pub.multi();
      for (const { key, ttlSeconds } of keys) {
        batch.set(COUNTER_PREFIX + key, 0, 'EX', ttlSeconds, 'NX');
        batch.incr(COUNTER_PREFIX + key);
      }
      const results = (await batch.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
      return keys.map((_, i) => Number(results[2 * i + 1]![1]));
    },
  };

  return {
    versions,
    counters,
    async publish(note) {
      await pub.publish(CHANNEL_PREFIX + note.stream, JSON.stringify({ stream: note.stream, seq: note.seq }));
    },
    async subscribe(stream, listener) {
      let set = listeners.get(stream);
      if (!set) {
        listeners.set(stream, (set = new Set()));
        subscribed.set(stream, sub.subscribe(CHANNEL_PREFIX + stream).then(() => undefined));
      }
      const entry = (note: EventNote) => listener(note);
      set.add(entry);
      // A second subscriber of the stream waits for the same SUBSCRIBE: it too must not read the store before it.
      await subscribed.get(stream);
      return async () => {
        set.delete(entry);
        if (set.size === 0 && listeners.get(stream) === set) {
          listeners.delete(stream);
          subscribed.delete(stream);
          await sub.unsubscribe(CHANNEL_PREFIX + stream).catch(() => undefined);
        }
      };
    },
    async close() {
      listeners.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
