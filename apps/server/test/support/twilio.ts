import { WHATSAPP_WEBHOOK_PATH } from '../../src/routes/whatsapp.ts';
import { buttonParams, inboundParams, startTwilioSim, type CapturedMessage, type TwilioSim } from '../../src/dev/twilio-sim.ts';
import type { TestServer } from './server.ts';

export { buttonParams, inboundParams, messageSid, type CapturedMessage, type TwilioFailure } from '../../src/dev/twilio-sim.ts';
/** Twilio's REST API on a loopback port (random credentials), for the real Twilio SDK. */
export const startTwilioApi = () => startTwilioSim();
export type TwilioApi = TwilioSim;

/** Polls `check` until it is true (bounded); false when it never was. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/**
 * Sends `text` from `phone` to `to` (E.164: a clinic's own number; default the shared TEST_WHATSAPP_FROM) through the
 * signed inbound webhook, waits until the assistant has answered it, and returns the replies sent for it (none while
 * the conversation is with staff).
 */
export async function sendWhatsApp(s: TestServer, api: TwilioApi, phone: string, text: string, to?: string): Promise<string[]> {
  return (await sendWhatsAppMessages(s, api, phone, text, to)).map((m) => m.params.Body ?? '');
}

/** As sendWhatsApp, with the replies as Twilio received them (From, To, Body, …). */
export async function sendWhatsAppMessages(s: TestServer, api: TwilioApi, phone: string, text: string, to?: string): Promise<CapturedMessage[]> {
  return postInbound(s, api, phone, inboundParams(api, phone, text, to ? { To: `whatsapp:${to}` } : {}));
}

/** Taps a quick-reply button (its id `payload`, its title `title`) as `phone`; returns the replies' texts, as sendWhatsApp. */
export async function tapButton(s: TestServer, api: TwilioApi, phone: string, payload: string, title: string, to?: string): Promise<string[]> {
  const replies = await postInbound(s, api, phone, buttonParams(api, phone, payload, title, to ? { To: `whatsapp:${to}` } : {}));
  return replies.map((m) => m.params.Body ?? '');
}

async function postInbound(s: TestServer, api: TwilioApi, phone: string, params: Record<string, string>): Promise<CapturedMessage[]> {
  const text = params.Body;
  const path = `/api/v1${WHATSAPP_WEBHOOK_PATH}`;
  const res = await fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': api.sign(`${s.publicBaseUrl}${path}`, params) },
    body: new URLSearchParams(params).toString(),
  });
  if (res.status !== 200) throw new Error(`inbound webhook answered ${res.status}`);
  const sid = params.MessageSid!;
  if (!(await until(async () => (await s.database.cols.inboundMessages.findOne({ _id: sid }))?.status === 'answered'))) throw new Error(`"${text}" was not answered`);
  const doc = await s.database.cols.inboundMessages.findOne({ _id: sid });
  return api.to(`whatsapp:${phone}`).filter((m) => doc!.replySids.includes(m.sid));
}
