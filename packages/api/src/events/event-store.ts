import { DUPLICATE_KEY, ObjectId, bulkInsertFailures, insertUnique, isDuplicateKeyError, type Collections, type EventDoc } from '@clinic/db';
import type { Clock } from '../clock.ts';
import type { BackgroundLog } from '../deps.ts';
import type { EventBus, EventNote, StoredEvent } from './bus.ts';

/**
 * How long events are kept for a reconnecting client to catch up: 7 days, and the last 1,000 of each stream,
 * whichever keeps fewer. FerretDB has no TTL indexes, so every 100th event of a stream sweeps that stream.
 */
export const EVENT_RETENTION = { days: 7, perStream: 1_000, sweepEvery: 100 } as const;

/** A client that comes back after its events were swept gets this first: reload the view, then follow live. */
export const RESYNC_KIND = 'resync';

const PAGE = 100;
/** Streams whose last number this process remembers. */
const TAILS_KEPT = 10_000;
/** Writers of one stream in other processes can each win a number before us; more than this is a fault. */
const MAX_ATTEMPTS = 25;

const toStored = (d: EventDoc): StoredEvent => ({ stream: d.stream, seq: d.seq, clinicId: d.clinicId.toHexString(), kind: d.kind, data: d.data, at: d.at });

export function createEventStore(cols: Collections, bus: EventBus, clock: Clock, log?: BackgroundLog) {
  /**
   * Appends of one stream in this process go one after another: two in flight would read the same tail and one
   * would lose the unique index and retry. Between processes the index alone decides.
   */
  const tails = new Map<string, Promise<unknown>>();
  /** Set when the server shuts down: every follower ends, so open streams do not hold its close. */
  let closed = false;
  function serially<T>(stream: string | readonly string[], work: () => Promise<T>): Promise<T> {
    // Several streams: the work waits for each one's turn and holds them all (taken at once, so no two works
    // can each hold a turn the other waits for).
    const streams = typeof stream === 'string' ? [stream] : stream;
    const before = streams.map((s) => (tails.get(s) ?? Promise.resolve()).catch(() => undefined));
    const run = (before.length === 1 ? before[0]! : Promise.all(before)).then(work);
    for (const s of streams) tails.set(s, run);
    void run.finally(() => {
      for (const s of streams) if (tails.get(s) === run) tails.delete(s);
    }).catch(() => undefined);
    return run;
  }

  async function lastSeq(stream: string): Promise<number> {
    const [last] = await cols.events.find({ stream }, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).toArray();
    return last?.seq ?? 0;
  }

  async function since(stream: string, after: number, limit = PAGE): Promise<StoredEvent[]> {
    const docs = await cols.events.find({ stream, seq: { $gt: after } }).sort({ seq: 1 }).limit(limit).toArray();
    return docs.map(toStored);
  }

  async function sweep(stream: string, seq: number) {
    await cols.events.deleteMany({ stream, seq: { $lte: seq - EVENT_RETENTION.perStream } });
    await cols.events.deleteMany({ stream, at: { $lt: new Date(clock().getTime() - EVENT_RETENTION.days * 86_400_000) } });
  }

  /**
   * The last number this process gave each stream it writes. Reading the tail costs a sort of the whole stream on
   * FerretDB (only the `stream` equality reaches storage), so it is read once per stream, and again only after
   * another process took a number first (the unique index refused ours).
   */
  const tailOf = new Map<string, number>();
  async function insertNext(stream: string, clinicId: ObjectId, kind: string, data: Record<string, unknown>): Promise<StoredEvent> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seq = (tailOf.get(stream) ?? (await lastSeq(stream))) + 1;
      const doc: EventDoc = { _id: new ObjectId(), stream, seq, clinicId, kind, data, at: clock() };
      if ((await insertUnique(cols.events, doc)).won) {
        remember(stream, seq);
        return toStored(doc);
      }
      tailOf.delete(stream);
    }
    throw new Error(`no sequence number for an event of ${stream} after ${MAX_ATTEMPTS} attempts`);
  }

  /** Bounded, least recently written first out: a long-running process writes to many streams (one per physician, one per user). */
  function remember(stream: string, seq: number) {
    tailOf.delete(stream);
    if (tailOf.size >= TAILS_KEPT) tailOf.delete(tailOf.keys().next().value!);
    tailOf.set(stream, seq);
  }

  /**
   * Inserts the events in order; the first event of each stream whose tail this process knows goes in one
   * `insertMany` with the stream's next number. Those the unique index refused (another process took the number),
   * and the rest, go through `insertNext` one by one. Runs holding every involved stream's turn.
   */
  async function insertBatch(entries: readonly AppendEntry[]): Promise<(StoredEvent | { failed: unknown })[]> {
    const out: (StoredEvent | { failed: unknown } | null)[] = entries.map(() => null);
    const bulk: { i: number; doc: EventDoc }[] = [];
    const seen = new Set<string>();
    for (const [i, e] of entries.entries()) {
      // Later events of a stream wait for its first: were that one refused, theirs would be numbered before it.
      if (seen.has(e.stream)) continue;
      seen.add(e.stream);
      const tail = tailOf.get(e.stream);
      if (tail === undefined) continue;
      bulk.push({ i, doc: { _id: new ObjectId(), stream: e.stream, seq: tail + 1, clinicId: e.clinicId, kind: e.kind, data: e.data, at: clock() } });
    }
    if (bulk.length > 0) {
      const lost = await insertRefused(bulk.map((b) => b.doc));
      for (const [k, { i, doc }] of bulk.entries()) {
        const refused = lost.get(k);
        if (refused === undefined) {
          remember(doc.stream, doc.seq);
          out[i] = toStored(doc);
        } else if (refused === DUPLICATE_KEY) tailOf.delete(doc.stream);
        else out[i] = { failed: refused };
      }
    }
    // Each event stands alone, as with `append`: one that cannot be stored does not keep the others from it.
    for (const [i, e] of entries.entries()) out[i] ??= await insertNext(e.stream, e.clinicId, e.kind, e.data).catch((err: unknown) => ({ failed: err }));
    return out as (StoredEvent | { failed: unknown })[];
  }

  /**
   * One `insertMany` (unordered): the positions of the documents the unique index refused. MongoDB names each in
   * the bulk error (`writeErrors[].index`); when the error does not say which (FerretDB), the documents that are not
   * stored are re-read and counted as refused. A document refused otherwise maps to its error; a failure of the
   * whole command fails every document.
   */
  async function insertRefused(docs: EventDoc[]): Promise<Map<number, unknown>> {
    try {
      await cols.events.insertMany(docs, { ordered: false });
      return new Map();
    } catch (err) {
      const failures = bulkInsertFailures(err);
      if (failures) return failures;
      if (!isDuplicateKeyError(err)) return new Map(docs.map((_, k) => [k, err]));
      const stored = await cols.events.find({ _id: { $in: docs.map((d) => d._id) } }, { projection: { _id: 1 } }).toArray();
      const ids = new Set(stored.map((d) => d._id.toHexString()));
      return new Map(docs.flatMap((d, k) => (ids.has(d._id.toHexString()) ? [] : [[k, DUPLICATE_KEY] as const])));
    }
  }

  /** After the insert: the retention sweep of every 100th event, then the publish (logged, not thrown, on failure). */
  async function published(event: StoredEvent): Promise<StoredEvent> {
    const { stream } = event;
    if (event.seq % EVENT_RETENTION.sweepEvery === 0) {
      void sweep(stream, event.seq).catch((err: unknown) => log?.warn({ err, stream }, 'event retention sweep failed; the next one retries'));
    }
    await bus.publish({ stream, seq: event.seq, event }).catch((err: unknown) => log?.warn({ err, stream, seq: event.seq }, 'event stored but not published'));
    return event;
  }

  /**
   * One hub per followed stream in this process: one bus subscription, and one store read per note that does not
   * carry its event (Redis) or is not the next one, whatever the number of followers; each event is then handed to
   * every follower. `last` is the last event handed out (at first, the stream's tail read once subscribed), and
   * events are handed out in order, one after another, so a follower that joins gets every event after the hub's
   * `last` of that moment. A hub ends with its last follower (a store reset then starts afresh, as before).
   */
  const hubs = new Map<string, Hub>();

  function openHub(stream: string): Hub {
    const hub: Hub = { stream, followers: new Set(), last: 0, ready: null!, isReady: false, reading: false, notes: [], unsubscribe: null, ended: false };
    hub.ready = (async () => {
      const off = await bus.subscribe(stream, (note) => {
        if (hub.isReady && !hub.reading && hub.notes.length === 0) take(hub, note);
        else hub.notes.push(note);
      });
      if (hub.ended) return void (await off());
      hub.unsubscribe = off;
      hub.last = await lastSeq(stream);
      hub.isReady = true;
      pump(hub);
    })();
    // A hub that could not start is dropped (its followers fail on `ready`): the next follower tries afresh.
    hub.ready.catch(() => endHub(hub));
    return hub;
  }

  function take(hub: Hub, note: EventNote) {
    if (hub.ended || note.seq <= hub.last) return;
    if (note.event && note.seq === hub.last + 1) {
      hub.last = note.seq;
      for (const follower of hub.followers) follower.deliver(note.event);
      return;
    }
    hub.reading = true;
    void readUpTo(hub, note.seq);
  }

  function pump(hub: Hub) {
    while (!hub.reading && !hub.ended && hub.notes.length > 0) take(hub, hub.notes.shift()!);
  }

  /** Reads the store after the hub's last event up to `upTo` and hands each out; a failure ends the hub's followers. */
  async function readUpTo(hub: Hub, upTo: number) {
    try {
      while (hub.last < upTo && !hub.ended) {
        const page = await since(hub.stream, hub.last);
        if (hub.ended) return;
        for (const e of page) {
          hub.last = e.seq;
          for (const follower of hub.followers) follower.deliver(e);
        }
        if (page.length < PAGE) break;
      }
    } catch (err) {
      for (const follower of [...hub.followers]) follower.fail(err);
      endHub(hub);
      return;
    }
    hub.reading = false;
    pump(hub);
  }

  function endHub(hub: Hub) {
    if (hub.ended) return;
    hub.ended = true;
    if (hubs.get(hub.stream) === hub) hubs.delete(hub.stream);
    hub.notes.length = 0;
    void hub.unsubscribe?.().catch(() => undefined);
  }

  const host: FollowerHost = {
    since,
    lastSeq,
    clock,
    leave(hub, follower) {
      hub.followers.delete(follower);
      if (hub.followers.size === 0) endHub(hub);
    },
  };

  return {
    /**
     * Stores the event, then publishes it. A publish that fails is logged, not thrown: the event is stored, and a
     * subscriber reads it from the store on the stream's next event or when it reconnects.
     */
    async append(stream: string, clinicId: ObjectId, kind: string, data: Record<string, unknown>): Promise<StoredEvent> {
      return published(await serially(stream, () => insertNext(stream, clinicId, kind, data)));
    },

    /**
     * Stores the events of one change (in several streams) and publishes each once all are stored, in order. The
     * events of streams whose tail this process knows go in one insert (see `insertBatch`); a stream new to the
     * process reads its tail first, as `append` does. Per stream, events keep the order of this process's appends.
     * Each event stands alone: one that could not be stored is thrown once the others are stored and published.
     */
    async appendMany(entries: readonly AppendEntry[]): Promise<StoredEvent[]> {
      if (entries.length === 0) return [];
      const streams = [...new Set(entries.map((e) => e.stream))];
      const outcomes = await serially(streams, () => insertBatch(entries));
      const events: StoredEvent[] = [];
      for (const o of outcomes) if (!('failed' in o)) events.push(await published(o));
      const failure = outcomes.find((o) => 'failed' in o);
      if (failure && 'failed' in failure) throw failure.failed;
      return events;
    },

    since,
    lastSeq,

    /** Ends every `follow` (at shutdown); appends keep working. */
    close() {
      closed = true;
      for (const hub of [...hubs.values()]) for (const follower of [...hub.followers]) follower.end();
    },

    /**
     * The stream's events after `after` (null: from now on), in order, without gap or repeat, until `signal` aborts
     * or `close()`. The follower joins its stream's hub (one bus subscription per stream in this process, see
     * `Hub`), reads from the store what it missed up to the hub's position, then takes the hub's events, skipping
     * what it already yielded and reading the store whenever an event is not the very next one. `map` turns each
     * event into what is yielded (`undefined`: skip it) as it arrives, so a subscription needs no iterator of its
     * own around this one; it must not throw (a throw ends this follower with that error).
     */
    follow<T = StoredEvent>(stream: string, after: number | null, signal: AbortSignal, map?: (event: StoredEvent) => T | undefined): AsyncIterableIterator<T> {
      if (closed || signal.aborted) {
        const follower = new Follower<T>(host, stream, map ?? null);
        follower.end();
        return follower;
      }
      let hub = hubs.get(stream);
      if (!hub) hubs.set(stream, (hub = openHub(stream)));
      // The hub's name of the stream: one string for all its followers.
      const follower = new Follower<T>(host, hub.stream, map ?? null);
      follower.join(hub, after, signal);
      return follower;
    },
  };
}
export type EventStore = ReturnType<typeof createEventStore>;

