import type { ObjectId } from '@clinic/db';
import type { ApiDeps, Notification, Notifier } from '../../deps.ts';
import { createNotificationsRepository } from './notifications.repository.ts';

export type SendOutcome = 'sent' | 'no_channel' | 'skipped' | 'duplicate' | 'failed';

export function createNotificationsService(deps: ApiDeps, notifier: Notifier) {
  const repo = createNotificationsRepository(deps.db.cols);
  return {
    /**
     * Sends the message named `key` at most once, whatever the number of processes or retries.
     * `build` runs after the claim, so it sees the latest data and may decline (null → skipped).
     */
    async sendOnce(key: string, about: { kind: Notification['kind']; patientId: ObjectId; appointmentId: ObjectId | null }, build: () => Promise<Notification | null>): Promise<SendOutcome> {
      const now = deps.clock();
      if (!(await repo.claim({ _id: key, ...about, createdAt: now }))) return 'duplicate';
      const message = await build();
      if (!message) {
        await repo.finish(key, 'skipped', now);
        return 'skipped';
      }
      try {
        const outcome = await notifier.notify(message);
        await repo.finish(key, outcome, deps.clock());
        return outcome;
      } catch {
        await repo.release(key);
        return 'failed';
      }
    },
  };
}
export type NotificationsService = ReturnType<typeof createNotificationsService>;
