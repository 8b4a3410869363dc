import {
  InAppNotificationSchema,
  ListNotificationsInput,
  ListOutboxInput,
  OutboxEntryIdInput,
  OutboxEntrySchema,
  OutboxPageSchema,
  MarkAllReadSchema,
  NotificationIdInput,
  NotificationPageSchema,
  NotificationPreferencesSchema,
  UpdateNotificationPreferencesInput,
  NotificationsSubscriptionInput,
  UnreadCountSchema,
} from '@clinic/contracts';
import { authedProcedure, roleProcedure, router, trackedEvents } from '../../trpc.ts';

const tags = ['notifications'];

/** Every signed-in user's own notification centre. */
export const notificationsRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/notifications', tags, protect: true, summary: 'Your notifications, newest first', errorResponses: [400, 401] } })
    .input(ListNotificationsInput)
    .output(NotificationPageSchema)
    .query(({ ctx, input }) => ctx.services.notifications.list(ctx.actor, input)),

  unreadCount: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/notifications/unread-count', tags, protect: true, summary: 'How many of your notifications are unread', errorResponses: [401] } })
    .output(UnreadCountSchema)
    .query(({ ctx }) => ctx.services.notifications.unreadCount(ctx.actor)),

  markRead: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/notifications/{id}/read', tags, protect: true, summary: 'Mark one of your notifications read', errorResponses: [400, 401, 404] } })
    .input(NotificationIdInput)
    .output(InAppNotificationSchema)
    .mutation(({ ctx, input }) => ctx.services.notifications.markRead(ctx.actor, input.id)),

  markAllRead: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/notifications/read-all', tags, protect: true, summary: 'Mark all your notifications read', errorResponses: [401] } })
    .output(MarkAllReadSchema)
    .mutation(({ ctx }) => ctx.services.notifications.markAllRead(ctx.actor)),

  preferences: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/notifications/preferences', tags, protect: true, summary: 'Your channels per notification kind', errorResponses: [401] } })
    .output(NotificationPreferencesSchema)
    .query(({ ctx }) => ctx.services.notifications.preferences(ctx.actor)),

  setPreferences: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/notifications/preferences', tags, protect: true, summary: 'Switch channels per notification kind; those about bookings and payments keep at least one', errorResponses: [400, 401, 409] } })
    .input(UpdateNotificationPreferencesInput)
    .output(NotificationPreferencesSchema)
    .mutation(({ ctx, input }) => ctx.services.notifications.setPreferences(ctx.actor, input.preferences)),

  outbox: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'GET',
        path: '/admin/notifications/outbox',
        tags,
        protect: true,
        summary: "The clinic's notifications that could not be sent (status=failed, the default), waiting for a retry, or that no channel could carry: recipients masked, each attempt's channel and code, times in the clinic's offset",
        errorResponses: [400, 401, 403],
      },
    })
    .input(ListOutboxInput)
    .output(OutboxPageSchema)
    .query(({ ctx, input }) => ctx.services.notifications.outbox(ctx.actor, input)),

  retryOutbox: roleProcedure('staff', 'admin')
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/notifications/outbox/{id}/retry',
        tags,
        protect: true,
        summary: 'Send a failed notification again now, from its first channel; it is retried for another day if that fails',
        errorResponses: [400, 401, 403, 404, 409],
      },
    })
    .input(OutboxEntryIdInput)
    .output(OutboxEntrySchema)
    .mutation(({ ctx, input }) => ctx.services.notifications.retryOutbox(ctx.actor, input.id)),

  /** New notifications and read-state changes, live over WebSocket or server-sent events; resumes after `lastEventId`. */
  onEvent: authedProcedure.input(NotificationsSubscriptionInput).subscription(async ({ ctx, input, signal }) => {
    const events = await ctx.services.notifications.follow(ctx.actor, input, signal ?? new AbortController().signal);
    return trackedEvents(events);
  }),
});
