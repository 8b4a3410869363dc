import * as z from 'zod';
import { DeviceSchema, DeviceTokenInput, OkSchema, RegisterDeviceInput } from '@clinic/contracts';
import { authedProcedure, router } from '../../trpc.ts';

const tags = ['devices'];

/** A user's own phones, for push notifications. */
export const devicesRouter = router({
  register: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/devices', tags, protect: true, summary: 'Register this phone for push notifications (or update it); a token registered by another user moves to you', errorResponses: [400, 401] } })
    .input(RegisterDeviceInput)
    .output(DeviceSchema)
    .mutation(({ ctx, input }) => ctx.services.devices.register(ctx.actor, input)),

  remove: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/devices/{token}', tags, protect: true, summary: 'Stop push notifications to one of your phones', errorResponses: [400, 401, 404] } })
    .input(DeviceTokenInput)
    .output(OkSchema)
    .mutation(({ ctx, input }) => ctx.services.devices.remove(ctx.actor, input.token)),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/devices', tags, protect: true, summary: 'Your phones registered for push notifications', errorResponses: [401] } })
    .output(z.object({ items: z.array(DeviceSchema) }))
    .query(({ ctx }) => ctx.services.devices.list(ctx.actor)),
});
