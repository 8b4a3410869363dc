import type { Actor } from '../../actor.ts';
import type { Clock } from '../../clock.ts';
import type { BackgroundLog } from '../../deps.ts';
import type { EventBus } from '../../events/bus.ts';

/** A user's sessions changed (logout, password reset or change, a reused refresh token): their streams recheck. */
export const sessionsStream = (userId: string) => `user:${userId}:sessions`;
/** A clinic's standing changed (suspended): its people's streams recheck. */
export const clinicStandingStream = (clinicId: string) => `clinic:${clinicId}:standing`;

/** How often open streams are checked against their token's expiry (no database: a clock comparison). */
export const EXPIRY_CHECK_MS = 1_000;

export type WatchEnd = 'expired' | 'revoked';

interface Watch {
  actor: Actor;
  expiresAt: number | null;
  end: (reason: WatchEnd) => void;
  /** The shared entries of its streams (not names of its own: 10,000 sockets of one clinic share one string). */
  entries: StreamEntry[];
}

interface StreamEntry {
  stream: string;
  watches: Set<Watch>;
  unsubscribe: Promise<() => Promise<void>>;
}

/**
 * Ends long-lived streams (WebSockets, server-sent events) whose sign-in ended after they opened: a token is
 * checked once, at connect, so without this a socket would outlive a logout, a password reset or a suspension.
 * Revocations arrive as bus notes (every process hears them with Redis) and each affected stream rechecks its
 * session with one read; expiry is a clock comparison once a second. Streams of one user share one subscription.
 */
export function createSessionWatch(opts: { bus: EventBus; clock: Clock; stillSignedIn: (actor: Actor) => Promise<boolean>; log?: BackgroundLog | undefined }) {
  const watches = new Set<Watch>();
  const byStream = new Map<string, StreamEntry>();
  let timer: ReturnType<typeof setInterval> | null = null;

  /** Stops watching `w`; with a reason, its stream is told to end. */
  function finish(w: Watch, reason: WatchEnd | null) {
    if (!watches.delete(w)) return;
    for (const entry of w.entries) {
      entry.watches.delete(w);
      if (entry.watches.size === 0 && byStream.get(entry.stream) === entry) {
        byStream.delete(entry.stream);
        void entry.unsubscribe.then((off) => off()).catch(() => undefined);
      }
    }
    if (watches.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
    if (reason) w.end(reason);
  }

  function checkExpiry() {
    const now = opts.clock().getTime();
    for (const w of watches) if (w.expiresAt !== null && now >= w.expiresAt) finish(w, 'expired');
  }

  async function recheck(stream: string) {
    const entry = byStream.get(stream);
    for (const w of [...(entry?.watches ?? [])]) {
      const ok = await opts.stillSignedIn(w.actor).catch((err: unknown) => {
        opts.log?.warn({ err }, 'could not recheck the session of a stream; it stays open until its token expires');
        return true;
      });
      if (!ok) finish(w, 'revoked');
    }
  }

  return {
    /**
     * Calls `end` once when the actor's token expires or its session or clinic standing is revoked; the returned
     * function stops watching (the stream closed on its own).
     */
    watch(actor: Actor, end: (reason: WatchEnd) => void): () => void {
      const w: Watch = { actor, expiresAt: actor.expiresAt ? actor.expiresAt.getTime() : null, end, entries: [] };
      watches.add(w);
      for (const stream of actor.clinicId ? [sessionsStream(actor.userId), clinicStandingStream(actor.clinicId)] : [sessionsStream(actor.userId)]) {
        let entry = byStream.get(stream);
        if (!entry) {
          entry = { stream, watches: new Set(), unsubscribe: opts.bus.subscribe(stream, () => void recheck(stream)) };
          byStream.set(stream, entry);
        }
        entry.watches.add(w);
        w.entries.push(entry);
      }
      if (!timer) {
        timer = setInterval(checkExpiry, EXPIRY_CHECK_MS);
        timer.unref();
      }
      return () => finish(w, null);
    },

    /** Tells every process that this user's sessions changed. */
    async sessionsChanged(userId: string): Promise<void> {
      await opts.bus.publish({ stream: sessionsStream(userId), seq: Date.now() }).catch((err: unknown) => opts.log?.warn({ err }, 'could not announce a session change'));
    },

    /** Tells every process that this clinic's standing changed. */
    async clinicChanged(clinicId: string): Promise<void> {
      await opts.bus.publish({ stream: clinicStandingStream(clinicId), seq: Date.now() }).catch((err: unknown) => opts.log?.warn({ err }, 'could not announce a clinic change'));
    },

    /** Open watches (for tests and shutdown). */
    get size() {
      return watches.size;
    },
  };
}
export type SessionWatch = ReturnType<typeof createSessionWatch>;