/** One event of `appendMany`. */
export interface AppendEntry {
  stream: string;
  clinicId: ObjectId;
  kind: string;
  data: Record<string, unknown>;
}

interface Hub {
  stream: string;
  followers: Set<Follower<unknown>>;
  /** The last event handed to the followers (before any, the stream's tail when the hub subscribed). */
  last: number;
  /** Settles once the bus subscription is in place and the tail read. */
  ready: Promise<void>;
  isReady: boolean;
  /** A store read is under way: notes wait in `notes`, in order. */
  reading: boolean;
  notes: EventNote[];
  unsubscribe: (() => Promise<void>) | null;
  ended: boolean;
}

interface FollowerHost {
  since(stream: string, after: number, limit?: number): Promise<StoredEvent[]>;
  lastSeq(stream: string): Promise<number>;
  clock: Clock;
  leave(hub: Hub, follower: Follower<unknown>): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber of a stream: a hand-written async iterator (no generator, promise chain or abort signal of its
 * own per subscriber), fed by its hub. While it reads the store (catching up when it joins, or over a gap), the
 * hub's events wait in `inbox`; otherwise the next event goes straight to the waiting `next()` or to `ready`.
 */
class Follower<T> implements AsyncIterableIterator<T> {
  private last = 0;
  private ready: T[] | null = null;
  /** Not null while the store is being read: the hub's events wait here. */
  private inbox: StoredEvent[] | null = null;
  private resolve: ((r: IteratorResult<T>) => void) | null = null;
  private reject: ((err: unknown) => void) | null = null;
  private failure: { err: unknown } | null = null;
  private hub: Hub | null = null;
  private signal: AbortSignal | null = null;
  private ended = false;

