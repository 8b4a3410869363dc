import { ObjectId, insertUnique, type Collections, type EventDoc } from '@clinic/db';
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
  /** Ends every follower when the server shuts down, so open streams do not hold its close. */
  const shutdown = new AbortController();
  function serially<T>(stream: string, work: () => Promise<T>): Promise<T> {
    const run = (tails.get(stream) ?? Promise.resolve()).catch(() => undefined).then(work);
    tails.set(stream, run);
    void run.finally(() => {
      if (tails.get(stream) === run) tails.delete(stream);
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
        // Bounded, least recently written first out: a long-running process writes to many streams (one per
        // physician, one per user).
        tailOf.delete(stream);
        if (tailOf.size >= TAILS_KEPT) tailOf.delete(tailOf.keys().next().value!);
        tailOf.set(stream, seq);
        return toStored(doc);
      }
      tailOf.delete(stream);
    }
    throw new Error(`no sequence number for an event of ${stream} after ${MAX_ATTEMPTS} attempts`);
  }

  return {
    /**
     * Stores the event, then publishes it. A publish that fails is logged, not thrown: the event is stored, and a
     * subscriber reads it from the store on the stream's next event or when it reconnects.
     */
    async append(stream: string, clinicId: ObjectId, kind: string, data: Record<string, unknown>): Promise<StoredEvent> {
      const event = await serially(stream, () => insertNext(stream, clinicId, kind, data));
      if (event.seq % EVENT_RETENTION.sweepEvery === 0) {
        void sweep(stream, event.seq).catch((err: unknown) => log?.warn({ err, stream }, 'event retention sweep failed; the next one retries'));
      }
      await bus.publish({ stream, seq: event.seq, event }).catch((err: unknown) => log?.warn({ err, stream, seq: event.seq }, 'event stored but not published'));
      return event;
    },

    since,
    lastSeq,

    /** Ends every `follow` (at shutdown); appends keep working. */
    close() {
      shutdown.abort();
    },

    /**
     * The stream's events after `after` (null: from now on), in order, without gap or repeat: subscribes to the
     * bus first, then reads what the store holds after `after`, then follows the bus, skipping what was already
     * yielded and reading the store whenever a note is not the very next event. Ends when `signal` aborts.
     */
    async *follow(stream: string, after: number | null, signal: AbortSignal): AsyncGenerator<StoredEvent> {
      const pending: EventNote[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = await bus.subscribe(stream, (note) => {
        pending.push(note);
        wake?.();
      });
      const stop = AbortSignal.any([signal, shutdown.signal]);
      const onAbort = () => wake?.();
      stop.addEventListener('abort', onAbort);
      try {
        const tail = await lastSeq(stream);
        let last = after ?? tail;
        // An id beyond the stream's end (a store that was reset): start again from what is there.
        if (last > tail) {
          last = tail;
          yield { stream, seq: tail, clinicId: '', kind: RESYNC_KIND, data: {}, at: clock() };
        }
        async function* catchUp(upTo: number): AsyncGenerator<StoredEvent> {
          while (last < upTo) {
            const page = await since(stream, last);
            if (page.length === 0) return;
            // The events after `last` were swept: say so once, then carry on from what is kept.
            if (page[0]!.seq > last + 1) yield { stream, seq: page[0]!.seq - 1, clinicId: page[0]!.clinicId, kind: RESYNC_KIND, data: {}, at: page[0]!.at };
            for (const e of page) {
              last = e.seq;
              yield e;
            }
            if (page.length < PAGE) return;
          }
        }
        if (after !== null) yield* catchUp(Number.MAX_SAFE_INTEGER);
        while (!stop.aborted) {
          if (pending.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
            continue;
          }
          for (const note of pending.splice(0)) {
            if (stop.aborted) return;
            if (note.seq <= last) continue;
            if (note.seq === last + 1 && note.event) {
              last = note.seq;
              yield note.event;
            } else {
              yield* catchUp(note.seq);
            }
          }
        }
      } finally {
        stop.removeEventListener('abort', onAbort);
        await unsubscribe();
      }
    },
  };
}
export type EventStore = ReturnType<typeof createEventStore>;
