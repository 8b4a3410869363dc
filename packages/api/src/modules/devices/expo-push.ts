import { Expo, type ExpoPushMessage } from 'expo-server-sdk';
import { Agent, type Dispatcher } from 'undici';
import type { PushResult, PushSender } from '../../deps.ts';

export const EXPO_PUSH_URL = 'https://exp.host';

/**
 * expo-server-sdk reads its base URL once, from the process environment (`EXPO_BASE_URL`, which Expo documents as
 * its own internal testing switch), when the module loads. It does take an undici dispatcher per client, so another
 * base URL (a stand-in in tests, a proxy) is reached by rewriting each request's origin there instead.
 */
function redirectTo(baseUrl: string): Dispatcher {
  const target = new URL(baseUrl);
  const prefix = target.pathname.replace(/\/+$/, '');
  return new Agent().compose((dispatch) => (opts, handler) => dispatch({ ...opts, origin: target.origin, path: `${prefix}${opts.path}` }, handler));
}

const resultOf = (r: { status: 'ok' } | { status: 'error'; details?: { error?: string } }): PushResult =>
  r.status === 'ok' ? { status: 'ok' } : { status: 'error', error: r.details?.error ?? null };

/** Expo's push service; `baseUrl` other than Expo's own for a stand-in. `accessToken`: when push security is on. */
export function createExpoPushSender(opts: { baseUrl?: string | undefined; accessToken?: string | undefined } = {}): PushSender {
  const baseUrl = opts.baseUrl ?? EXPO_PUSH_URL;
  const expo = new Expo({
    ...(baseUrl.replace(/\/+$/, '') !== EXPO_PUSH_URL ? { httpAgent: redirectTo(baseUrl) } : {}),
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
  });
  return {
    async send(messages) {
      const out: (PushResult & { receiptId: string | null })[] = [];
      const expoMessages: ExpoPushMessage[] = messages.map((m) => ({ to: m.to, title: m.title, body: m.body, data: m.data, sound: 'default' }));
      for (const chunk of expo.chunkPushNotifications(expoMessages)) {
        for (const ticket of await expo.sendPushNotificationsAsync(chunk)) {
          out.push({ ...resultOf(ticket), receiptId: ticket.status === 'ok' ? ticket.id : null });
        }
      }
      return out;
    },
    async receipts(receiptIds) {
      const out: Record<string, PushResult> = {};
      for (const chunk of expo.chunkPushNotificationReceiptIds(receiptIds)) {
        for (const [id, receipt] of Object.entries(await expo.getPushNotificationReceiptsAsync(chunk))) out[id] = resultOf(receipt);
      }
      return out;
    },
  };
}
