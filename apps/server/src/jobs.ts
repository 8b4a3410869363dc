import type { Logger } from 'pino';
import type { Services } from '@clinic/api';

export interface JobRunner {
  /** Waits for a sweep in progress, then stops. */
  stop(): Promise<void>;
}

/**
 * Sweeps due appointment work every `intervalMs`. State lives in the database, so any number of
 * processes may run this side by side and a restart picks up whatever fell due meanwhile.
 */
export function startJobRunner(services: Services, opts: { intervalMs: number; log: Logger }): JobRunner {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = () => {
    current = services.jobs
      .runDue()
      .then((report) => {
        if (Object.values(report).some((n) => n > 0)) opts.log.info({ jobs: report }, 'appointment jobs ran');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'appointment jobs failed; retrying next tick'))
      // Expo's receipts say which phones the app is gone from; those get no more pushes.
      .then(() => services.devices.readReceipts())
      .then((receipts) => {
        if (receipts.deactivated > 0) opts.log.info({ push: receipts }, 'push receipts read');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'push receipts not read; retrying next tick'))
      // Webhook deliveries after the appointment work, in the same tick, so one sweep of each runs at a time.
      .then(() => services.webhooks.runDue())
      .then((report) => {
        if (Object.values(report).some((n) => n > 0)) opts.log.info({ webhooks: report }, 'webhook deliveries ran');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'webhook deliveries failed; retrying next tick'))
      // Settled deliveries older than 30 days, with their attempts, a bounded batch per endpoint (at most every 10 min).
      .then(() => services.webhooks.prune())
      .then((report) => {
        if (report.deliveriesPruned > 0) opts.log.info({ webhooks: report }, 'old webhook deliveries pruned');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'webhook pruning failed; retrying later'))
      // Offline chat notices: messages unread for 2 minutes (packages/api/src/modules/chat/chat.service.ts).
      .then(() => services.chat.sweepUnread())
      .then((report) => {
        if (report && (report.chatNoticesSent > 0 || report.chatNoticesFailed > 0)) opts.log.info({ jobs: report }, 'chat notices ran');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'chat notices failed; retrying next tick'))
      // The notification outbox: attempts that failed and are due again (packages/api/src/modules/notifications).
      .then(() => services.notifications.sweepOutbox())
      .then((report) => {
        if (Object.values(report).some((n) => n > 0)) opts.log.info({ outbox: report }, 'notification retries ran');
      })
      .catch((err: unknown) => opts.log.error({ err }, 'notification retries failed; retrying next tick'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs);
      });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
