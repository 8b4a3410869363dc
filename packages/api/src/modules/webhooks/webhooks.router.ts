import { OkSchema, WebhookDeliveriesInput, WebhookDeliveryPageSchema, WebhookDeliverySchema, WebhookIdInput } from '@clinic/contracts';
import { roleProcedure, router } from '../../trpc.ts';
import { Webhooks } from './webhooks.events.ts';

const tags = ['webhooks'];

export const webhooksRouter = router({
  create: roleProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/webhooks',
        tags,
        protect: true,
        summary: "Register an endpoint for the clinic's appointment events; answers its signing secret, once",
        errorResponses: [400, 401, 403, 409],
      },
    })
    .input(Webhooks.CreateInput)
    .output(Webhooks.EndpointWithSecret)
    .mutation(({ ctx, input }) => ctx.services.webhooks.create(ctx.actor, input)),

  list: roleProcedure('admin')
    .meta({ openapi: { method: 'GET', path: '/admin/webhooks', tags, protect: true, summary: "The clinic's webhook endpoints (without their secrets)", errorResponses: [401, 403] } })
    .output(Webhooks.EndpointList)
    .query(({ ctx }) => ctx.services.webhooks.list(ctx.actor)),

  get: roleProcedure('admin')
    .meta({ openapi: { method: 'GET', path: '/admin/webhooks/{id}', tags, protect: true, summary: 'One webhook endpoint of the clinic', errorResponses: [400, 401, 403, 404] } })
    .input(WebhookIdInput)
    .output(Webhooks.Endpoint)
    .query(({ ctx, input }) => ctx.services.webhooks.get(ctx.actor, input.id)),

  update: roleProcedure('admin')
    .meta({
      openapi: { method: 'PATCH', path: '/admin/webhooks/{id}', tags, protect: true, summary: 'Change, disable or re-enable a webhook endpoint', errorResponses: [400, 401, 403, 404] },
    })
    .input(Webhooks.UpdateInput)
    .output(Webhooks.Endpoint)
    .mutation(({ ctx, input: { id, ...patch } }) => ctx.services.webhooks.update(ctx.actor, id, patch)),

  remove: roleProcedure('admin')
    .meta({ openapi: { method: 'DELETE', path: '/admin/webhooks/{id}', tags, protect: true, summary: 'Delete a webhook endpoint and its delivery log', errorResponses: [400, 401, 403, 404] } })
    .input(WebhookIdInput)
    .output(OkSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.remove(ctx.actor, input.id)),

  rotateSecret: roleProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/rotate-secret',
        tags,
        protect: true,
        summary: 'Replace the signing secret at once; answers the new one, once',
        errorResponses: [400, 401, 403, 404],
      },
    })
    .input(WebhookIdInput)
    .output(Webhooks.EndpointWithSecret)
    .mutation(({ ctx, input }) => ctx.services.webhooks.rotateSecret(ctx.actor, input.id)),

  deliveries: roleProcedure('admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/admin/webhooks/{id}/deliveries',
        tags,
        protect: true,
        summary: "The endpoint's deliveries, newest first, with each attempt's status code and the next attempt",
        errorResponses: [400, 401, 403, 404],
      },
    })
    .input(WebhookDeliveriesInput)
    .output(WebhookDeliveryPageSchema)
    .query(({ ctx, input }) => ctx.services.webhooks.deliveries(ctx.actor, input)),

  test: roleProcedure('admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/test',
        tags,
        protect: true,
        summary: 'Send a signed `webhook.test` event now (once, no retries) and answer how it went',
        errorResponses: [400, 401, 403, 404],
      },
    })
    .input(WebhookIdInput)
    .output(WebhookDeliverySchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.sendTest(ctx.actor, input.id)),
});
