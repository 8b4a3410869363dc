import type { ChannelChoice } from '@clinic/contracts';
import type { NotificationDoc, OutsideChannel } from '@clinic/db';
import type { ApiDeps, MailAttachment, Notifier } from '../../deps.ts';
import type { NotificationsRepository } from './notifications.repository.ts';

/** How the outbox retries (see "Notifications" in docs/ARCHITECTURE.md). */
export const OUTBOX = {
  /** The first retry after a failure; each further failure on the same channel doubles it, up to `maxDelayMs`. */
  firstRetryMs: 60_000,
  maxDelayMs: 60 * 60_000,
  /** No attempt is planned later than this after the notification was stored: it is `failed` instead. */
  giveUpAfterMs: 24 * 60 * 60_000,
  /** Failures in a row on one channel before the next channel is tried (a channel that refuses for good: at once). */
  failuresPerChannel: 3,
  /** An attempt claimed this long ago whose outcome was never written: its process stopped mid-send. */
  leaseMs: 10 * 60_000,
  batch: 50,
  maxBatches: 20,
} as const;

/**
 * Attempt claims are kept this long (every notification is settled within a day of storing, so none is needed
 * again), then deleted by the sweep, `batch` at a time, at most every `everyMs` per process unless a batch came back full.
 */
export const OUTBOX_RETENTION = { days: 30, batch: 500, everyMs: 10 * 60_000 } as const;

/** `retrying`: this call's attempts failed and a retry is planned; `queued`: another process holds the attempt due. */
export type OutboxOutcome = 'sent' | 'no_channel' | 'retrying' | 'queued' | 'skipped' | 'failed';

