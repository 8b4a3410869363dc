import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import Stripe from 'stripe';
import type { TestServer } from './server.ts';

/**
 * A Stripe event as Stripe sends it, for a PaymentIntent or a Charge: the platform's own, or with `account` a
 * Connect event about a connected account (Stripe names the account in `account`).
 */
export function stripeEvent(type: string, object: Record<string, unknown>, opts: { account?: string } = {}) {
  return {
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    ...(opts.account ? { account: opts.account } : {}),
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export const intentObject = (id: string, amount: number, status: string) => ({ id, object: 'payment_intent', amount, currency: 'aed', status, metadata: {} });

/**
 * POSTs the event to the webhook, signed with the SDK's own test-header helper (or as told): as Stripe does, a
 * connected account's event with the Connect endpoint's secret, a platform event with the platform endpoint's.
 */
export async function sendWebhook(s: TestServer, event: object, opts: { secret?: string; tamper?: (payload: string) => string; signature?: string | null } = {}) {
  const payload = JSON.stringify(event);
  const secret = opts.secret ?? ('account' in event && event.account ? s.stripeConnectWebhookSecret : s.stripeWebhookSecret);
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const res = await fetch(`${s.baseUrl}/api/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.signature === null ? {} : { 'stripe-signature': opts.signature ?? header }) },
    body: opts.tamper ? opts.tamper(payload) : payload,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The text a PDF shows: inflates its content streams and decodes pdfkit's hex-encoded strings. */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let out = '';
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1');
    } catch {
      content = m[1]!;
    }
    for (const h of content.matchAll(/<([0-9a-fA-F]+)>/g)) out += Buffer.from(h[1]!, 'hex').toString('latin1');
    for (const t of content.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)) out += t[1];
    out += '\n';
  }
  return out;
}
