import { randomBytes } from 'node:crypto';
import { WEBHOOK_MAX_ENDPOINTS_PER_CLINIC, type WebhookDelivery } from '@clinic/contracts';
import { ObjectId, type WebhookDeliveryDoc, type WebhookEndpointDoc } from '@clinic/db';
import type { Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { EventStore } from '../../events/event-store.ts';
import { ANY_CLINIC, scopeOf } from '../../scope.ts';
import { createPiiCipher } from '../../security/pii.ts';
import { clinicAgendaStream, type AgendaEventData } from '../agenda/agenda.events.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { postSigned } from './webhooks.delivery.ts';
import { eventIdOf, typeOfKind, type WebhookEventType } from './webhooks.events.ts';
import { createWebhooksRepository, toEndpointDto, type EndpointPatch, type WebhookEndpoint } from './webhooks.repository.ts';
import { urlRefusal, type UrlPolicy } from './webhooks.url.ts';
import { letterFor } from '../notifications/notifications.messages.ts';

/** Retries: 1 min, 2, 4 … doubling, at most 1 h apart, for 24 h after the event; then the delivery has failed. */
export const WEBHOOK_RETRY = { firstMs: 60_000, maxMs: 3_600_000, giveUpAfterMs: 24 * 3_600_000, disableAfterFailures: 20 } as const;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Events read per endpoint and deliveries attempted per endpoint in one sweep; the rest is due next tick. */
const BATCH = 100;

/**
 * Settled deliveries (and their attempts) are kept this long, then deleted by the jobs sweep (`prune`), at most
 * `batch` per endpoint per run; a run comes every `everyMs`, or at the next tick while a batch came back full.
 */
export const WEBHOOK_RETENTION = { days: 30, batch: 200, everyMs: 10 * 60_000 } as const;

export const backoffMs = (attempt: number) => Math.min(WEBHOOK_RETRY.firstMs * 2 ** Math.min(attempt - 1, 30), WEBHOOK_RETRY.maxMs);

export interface WebhookInput {
  url: string;
  events: WebhookEventType[];
  description: string;
}
export type WebhookPatch = Partial<WebhookInput> & { enabled?: boolean | undefined };

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface WebhooksUseCases {
  create(actor: Actor, input: WebhookInput): Promise<WebhookEndpoint & { secret: string }>;
  list(actor: Actor): Promise<{ items: WebhookEndpoint[] }>;
  get(actor: Actor, id: string): Promise<WebhookEndpoint>;
  update(actor: Actor, id: string, patch: WebhookPatch): Promise<WebhookEndpoint>;
  remove(actor: Actor, id: string): Promise<{ ok: true }>;
  rotateSecret(actor: Actor, id: string): Promise<WebhookEndpoint & { secret: string }>;
  deliveries(actor: Actor, input: { id: string; cursor?: string | undefined; limit: number }): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }>;
  sendTest(actor: Actor, id: string): Promise<WebhookDelivery>;
}