  private readonly host: FollowerHost;
  private readonly stream: string;
  private readonly map: ((event: StoredEvent) => T | undefined) | null;

  constructor(host: FollowerHost, stream: string, map: ((event: StoredEvent) => T | undefined) | null) {
    this.host = host;
    this.stream = stream;
    this.map = map;
  }

  join(hub: Hub, after: number | null, signal: AbortSignal) {
    this.hub = hub;
    this.signal = signal;
    // The follower itself is the listener (`handleEvent`): no closure per subscriber.
    signal.addEventListener('abort', this);
    hub.followers.add(this as Follower<unknown>);
    if (hub.isReady && after === hub.last) {
      // The usual case (a client following from now): nothing to read, the hub's next event is the next one.
      this.last = after;
      return;
    }
    this.inbox = [];
    void this.start(hub, after);
  }

  private async start(hub: Hub, after: number | null) {
    try {
      await hub.ready;
      let last = after ?? (await this.host.lastSeq(this.stream));
      // An id beyond the hub's position: the hub may not have heard of it yet, or the store was reset.
      if (last > hub.last) {
        const tail = await this.host.lastSeq(this.stream);
        if (last > tail) {
          last = tail;
          this.emit({ stream: this.stream, seq: tail, clinicId: '', kind: RESYNC_KIND, data: {}, at: this.host.clock() });
        }
      }
      this.last = last;
      // Up to the hub's position; what comes after is (or will be) in the inbox.
      await this.read(hub.last);
      await this.drain();
    } catch (err) {
      this.fail(err);
    }
  }