/** What a failure is recorded as: its name and codes, never its message (which may quote an address or the text). */
export function errorCode(err: unknown): string {
  if (!err || typeof err !== 'object') return 'error';
  const e = err as { name?: unknown; code?: unknown; status?: unknown; responseCode?: unknown };
  const parts = [
    typeof e.name === 'string' && e.name !== 'Error' ? e.name.slice(0, 40) : null,
    typeof e.code === 'string' || typeof e.code === 'number' ? `code ${String(e.code).slice(0, 40)}` : null,
    typeof e.status === 'number' ? `status ${e.status}` : null,
    typeof e.responseCode === 'number' ? `smtp ${e.responseCode}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(', ') : 'error';
}

/** Twilio's 4xx (other than 408 and 429) and SMTP's 5xx refuse this message on that channel for good; all else is retried. */
export function refusesForGood(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { status, responseCode } = err as { status?: unknown; responseCode?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) return status !== 408 && status !== 429;
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}

/** The notifier's channels, in its order, that the recipient allows for this kind. */
export const channelsFor = (notifier: Notifier, choice: ChannelChoice): OutsideChannel[] => notifier.channels.filter((c) => choice[c]);

const only = (c: OutsideChannel) => ({ email: c === 'email', whatsapp: c === 'whatsapp', sms: c === 'sms' });

export const backoffMs = (failures: number) => Math.min(OUTBOX.firstRetryMs * 2 ** Math.max(0, failures - 1), OUTBOX.maxDelayMs);

type Step = Partial<NotificationDoc>;

/** Where the retry deadline counts from: storing, or staff sending it back to the queue. */
const since = (entry: NotificationDoc) => (entry.retriedAt ?? entry.createdAt).getTime();

/** Every channel was tried and one failed: the list again from its first channel after a backoff, until the deadline. */
function nextRound(entry: NotificationDoc, error: string | null, at: Date): Step {
  const round = (entry.round ?? 0) + 1;
  const retryAt = new Date(at.getTime() + backoffMs(round));
  if (retryAt.getTime() - since(entry) > OUTBOX.giveUpAfterMs) return { status: 'failed', nextAttemptAt: null, lastError: error };
  return { round, roundFailed: false, channel: 0, channelFailures: 0, nextAttemptAt: retryAt, lastError: error };
}

/** What follows an attempt on the entry's current channel. */
export function nextStep(entry: NotificationDoc, outcome: 'sent' | 'no_channel' | 'failed', error: string | null, forGood: boolean, at: Date): Step {
  const channels = entry.channels ?? [];
  const index = entry.channel ?? 0;
  const hasNext = index + 1 < channels.length;
  const toNext: Step = { channel: index + 1, channelFailures: 0, nextAttemptAt: at };
  if (outcome === 'sent') return { status: 'sent', sentVia: channels[index] ?? null, nextAttemptAt: null };
  if (outcome === 'no_channel') {
    if (hasNext) return toNext;
    // Nothing further could carry it: if a channel failed on the way (this round), that one is tried again later.
    return entry.roundFailed ? nextRound(entry, entry.lastError ?? null, at) : { status: 'no_channel', nextAttemptAt: null };
  }
  const failures = (entry.channelFailures ?? 0) + 1;
  if (forGood || failures >= OUTBOX.failuresPerChannel) return hasNext ? { ...toNext, lastError: error, roundFailed: true } : nextRound(entry, error, at);
  const retryAt = new Date(at.getTime() + backoffMs(failures));
  if (retryAt.getTime() - since(entry) > OUTBOX.giveUpAfterMs) return { status: 'failed', nextAttemptAt: null, lastError: error, channelFailures: failures };
  return { channelFailures: failures, nextAttemptAt: retryAt, lastError: error, roundFailed: true };
}

/**
 * The outbox: each stored notification is sent one channel at a time, every attempt claimed first by inserting
 * `<key>|<n>` into `notification_attempts` (unique on every engine, so two processes sweeping never send one
 * attempt twice), its outcome written into the entry by the claim's holder.
 */
export function createOutbox(
  deps: Pick<ApiDeps, 'clock' | 'log'>,
  notifier: Notifier,
  repo: NotificationsRepository,
  /** false: what the entry is about has changed (a cancelled or moved appointment), so a retry would mislead. */
  stillCurrent: (entry: NotificationDoc) => Promise<boolean>,
  /**
   * The files an email attempt carries (a payment's receipt PDF), rendered for each attempt from what the entry
   * names rather than stored in it: an entry stays a small document, and a retry renders the receipt again. A
   * rendering that throws is that attempt failing (retried like a send).
   */
  attachmentsFor: (entry: NotificationDoc) => Promise<MailAttachment[]> = async () => [],
) {
  /** Attempt `n` was claimed by a process that never wrote its outcome: counted as failed once its lease is over. */
  async function recoverInterrupted(key: string, n: number, now: Date): Promise<void> {
    const attempt = await repo.attempt(`${key}|${n}`);
    if (!attempt || now.getTime() - attempt.startedAt.getTime() < OUTBOX.leaseMs) return;
    const fresh = await repo.byKey(key);
    if (!fresh || fresh.status !== 'queued' || (fresh.attempts ?? 0) !== n) return;
    // Whether it went out is unknown: retried rather than lost.
    const step = nextStep(fresh, 'failed', 'interrupted', false, now);
    await repo.advance(key, n, { ...step, attempts: n + 1, updatedAt: now }, { n, channel: attempt.channel, at: now, outcome: 'failed', error: 'interrupted' });
  }

  /**
   * Attempts the entry's current channel, then, where that says so, the next ones at once; stops at a planned retry.
   * `inline`: right after storing (the caller built the message a moment ago, no need to check it is still current).
   */
  async function run(start: NotificationDoc, inline: boolean): Promise<OutboxOutcome> {
    let entry = start;
    const key = entry._id;
    if (!inline && !(await stillCurrent(entry))) {
      const now = deps.clock();
      const n = entry.attempts ?? 0;
      await repo.advance(key, n, { status: 'skipped', nextAttemptAt: null, updatedAt: now }, null);
      return 'skipped';
    }
    // Each pass either stops or moves to the next channel, so this ends within the channel count.
    for (;;) {
      const now = deps.clock();
      const n = entry.attempts ?? 0;
      const channel = entry.channels?.[entry.channel ?? 0];
      if (!channel || !entry.message) {
        await repo.advance(key, n, { status: 'failed', nextAttemptAt: null, lastError: 'nothing to send', updatedAt: now }, null);
        return 'failed';
      }
      if (!(await repo.claimAttempt({ _id: `${key}|${n}`, key, n, channel, startedAt: now }))) {
        await recoverInterrupted(key, n, now);
        return 'queued';
      }
      let outcome: 'sent' | 'no_channel' | 'failed';
      let error: string | null = null;
      let forGood = false;
      try {
        const attachments = channel === 'email' ? await attachmentsFor(entry) : [];
        outcome = await notifier.notify({ kind: entry.kind, ...entry.message, channels: only(channel), ...(attachments.length > 0 ? { attachments } : {}) });
      } catch (err) {
        outcome = 'failed';
        error = errorCode(err);
        forGood = refusesForGood(err);
        deps.log?.warn({ kind: entry.kind, channel, attempt: n, error }, 'notification attempt failed');
      }
      const at = deps.clock();
      const step = nextStep(entry, outcome, error, forGood, at);
      if (!(await repo.advance(key, n, { ...step, attempts: n + 1, updatedAt: at }, { n, channel, at, outcome, error }))) return 'queued';
      entry = { ...entry, ...step, attempts: n + 1 };
      if (entry.status !== 'queued') return entry.status as OutboxOutcome;
      if (entry.nextAttemptAt && entry.nextAttemptAt > at) return 'retrying';
    }
  }

  /** When this process last pruned attempt claims (clock time), and whether that run left more behind. */
  let prunedAt = -Infinity;
  let pruneMore = false;
  async function prune(): Promise<number> {
    const now = deps.clock().getTime();
    if (!pruneMore && now - prunedAt < OUTBOX_RETENTION.everyMs) return 0;
    prunedAt = now;
    try {
      const n = await repo.pruneAttempts(new Date(now - OUTBOX_RETENTION.days * 86_400_000), OUTBOX_RETENTION.batch);
      pruneMore = n >= OUTBOX_RETENTION.batch;
      return n;
    } catch (err) {
      deps.log?.warn({ error: errorCode(err) }, 'notification attempts not pruned; next sweep');
      return 0;
    }
  }

  return {
    run,

    /** Retries what is due, in every process (the attempt claims keep each send single). Never throws for one entry. */
    async sweep(): Promise<{ notificationsSent: number; notificationsRetrying: number; notificationsFailed: number; notificationAttemptsPruned: number }> {
      const report = { notificationsSent: 0, notificationsRetrying: 0, notificationsFailed: 0, notificationAttemptsPruned: 0 };
      const seen = new Set<string>();
      for (let i = 0; i < OUTBOX.maxBatches; i++) {
        const due = await repo.due(deps.clock(), OUTBOX.batch);
        const fresh = due.filter((e) => !seen.has(e._id));
        for (const entry of fresh) {
          seen.add(entry._id);
          try {
            const outcome = await run(entry, false);
            if (outcome === 'sent') report.notificationsSent++;
            else if (outcome === 'retrying') report.notificationsRetrying++;
            else if (outcome === 'failed') report.notificationsFailed++;
          } catch (err) {
            deps.log?.warn({ kind: entry.kind, error: errorCode(err) }, 'notification not retried; next sweep');
          }
        }
        if (fresh.length === 0 || due.length < OUTBOX.batch) break;
      }
      report.notificationAttemptsPruned = await prune();
      return report;
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
