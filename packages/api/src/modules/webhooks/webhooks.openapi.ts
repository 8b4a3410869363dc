import * as z from 'zod';
import { WEBHOOK_SIGNATURE_HEADER } from '@clinic/contracts';
import { WEBHOOK_RETRY } from './webhooks.service.ts';
import { WEBHOOK_EVENT_TYPES, Webhooks } from './webhooks.events.ts';

const SIGNATURE_DESCRIPTION =
  '`t=<unix seconds>,v1=<hex>`: `v1` is HMAC-SHA256, keyed with the endpoint\'s whole signing secret (`whsec_…`), of the ' +
  'timestamp, a dot and the raw request body (`<t>.<body>`). Recompute it over the bytes received, compare in constant time, and ' +
  'refuse timestamps more than a few minutes old. The secret is shown once, when the endpoint is created or its secret rotated.';

/**
 * The OpenAPI 3.1 top-level `webhooks`: what the server POSTs to clinics' endpoints, one entry per event type, with
 * the payload schema from the same zod schema the sender's body follows. trpc-to-openapi knows nothing of outbound
 * calls, so the host merges this into the served document.
 */
export function webhooksDocument(): { webhooks: Record<string, unknown>; schemas: Record<string, unknown> } {
  const jsonSchema = (schema: z.ZodType) => {
    const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
    delete out['$schema'];
    return out;
  };
  const schemas = {
    WebhookEvent: { ...jsonSchema(Webhooks.Payload), title: 'WebhookEvent', description: 'The body of every appointment event delivered to a webhook endpoint.' },
    WebhookTestEvent: { ...jsonSchema(Webhooks.TestPayload), title: 'WebhookTestEvent', description: 'The body of the event `POST /admin/webhooks/{id}/test` sends.' },
  };
  const retries = `Retried with exponential backoff (1 min, 2, 4 … at most 1 h apart) for 24 h while the endpoint does not answer 2xx within 10 s; every retry carries the same \`id\`. After ${WEBHOOK_RETRY.disableAfterFailures} failed attempts in a row the endpoint is disabled and the clinic's admins are emailed.`;
  const entries: [string, string, string, string][] = [
    ...WEBHOOK_EVENT_TYPES.map((type): [string, string, string, string] => [
      type,
      `Appointment ${type.split('.')[1]!.replace('_', ' ')} (${type})`,
      `Sent to the clinic's endpoints subscribed to \`${type}\`. ${retries}`,
      'WebhookEvent',
    ]),
    ['webhook.test', 'Test event (webhook.test)', 'Sent once, at once, by `POST /admin/webhooks/{id}/test`; not retried.', 'WebhookTestEvent'],
  ];
  const webhooks = Object.fromEntries(
    entries.map(([type, summary, description, schema]) => [
      type,
      {
        post: {
          operationId: `webhook-${type.replace('.', '-')}`,
          summary,
          description,
          tags: ['webhooks'],
          security: [],
          parameters: [
            { in: 'header', name: WEBHOOK_SIGNATURE_HEADER, required: true, description: SIGNATURE_DESCRIPTION, schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' } },
            { in: 'header', name: 'Clinic-Event-Id', required: true, description: 'The event id (as `id` in the body): drop a delivery whose id you have already handled.', schema: { type: 'string' } },
            { in: 'header', name: 'Clinic-Event-Type', required: true, schema: { type: 'string', const: type } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } },
          responses: {
            '200': { description: 'Received (any 2xx). Anything else, or no answer within 10 s, is retried.' },
            '400': { description: 'Refused (for example a signature that does not verify): a failed attempt, like any answer other than 2xx.' },
          },
        },
      },
    ]),
  );
  return { webhooks, schemas };
}
