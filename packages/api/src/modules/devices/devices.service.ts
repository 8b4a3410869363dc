import type { Device, RegisterDevice } from '@clinic/contracts';
import { ObjectId } from '@clinic/db';
import type { Actor } from '../../actor.ts';
import type { ApiDeps, PushMessage, PushResult } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { createDevicesRepository, toDeviceDto } from './devices.repository.ts';

/** Expo keeps receipts about a day; a ticket without one by then will never have one. */
const RECEIPT_LIFETIME_MS = 24 * 60 * 60_000;
/** Expo's limit of receipt ids per request. */
const RECEIPTS_PER_CALL = 300;

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface DevicesUseCases {
  register(actor: Actor, input: RegisterDevice): Promise<Device>;
  remove(actor: Actor, token: string): Promise<{ ok: true }>;
  list(actor: Actor): Promise<{ items: Device[] }>;
}

const gone = (r: PushResult) => r.status === 'error' && r.error === 'DeviceNotRegistered';

export function createDevicesService(deps: ApiDeps) {
  const repo = createDevicesRepository(deps.db.cols);
  const userIdOf = (actor: Actor) => new ObjectId(actor.userId);
  /** Pushes started in the background, so that shutting down (and a test) can wait for them. */
  const inFlight = new Set<Promise<unknown>>();
  return {
    async register(actor: Actor, input: RegisterDevice): Promise<Device> {
      return toDeviceDto(await repo.upsert(userIdOf(actor), input, deps.clock()));
    },

    /** Another user's token answers as an unknown one: whose phone it is stays private. */
    async remove(actor: Actor, token: string): Promise<{ ok: true }> {
      if (!(await repo.remove(userIdOf(actor), token))) throw new AppError('NOT_FOUND', 'No such device of yours.');
      return { ok: true };
    },

    async list(actor: Actor): Promise<{ items: Device[] }> {
      return { items: (await repo.ofUser(userIdOf(actor))).map(toDeviceDto) };
    },

    /**
     * Pushes to every active phone of the user. Never throws: the notification is stored in-app already, and a
     * push that cannot go now is not retried (the app shows the notification centre when opened).
     */
    async pushTo(userId: ObjectId, message: Omit<PushMessage, 'to'>): Promise<number> {
      const push = deps.push;
      if (!push) return 0;
      try {
        const devices = await repo.activeOf(userId);
        if (devices.length === 0) return 0;
        const sentAt = deps.clock();
        const tickets = await push.send(devices.map((d) => ({ ...message, to: d.token })));
        const kept: { receiptId: string; token: string }[] = [];
        for (const [i, ticket] of tickets.entries()) {
          const token = devices[i]!.token;
          if (ticket.status === 'ok' && ticket.receiptId) kept.push({ receiptId: ticket.receiptId, token });
          else if (gone(ticket)) await repo.deactivate(token, sentAt, deps.clock());
        }
        await repo.keepTickets(kept, sentAt);
        return kept.length;
      } catch (err) {
        // Never the token or the text: the user id says whose push failed.
        deps.log?.warn({ err: err instanceof Error ? err.message : String(err), userId: userId.toHexString() }, 'push not sent');
        return 0;
      }
    },

    /** Starts `pushTo` and returns at once: a booking's answer does not wait for Expo. */
    pushSoon(userId: ObjectId, message: Omit<PushMessage, 'to'>): void {
      const run: Promise<unknown> = this.pushTo(userId, message).finally(() => inFlight.delete(run));
      inFlight.add(run);
    },

    /** Resolves when the pushes started in the background have finished. */
    async idle(): Promise<void> {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },

    /**
     * Reads the receipts of the pushes sent (the jobs sweep): a phone the app is gone from (`DeviceNotRegistered`)
     * gets no more pushes until it registers again. Receipts not there yet are asked for again next sweep.
     */
    async readReceipts(): Promise<{ read: number; deactivated: number }> {
      const push = deps.push;
      const report = { read: 0, deactivated: 0 };
      if (!push) return report;
      const tickets = await repo.oldestTickets(RECEIPTS_PER_CALL);
      if (tickets.length === 0) return report;
      const receipts = await push.receipts(tickets.map((t) => t._id));
      const now = deps.clock();
      const done: string[] = [];
      for (const t of tickets) {
        const receipt = receipts[t._id];
        if (!receipt) {
          if (now.getTime() - t.createdAt.getTime() > RECEIPT_LIFETIME_MS) done.push(t._id);
          continue;
        }
        report.read++;
        if (gone(receipt)) {
          await repo.deactivate(t.token, t.createdAt, now);
          report.deactivated++;
        }
        done.push(t._id);
      }
      await repo.dropTickets(done);
      return report;
    },
  };
}
export type DevicesService = ReturnType<typeof createDevicesService>;
