import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A push as Expo's push service received it. */
export interface ReceivedPush {
  receiptId: string;
  to: string;
  title?: string;
  body?: string;
  data?: Record<string, string>;
}

type Receipt = { status: 'ok' } | { status: 'error'; message: string; details: { error: string; expoPushToken: string } };

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  // The SDK gzips bodies above 1 KB.
  return JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
}

/**
 * Expo's push service on a loopback port, for the real expo-server-sdk: `/--/api/v2/push/send` answers a ticket per
 * message and records it; `/--/api/v2/push/getReceipts` answers the receipts of the ids it issued — `ok`, or
 * `DeviceNotRegistered` for a token `unregister`ed (the app was removed from that phone).
 */
export async function startExpoStandIn() {
  const pushes: ReceivedPush[] = [];
  const receiptRequests: string[][] = [];
  const receipts = new Map<string, Receipt>();
  const gone = new Set<string>();

  const server = createServer((req, res) => {
    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    bodyOf(req)
      .then((body) => {
        if (req.method === 'POST' && req.url === '/--/api/v2/push/send') {
          const messages = (Array.isArray(body) ? body : [body]) as Omit<ReceivedPush, 'receiptId'>[];
          const tickets = messages.map((m) => {
            const receiptId = randomUUID();
            pushes.push({ receiptId, ...m });
            receipts.set(
              receiptId,
              gone.has(m.to)
                ? { status: 'error', message: `"${m.to}" is not a registered push notification recipient`, details: { error: 'DeviceNotRegistered', expoPushToken: m.to } }
                : { status: 'ok' },
            );
            return { status: 'ok', id: receiptId };
          });
          return answer(200, { data: tickets });
        }
        if (req.method === 'POST' && req.url === '/--/api/v2/push/getReceipts') {
          const ids = (body as { ids: string[] }).ids;
          receiptRequests.push(ids);
          return answer(200, { data: Object.fromEntries(ids.filter((id) => receipts.has(id)).map((id) => [id, receipts.get(id)])) });
        }
        answer(404, { errors: [{ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }] });
      })
      .catch(() => answer(400, { errors: [{ code: 'VALIDATION_ERROR', message: 'body is not JSON' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    /** Every push received, in order. */
    pushes,
    /** The receipt ids asked for, per request. */
    receiptRequests,
    pushesTo: (token: string) => pushes.filter((p) => p.to === token),
    /** From now on pushes to this token get a `DeviceNotRegistered` receipt, as after the app was uninstalled. */
    unregister: (token: string) => void gone.add(token),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type ExpoStandIn = Awaited<ReturnType<typeof startExpoStandIn>>;
