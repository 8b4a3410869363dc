import type { WebhookDelivery } from '@clinic/contracts';
import { ObjectId, insertUnique, type Collections, type WebhookAttemptDoc, type WebhookDeliveryDoc, type WebhookEndpointDoc } from '@clinic/db';
import { inScope, type ClinicScope } from '../../scope.ts';
import type { WebhookEventType } from './webhooks.events.ts';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
}

export const toEndpointDto = (d: WebhookEndpointDoc): WebhookEndpoint => ({
  id: d._id.toHexString(),
  url: d.url,
  description: d.description,
  // Written only from the validated input.
  events: d.events as WebhookEventType[],
  enabled: d.enabled,
  disabledReason: d.disabledReason,
  consecutiveFailures: d.consecutiveFailures,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

const toDeliveryDto = (d: WebhookDeliveryDoc, attempts: WebhookAttemptDoc[]): WebhookDelivery => ({
  id: d._id,
  eventId: d.eventId,
  type: d.type,
  status: d.status,
  attemptCount: d.attemptCount,
  lastStatusCode: d.lastStatusCode,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
  attempts: attempts
    .filter((a): a is WebhookAttemptDoc & { at: Date } => a.deliveryId === d._id && a.at !== null)
    .sort((a, b) => a.n - b.n)
    .map((a) => ({ at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
});

export type EndpointPatch = Partial<Pick<WebhookEndpointDoc, 'url' | 'events' | 'description' | 'enabled' | 'disabledReason' | 'consecutiveFailures' | 'secret'>>;

/**
 * The only code that touches the webhook collections. Endpoints are read and changed through `scope` (another
 * clinic's endpoint is not found); deliveries and attempts are reached through an endpoint already in scope.
 */
export function createWebhooksRepository(cols: Collections, scope: ClinicScope) {
  const endpoints = cols.webhookEndpoints;
  const byId = (id: string | ObjectId) => inScope(scope, { _id: typeof id === 'string' ? new ObjectId(id) : id });
  return {
    async insertEndpoint(doc: WebhookEndpointDoc): Promise<void> {
      await endpoints.insertOne(doc);
    },
    async countEndpoints(clinicId: ObjectId): Promise<number> {
      return endpoints.countDocuments(inScope(scope, { clinicId }));
    },
    async findEndpoint(id: string | ObjectId): Promise<WebhookEndpointDoc | null> {
      return endpoints.findOne(byId(id));
    },
    async listEndpoints(clinicId: ObjectId): Promise<WebhookEndpointDoc[]> {
      return endpoints.find(inScope(scope, { clinicId })).sort({ _id: 1 }).toArray();
    },
    async enabledEndpoints(): Promise<WebhookEndpointDoc[]> {
      return endpoints.find(inScope(scope, { enabled: true })).sort({ _id: 1 }).toArray();
    },
    async updateEndpoint(id: string | ObjectId, patch: EndpointPatch, now: Date): Promise<WebhookEndpointDoc | null> {
      return endpoints.findOneAndUpdate(byId(id), { $set: { ...patch, updatedAt: now } }, { returnDocument: 'after' });
    },
    /** Moves the cursor forward only (a slower sweep of another process cannot move it back). */
    async advanceCursor(id: ObjectId, to: number): Promise<void> {
      await endpoints.updateOne(byId(id), { $max: { cursor: to } });
    },
    /** Counts a failed attempt; the endpoint as it is after it. */
    async countFailure(id: ObjectId, now: Date): Promise<WebhookEndpointDoc | null> {
      return endpoints.findOneAndUpdate(byId(id), { $inc: { consecutiveFailures: 1 }, $set: { updatedAt: now } }, { returnDocument: 'after' });
    },
    async resetFailures(id: ObjectId): Promise<void> {
      await endpoints.updateOne({ ...byId(id), consecutiveFailures: { $ne: 0 } }, { $set: { consecutiveFailures: 0 } });
    },
    /** Disables an enabled endpoint; true for the one caller that did (so the admins are told once). */
    async disable(id: ObjectId, reason: string, now: Date): Promise<boolean> {
      const res = await endpoints.updateOne({ ...byId(id), enabled: true }, { $set: { enabled: false, disabledReason: reason, updatedAt: now } });
      return res.modifiedCount === 1;
    },
    async deleteEndpoint(id: string): Promise<WebhookEndpointDoc | null> {
      const doc = await endpoints.findOneAndDelete(byId(id));
      if (doc) {
        const deliveries = await cols.webhookDeliveries.find({ endpointId: doc._id }, { projection: { _id: 1 } }).toArray();
        await cols.webhookAttempts.deleteMany({ deliveryId: { $in: deliveries.map((d) => d._id) } });
        await cols.webhookDeliveries.deleteMany({ endpointId: doc._id });
      }
      return doc;
    },

    /** Creates the delivery unless it exists: the insert is the claim (false: another sweep created it). */
    async createDelivery(doc: WebhookDeliveryDoc): Promise<boolean> {
      return (await insertUnique(cols.webhookDeliveries, doc)).won;
    },
    async dueDeliveries(endpointId: ObjectId, now: Date, limit: number): Promise<WebhookDeliveryDoc[]> {
      return cols.webhookDeliveries.find({ endpointId, status: 'pending', nextAttemptAt: { $lte: now } }).sort({ nextAttemptAt: 1 }).limit(limit).toArray();
    },
    async findDelivery(id: string): Promise<WebhookDeliveryDoc | null> {
      return cols.webhookDeliveries.findOne({ _id: id });
    },
    /**
     * Claims the delivery's next attempt for this caller: of sweeps running side by side, one sends it. The key names
     * the due time the caller read, and the winner moves that time past the attempt's timeout (a lease): a process
     * that stops mid-attempt leaves a claim that blocks nothing, as the next sweep reads the new due time.
     */
    async claimAttempt(delivery: WebhookDeliveryDoc, leaseUntil: Date | null): Promise<string | null> {
      const n = delivery.attemptCount + 1;
      const key = `${delivery._id}|${n}|${delivery.nextAttemptAt?.getTime() ?? 0}`;
      if (!(await insertUnique(cols.webhookAttempts, { _id: key, deliveryId: delivery._id, n, at: null, statusCode: null, error: null, durationMs: 0 })).won) return null;
      await cols.webhookDeliveries.updateOne({ _id: delivery._id, attemptCount: n - 1 }, { $set: { nextAttemptAt: leaseUntil } });
      return key;
    },
    async recordAttempt(key: string, delivery: WebhookDeliveryDoc, attempt: Omit<WebhookAttemptDoc, '_id' | 'deliveryId' | 'n'>, set: Partial<WebhookDeliveryDoc>): Promise<void> {
      const n = delivery.attemptCount + 1;
      await cols.webhookAttempts.updateOne({ _id: key }, { $set: attempt });
      await cols.webhookDeliveries.updateOne({ _id: delivery._id, attemptCount: n - 1 }, { $set: { ...set, attemptCount: n } });
    },

    /** Every endpoint in scope, enabled or not (the pruning walks each one's deliveries). */
    async allEndpointIds(): Promise<ObjectId[]> {
      return (await endpoints.find(inScope(scope, {}), { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    },
    /**
     * Deletes up to `limit` of the endpoint's settled deliveries (succeeded or failed) made before `before`, their
     * attempts first (so a run cut short leaves no attempt without its delivery); the number deleted. Three round
     * trips: the ids (led by the endpoint's equality on `endpoint_sortKey`, whose ObjectId carries the creation time;
     * FerretDB pushes the equality down and filters the rest in Go over that endpoint's deliveries only), then the
     * attempts by `deliveryId $in` (MongoDB: the `deliveryId` index; FerretDB: one pass over `webhook_attempts` in
     * Go) and the deliveries by `_id $in`. A deleted delivery is never made again: its endpoint's cursor is past it.
     */
    async pruneDeliveries(endpointId: ObjectId, before: Date, limit: number): Promise<number> {
      const old = await cols.webhookDeliveries
        .find({ endpointId, sortKey: { $lt: ObjectId.createFromTime(Math.floor(before.getTime() / 1000)) }, status: { $in: ['succeeded', 'failed'] } }, { projection: { _id: 1 } })
        .sort({ sortKey: 1 })
        .limit(limit)
        .toArray();
      if (old.length === 0) return 0;
      const ids = old.map((d) => d._id);
      await cols.webhookAttempts.deleteMany({ deliveryId: { $in: ids } });
      return (await cols.webhookDeliveries.deleteMany({ _id: { $in: ids } })).deletedCount;
    },

    async deliveryDto(id: string): Promise<WebhookDelivery | null> {
      const doc = await cols.webhookDeliveries.findOne({ _id: id });
      return doc && toDeliveryDto(doc, await cols.webhookAttempts.find({ deliveryId: id }).toArray());
    },

    /** A page of an endpoint's deliveries, newest first, each with its attempts (one query for the page's attempts). */
    async deliveryPage(endpointId: ObjectId, before: string | undefined, limit: number): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
      const filter = before ? { endpointId, sortKey: { $lt: new ObjectId(before) } } : { endpointId };
      const docs = await cols.webhookDeliveries.find(filter).sort({ sortKey: -1 }).limit(limit + 1).toArray();
      const page = docs.slice(0, limit);
      const attempts = page.length ? await cols.webhookAttempts.find({ deliveryId: { $in: page.map((d) => d._id) } }).toArray() : [];
      const last = page.at(-1);
      return { items: page.map((d) => toDeliveryDto(d, attempts)), nextCursor: docs.length > limit && last ? last.sortKey.toHexString() : null };
    },
  };
}
export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
