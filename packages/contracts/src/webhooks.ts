import * as z from 'zod';
import { IdSchema } from './common.ts';
import { AppointmentSchema } from './appointments.ts';

/** Long enough for any real endpoint, short enough that a URL cannot be used to store a payload. */
export const WEBHOOK_URL_MAX = 2_048;
export const WEBHOOK_MAX_ENDPOINTS_PER_CLINIC = 20;
export const WEBHOOK_SIGNATURE_HEADER = 'Clinic-Signature';
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const WebhookUrlSchema = z
  .string()
  .trim()
  .max(WEBHOOK_URL_MAX, `must be at most ${WEBHOOK_URL_MAX} characters`)
  .pipe(z.url({ error: 'must be an absolute URL' }))
  .describe('Where events are POSTed. https only (http to loopback only on servers started with WEBHOOKS_ALLOW_LOOPBACK=true); private addresses are refused');

export const WebhookAttemptSchema = z.object({
  at: z.string().describe('ISO 8601 UTC'),
  statusCode: z.number().int().nullable().describe("The receiver's HTTP status; null when none came (timeout, refused address, connection error)"),
  error: z.string().nullable().describe('Why the attempt failed, when it did'),
  durationMs: z.number().int(),
});

export const WebhookDeliverySchema = z.object({
  id: z.string().describe('The delivery id'),
  eventId: z.string().describe('The event id sent in the body (`id`): the same on every retry, so a receiver can drop duplicates'),
  type: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attemptCount: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  nextAttemptAt: z.string().nullable().describe('When the next attempt is due (ISO 8601 UTC); null once succeeded or given up'),
  createdAt: z.string(),
  attempts: z.array(WebhookAttemptSchema).describe('Oldest first'),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const WebhookDeliveryPageSchema = z.object({ items: z.array(WebhookDeliverySchema), nextCursor: z.string().nullable() });

export const WebhookDeliveriesInput = z.strictObject({
  id: IdSchema,
  cursor: z.string().regex(/^[0-9a-f]{24}$/, 'must be a cursor this API returned').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const WebhookIdInput = z.strictObject({ id: IdSchema });

/**
 * The schemas that name event types. The types are the API's (derived from the agenda's event kinds), so they are
 * passed in rather than listed here twice.
 */
export function webhookContracts<const T extends readonly [string, ...string[]]>(eventTypes: T) {
  const EventType = z.enum(eventTypes);
  const Events = z.array(EventType).min(1, 'must name at least one event type').max(eventTypes.length);
  const Description = z.string().trim().max(200, 'must be at most 200 characters');
  const Endpoint = z.object({
    id: IdSchema,
    url: z.string(),
    description: z.string(),
    events: z.array(EventType),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe('Why the server disabled the endpoint (e.g. 20 failed attempts in a row); null when enabled or disabled by an admin'),
    consecutiveFailures: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  });
  const Payload = z.object({
    id: z.string().describe('Stable event id: retries of one event carry the same id'),
    type: EventType,
    createdAt: z.string().describe('When the change happened, ISO 8601 UTC'),
    clinicId: IdSchema,
    data: z.object({
      appointment: AppointmentSchema.describe('The appointment as clinic staff see it, times in the clinic’s offset'),
      previousStart: z.string().nullable().describe('The start before a move (appointment.moved); null otherwise'),
    }),
  });
  return {
    EventType,
    Endpoint,
    /** Creation answers the signing secret, once. */
    EndpointWithSecret: Endpoint.extend({ secret: z.string().describe('The signing secret (`whsec_…`). Shown only now: store it') }),
    EndpointList: z.object({ items: z.array(Endpoint) }),
    CreateInput: z.strictObject({ url: WebhookUrlSchema, events: Events, description: Description.default('') }),
    UpdateInput: z.strictObject({
      id: IdSchema,
      url: WebhookUrlSchema.optional(),
      events: Events.optional(),
      description: Description.optional(),
      enabled: z.boolean().optional().describe('true re-enables an endpoint the server disabled, and clears its failure count'),
    }),
    Payload,
    /** What `POST /admin/webhooks/{id}/test` sends: signed like every event, about nothing. */
    TestPayload: z.object({ id: z.string(), type: z.literal('webhook.test'), createdAt: z.string(), clinicId: IdSchema, data: z.object({}) }),
  };
}