  /** From the hub: the stream's next event (in order; possibly one this follower already has, or after a gap). */
  deliver(e: StoredEvent) {
    if (this.ended) return;
    if (this.inbox) {
      this.inbox.push(e);
      return;
    }
    if (e.seq <= this.last) return;
    if (e.seq === this.last + 1) {
      this.last = e.seq;
      this.emit(e);
      return;
    }
    this.inbox = [e];
    void this.drain().catch((err: unknown) => this.fail(err));
  }

  /** Takes the inbox in order, reading the store over any gap; then events come straight from the hub again. */
  private async drain() {
    const inbox = this.inbox;
    while (inbox && inbox.length > 0 && !this.ended) {
      const e = inbox.shift()!;
      if (e.seq <= this.last) continue;
      if (e.seq === this.last + 1) {
        this.last = e.seq;
        this.emit(e);
      } else {
        await this.read(e.seq);
      }
    }
    this.inbox = null;
  }

  /** The store's events after `last` up to `upTo` (or its end); events swept meanwhile are announced once. */
  private async read(upTo: number) {
    while (this.last < upTo && !this.ended) {
      const page = await this.host.since(this.stream, this.last);
      if (page.length === 0 || this.ended) return;
      if (page[0]!.seq > this.last + 1) this.emit({ stream: this.stream, seq: page[0]!.seq - 1, clinicId: page[0]!.clinicId, kind: RESYNC_KIND, data: {}, at: page[0]!.at });
      for (const e of page) {
        this.last = e.seq;
        this.emit(e);
      }
      if (page.length < PAGE) return;
    }
  }