export interface WebhookSweepReport {
  created: number;
  succeeded: number;
  failed: number;
  disabled: number;
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/**
 * Clinic admins' webhook endpoints, and the sweep that delivers their clinic's agenda events to them. Deliveries
 * are read off the event store (each endpoint keeps its position in its clinic's agenda stream), so events stored
 * while no sweep ran, or by another process, are delivered all the same. Every process sweeps: a delivery and each
 * of its attempts are claimed by unique keys, so none is created or sent twice.
 */
/** `users`: who hears that an endpoint was disabled (the clinic's admins). */
export function createWebhooksService(deps: ApiDeps, clinic: ClinicService, events: EventStore, users: Pick<UsersService, 'adminEmails'>) {
  const policy: UrlPolicy & { timeoutMs: number } = { allowLoopback: deps.webhooks?.allowLoopback ?? false, timeoutMs: deps.webhooks?.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const system = createWebhooksRepository(deps.db.cols, ANY_CLINIC);
  // A copy of the database alone cannot sign deliveries: secrets are sealed with the PII key, bound to their endpoint.
  const cipher = createPiiCipher(deps.insurance.encryptionKey);
  const seal = (secret: string, endpointId: ObjectId) => cipher.encrypt(secret, `webhook:${endpointId.toHexString()}`);
  const secretOf = (endpoint: WebhookEndpointDoc) => cipher.decrypt(endpoint.secret, `webhook:${endpoint._id.toHexString()}`);
  const scoped = async (actor: Actor) => {
    const scope = await scopeOf(actor, clinic.current);
    if (scope.kind !== 'clinic') throw new AppError('FORBIDDEN', 'Only clinic admins manage webhooks.');
    return { repo: createWebhooksRepository(deps.db.cols, scope), clinicId: scope.clinicId };
  };
  const notFound = () => new AppError('NOT_FOUND', 'No such webhook endpoint.');
  async function ownEndpoint(actor: Actor, id: string) {
    const { repo, clinicId } = await scoped(actor);
    const doc = await repo.findEndpoint(id);
    if (!doc) throw notFound();
    return { repo, clinicId, doc };
  }
  async function checkUrl(url: string) {
    const refusal = await urlRefusal(url, policy);
    if (refusal) throw new AppError('VALIDATION_FAILED', `url ${refusal}.`, { fieldErrors: { url: [refusal] } });
  }

  async function disable(endpoint: WebhookEndpointDoc, report: WebhookSweepReport) {
    const reason = `${WEBHOOK_RETRY.disableAfterFailures} delivery attempts failed in a row`;
    if (!(await system.disable(endpoint._id, reason, deps.clock()))) return;
    report.disabled++;
    const of = await clinic.infoFor(endpoint.clinicId);
    for (const { email: to, locale } of await users.adminEmails(endpoint.clinicId)) {
      const letter = letterFor('webhook_disabled', { recipientName: '', clinicName: locale === 'ar' && of.nameAr ? of.nameAr : of.name, url: endpoint.url, failures: WEBHOOK_RETRY.disableAfterFailures }, locale);
      await deps.mailer
        .send({ to, subject: letter.subject, text: letter.text, html: letter.html })
        .catch((err: unknown) => deps.log?.warn({ err, endpointId: endpoint._id.toHexString() }, 'webhook disabled, but an admin could not be emailed'));
    }
  }

  /**
   * Sends the delivery's next attempt, if this caller wins its claim, and records the outcome. Returns the outcome,
   * or null when another process has the attempt.
   */
  async function attempt(endpoint: WebhookEndpointDoc, delivery: WebhookDeliveryDoc, report: WebhookSweepReport): Promise<'succeeded' | 'failed' | null> {
    const n = delivery.attemptCount + 1;
    const now = deps.clock();
    const key = await system.claimAttempt(delivery, new Date(now.getTime() + 2 * policy.timeoutMs + 60_000));
    if (!key) return null;
    const result = await postSigned(endpoint.url, delivery.body, { secret: secretOf(endpoint), eventId: delivery.eventId, type: delivery.type, now }, policy);
    const ok = result.error === null;
    const next = new Date(deps.clock().getTime() + backoffMs(n));
    const retry = !ok && !delivery.once && next.getTime() - delivery.createdAt.getTime() <= WEBHOOK_RETRY.giveUpAfterMs;
    await system.recordAttempt(
      key,
      delivery,
      { at: now, ...result },
      { status: ok ? 'succeeded' : retry ? 'pending' : 'failed', lastStatusCode: result.statusCode, nextAttemptAt: retry ? next : null },
    );
    if (ok) {
      report.succeeded++;
      await system.resetFailures(endpoint._id);
      return 'succeeded';
    }
    report.failed++;
    const after = await system.countFailure(endpoint._id, deps.clock());
    if (after && after.enabled && after.consecutiveFailures >= WEBHOOK_RETRY.disableAfterFailures) await disable(after, report);
    return 'failed';
  }

  /** New deliveries for the endpoint's events after its cursor (of the types it asked for). */
  async function createDeliveries(endpoint: WebhookEndpointDoc, report: WebhookSweepReport) {
    const clinicId = endpoint.clinicId.toHexString();
    const page = await events.since(clinicAgendaStream(endpoint.clinicId), endpoint.cursor, BATCH);
    for (const e of page) {
      const type = typeOfKind(e.kind);
      // A stream holds one clinic's events; checked again, as the agenda does, so no fault can leak another's.
      if (e.clinicId !== clinicId || !type || !endpoint.events.includes(type)) continue;
      const data = e.data as unknown as AgendaEventData;
      const eventId = eventIdOf(clinicId, e.seq);
      const body = JSON.stringify({ id: eventId, type, createdAt: e.at.toISOString(), clinicId, data: { appointment: data.appointment, previousStart: data.previousStart ?? null } });
      const won = await system.createDelivery({
        _id: `${endpoint._id.toHexString()}|${eventId}`,
        endpointId: endpoint._id,
        clinicId: endpoint.clinicId,
        eventId,
        type,
        body,
        status: 'pending',
        attemptCount: 0,
        lastStatusCode: null,
        nextAttemptAt: e.at,
        once: false,
        sortKey: new ObjectId(),
        createdAt: e.at,
      });
      if (won) report.created++;
    }
    const last = page.at(-1);
    if (last) await system.advanceCursor(endpoint._id, last.seq);
  }

  const dto = (doc: WebhookEndpointDoc) => toEndpointDto(doc);
  /** When this process last pruned (clock time), and whether that run left more behind. */
  let prunedAt = -Infinity;
  let pruneMore = false;

  return {
    async create(actor: Actor, input: WebhookInput) {
      const { repo, clinicId } = await scoped(actor);
      await checkUrl(input.url);
      if ((await repo.countEndpoints(clinicId)) >= WEBHOOK_MAX_ENDPOINTS_PER_CLINIC) {
        throw new AppError('CONFLICT', `A clinic has at most ${WEBHOOK_MAX_ENDPOINTS_PER_CLINIC} webhook endpoints; delete one first.`);
      }
      const now = deps.clock();
      const id = new ObjectId();
      const secret = newSecret();
      const doc: WebhookEndpointDoc = {
        _id: id,
        clinicId,
        url: input.url,
        description: input.description,
        events: [...new Set(input.events)],
        secret: seal(secret, id),
        enabled: true,
        disabledReason: null,
        // From now on: the clinic's earlier events are not replayed to a new endpoint.
        cursor: await events.lastSeq(clinicAgendaStream(clinicId)),
        consecutiveFailures: 0,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insertEndpoint(doc);
      return { ...dto(doc), secret };
    },

    async list(actor: Actor) {
      const { repo, clinicId } = await scoped(actor);
      return { items: (await repo.listEndpoints(clinicId)).map(dto) };
    },

    async get(actor: Actor, id: string) {
      return dto((await ownEndpoint(actor, id)).doc);
    },

    async update(actor: Actor, id: string, patch: WebhookPatch) {
      const { repo } = await ownEndpoint(actor, id);
      if (patch.url !== undefined) await checkUrl(patch.url);
      const set: EndpointPatch = {};
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.events !== undefined) set.events = [...new Set(patch.events)];
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.enabled !== undefined) {
        set.enabled = patch.enabled;
        set.disabledReason = null;
        if (patch.enabled) set.consecutiveFailures = 0;
      }
      const doc = await repo.updateEndpoint(id, set, deps.clock());
      if (!doc) throw notFound();
      return dto(doc);
    },

    async remove(actor: Actor, id: string) {
      const { repo } = await scoped(actor);
      if (!(await repo.deleteEndpoint(id))) throw notFound();
      return { ok: true as const };
    },

    async rotateSecret(actor: Actor, id: string) {
      const { repo, doc: endpoint } = await ownEndpoint(actor, id);
      const secret = newSecret();
      const doc = await repo.updateEndpoint(id, { secret: seal(secret, endpoint._id) }, deps.clock());
      if (!doc) throw notFound();
      return { ...dto(doc), secret };
    },

    async deliveries(actor: Actor, input: { id: string; cursor?: string | undefined; limit: number }) {
      const { repo, doc } = await ownEndpoint(actor, input.id);
      return repo.deliveryPage(doc._id, input.cursor, input.limit);
    },

    /** Sends a `webhook.test` event now, once (no retries, not counted towards disabling), and answers its delivery. */
    async sendTest(actor: Actor, id: string) {
      const { repo, doc: endpoint } = await ownEndpoint(actor, id);
      const now = deps.clock();
      const clinicId = endpoint.clinicId.toHexString();
      const eventId = `evt_test_${randomBytes(12).toString('hex')}`;
      const delivery: WebhookDeliveryDoc = {
        _id: `${endpoint._id.toHexString()}|${eventId}`,
        endpointId: endpoint._id,
        clinicId: endpoint.clinicId,
        eventId,
        type: 'webhook.test',
        body: JSON.stringify({ id: eventId, type: 'webhook.test', createdAt: now.toISOString(), clinicId, data: {} }),
        status: 'pending',
        attemptCount: 0,
        lastStatusCode: null,
        // Never due: sent here, once, and not by a sweep.
        nextAttemptAt: null,
        once: true,
        sortKey: new ObjectId(),
        createdAt: now,
      };
      await repo.createDelivery(delivery);
      const key = await repo.claimAttempt(delivery, null);
      if (!key) throw new AppError('CONFLICT', 'This test event is being sent already.');
      const result = await postSigned(endpoint.url, delivery.body, { secret: secretOf(endpoint), eventId, type: delivery.type, now }, policy);
      const ok = result.error === null;
      await repo.recordAttempt(key, delivery, { at: now, ...result }, { status: ok ? 'succeeded' : 'failed', lastStatusCode: result.statusCode, nextAttemptAt: null });
      const sent = await repo.deliveryDto(delivery._id);
      if (!sent) throw notFound();
      return sent;
    },

    /** One sweep: new deliveries from every enabled endpoint's clinic stream, then every due attempt. */
    async runDue(): Promise<WebhookSweepReport> {
      const report: WebhookSweepReport = { created: 0, succeeded: 0, failed: 0, disabled: 0 };
      for (const endpoint of await system.enabledEndpoints()) {
        try {
          await createDeliveries(endpoint, report);
          for (const delivery of await system.dueDeliveries(endpoint._id, deps.clock(), BATCH)) {
            const current = await system.findEndpoint(endpoint._id);
            // Disabled (by the server after failures, or by an admin) or deleted meanwhile: nothing more is sent.
            if (!current?.enabled) break;
            await attempt(current, delivery, report);
          }
        } catch (err) {
          deps.log?.warn({ err, endpointId: endpoint._id.toHexString() }, 'webhook sweep of an endpoint failed; the next sweep retries');
        }
      }
      return report;
    },

    /**
     * Deletes settled deliveries older than `WEBHOOK_RETENTION.days`, with their attempts, in bounded batches (see
     * `pruneDeliveries`): one query for the endpoints, then per endpoint one query and, when it found any, two deletes.
     * Runs at most every `everyMs` per process unless the last run filled a batch; every process may run it.
     */
    async prune(): Promise<{ deliveriesPruned: number }> {
      const now = deps.clock().getTime();
      if (!pruneMore && now - prunedAt < WEBHOOK_RETENTION.everyMs) return { deliveriesPruned: 0 };
      prunedAt = now;
      pruneMore = false;
      const before = new Date(now - WEBHOOK_RETENTION.days * 86_400_000);
      let deliveriesPruned = 0;
      for (const endpointId of await system.allEndpointIds()) {
        const n = await system.pruneDeliveries(endpointId, before, WEBHOOK_RETENTION.batch);
        deliveriesPruned += n;
        if (n >= WEBHOOK_RETENTION.batch) pruneMore = true;
      }
      return { deliveriesPruned };
    },
  };
}
export type WebhooksService = ReturnType<typeof createWebhooksService>;