  private emit(e: StoredEvent) {
    if (this.ended) return;
    let value: T | undefined;
    try {
      value = this.map ? this.map(e) : (e as T);
    } catch (err) {
      return this.fail(err);
    }
    if (value === undefined) return;
    const resolve = this.resolve;
    if (resolve) {
      this.resolve = this.reject = null;
      resolve({ value, done: false });
    } else {
      (this.ready ??= []).push(value);
    }
  }

  /** Ends the follower with an error: what it already has is yielded first, then `next()` rejects. */
  fail(err: unknown) {
    if (this.ended) return;
    const reject = this.reject;
    if (reject) {
      this.resolve = this.reject = null;
      this.end();
      reject(err);
    } else {
      this.failure = { err };
      this.detach();
    }
  }

  /** Stops following: a pending `next()` resolves done, and nothing more is yielded. */
  end() {
    if (this.ended) return;
    this.ended = true;
    this.ready = this.inbox = null;
    this.failure = null;
    this.detach();
    const resolve = this.resolve;
    this.resolve = this.reject = null;
    resolve?.(DONE);
  }

  private detach() {
    this.signal?.removeEventListener('abort', this);
    this.signal = null;
    if (this.hub) this.host.leave(this.hub, this as Follower<unknown>);
    this.hub = null;
  }

  handleEvent() {
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.ready && this.ready.length > 0) return Promise.resolve({ value: this.ready.shift()!, done: false });
    if (this.failure) {
      const { err } = this.failure;
      this.end();
      return Promise.reject(err);
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * `source` with each value passed through `map` (which must not throw), as an iterator of its own: no async
 * generator (its frame, its `for await` and a promise chain per value) per subscriber, one `then` per value.
 * Ending it (`return`) ends `source`.
 */
export function mapFollow<T, U>(source: AsyncIterator<T>, map: (value: T) => U): AsyncIterableIterator<U> {
  const step = (r: IteratorResult<T>): IteratorResult<U> => (r.done ? DONE : { value: map(r.value), done: false });
  return {
    next: () => source.next().then(step),
    return: () => (source.return ? source.return().then(() => DONE) : Promise.resolve(DONE)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
