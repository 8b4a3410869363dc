import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageLog } from '@clinic/api';
import { BUTTON_PAYLOAD_MAX, maskLinkCommand } from '@clinic/agent';
import { splitForWhatsApp } from '@clinic/contracts';
import twilio from 'twilio';
import { sendError } from '../errors.ts';
import type { Assistant, AssistantReply, InboundMessage } from '../whatsapp/assistant.ts';
import type { Messenger } from '../whatsapp/messenger.ts';
import { createSerialQueue } from '../whatsapp/serial-queue.ts';

export const WHATSAPP_WEBHOOK_PATH = '/webhooks/twilio/whatsapp';
export const STATUS_WEBHOOK_PATH = '/webhooks/twilio/status';

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const FALLBACK_REPLY = 'Sorry, something went wrong on our side. Please try again in a few minutes.';
const WHATSAPP_FROM = /^whatsapp:\+[1-9]\d{6,14}$/;

/** What the WhatsApp routes need; null when Twilio is not configured (the routes answer 503). */
export interface WhatsAppRouteDeps {
  /** Verifies X-Twilio-Signature. */
  authToken: string;
  messenger: Messenger;
  store: MessageLog;
  assistant: Assistant;
  /** `to` (E.164) when it is a clinic's own WhatsApp number; null for the shared number (or one no clinic has). */
  viaOf(to: string): Promise<string | null>;
  clock: () => Date;
  /** How long shutdown waits for messages being answered. */
  drainTimeoutMs?: number;
}

type FormParams = Record<string, string | string[]>;

/** Twilio posts `application/x-www-form-urlencoded`; a repeated key becomes an array (as the signature expects). */
function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/**
 * Twilio's WhatsApp webhooks.
 *
 * Inbound messages: the signature is checked against the URL Twilio was given, i.e. PUBLIC_BASE_URL +
 * the path (behind a proxy the URL this process sees differs, so it cannot be used). The MessageSid is
 * then claimed with a unique insert (a retried or replayed webhook stops there) and Twilio gets an empty
 * TwiML answer at once; the assistant's replies go out afterwards through the REST API.
 *
 * Order: one number's messages are answered one at a time, in the order they reached this process (its
 * place in the number's queue is taken before the claim's database round trip, so two quick messages
 * cannot swap). That holds within one process. With several processes behind a load balancer, ordering
 * relies on one number's webhooks reaching one process at a time (Twilio sends a conversation's webhooks
 * one after another, and sticky routing by the From parameter keeps it so); the claim still guarantees
 * each message is answered at most once across processes.
 *
 * A message claimed but not answered when the process died stays `received` in inbound_messages.
 */
export async function whatsappRoutes(app: FastifyInstance, opts: { prefix: string; publicBaseUrl: string; whatsapp: WhatsAppRouteDeps | null }) {
  const deps = opts.whatsapp;
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const log = app.log.child({ module: 'whatsapp' });
  const queue = createSerialQueue((err) => log.error({ err }, 'WhatsApp message processing failed'));

  app.addHook('onClose', async () => {
    if (queue.size === 0) return;
    log.info({ pending: queue.size }, 'waiting for WhatsApp messages being answered');
    if (!(await queue.drain(deps?.drainTimeoutMs ?? 10_000))) log.warn({ pending: queue.size }, 'gave up waiting for WhatsApp messages being answered');
  });

  function notConfigured(req: FastifyRequest, reply: FastifyReply) {
    return sendError(reply, req, 'WHATSAPP_NOT_CONFIGURED', 'WhatsApp is not configured on this server (TWILIO_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM).');
  }

  /** The signed request's parameters, or null after answering 403. */
  function verified(req: FastifyRequest, reply: FastifyReply, authToken: string): FormParams | null {
    const params = typeof req.body === 'string' ? parseForm(req.body) : null;
    const signature = req.headers['x-twilio-signature'];
    if (!params || typeof signature !== 'string' || !twilio.validateRequest(authToken, signature, `${base}${req.url}`, params)) {
      req.log.warn('Twilio webhook with a missing or invalid signature refused');
      void sendError(reply, req, 'FORBIDDEN', 'Missing or invalid X-Twilio-Signature.');
      return null;
    }
    return params;
  }

  async function answer(sid: string, msg: InboundMessage, d: WhatsAppRouteDeps) {
    let failed = false;
    let result: AssistantReply;
    try {
      result = await d.assistant.handle(msg);
    } catch (err) {
      log.error({ err, messageSid: sid }, 'the assistant failed; sending an apology');
      failed = true;
      result = { replies: [FALLBACK_REPLY], flaggedForStaff: false };
    }
    const replySids: string[] = [];
    try {
      // WhatsApp caps a message at 1600 characters; the assistant keeps to it, any longer text is split anyway.
      for (const text of result.replies.flatMap((r) => splitForWhatsApp(r))) {
        // From the number the patient wrote to: that is the conversation WhatsApp shows them.
        replySids.push(await d.messenger.sendWhatsApp(msg.from, { body: text }, { purpose: 'assistant_reply', inReplyTo: sid, via: msg.via ?? null }));
      }
    } catch (err) {
      log.error({ err, messageSid: sid, sent: replySids.length }, 'a WhatsApp reply could not be sent');
      failed = true;
    }
    await d.store.finishInbound(sid, { status: failed ? 'failed' : 'answered', replySids, flaggedForStaff: result.flaggedForStaff });
  }

  await app.register(async (scope) => {
    // Twilio's form body, for these routes only; parsed here so the signature sees exactly what was sent.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post(`${opts.prefix}${WHATSAPP_WEBHOOK_PATH}`, async (req, reply) => {
      if (!deps) return notConfigured(req, reply);
      const params = verified(req, reply, deps.authToken);
      if (!params) return reply;
      const sid = one(params.MessageSid);
      const fromAddress = one(params.From);
      if (!sid || !WHATSAPP_FROM.test(fromAddress)) {
        return sendError(reply, req, 'VALIDATION_FAILED', 'Expected a WhatsApp message: MessageSid and From (whatsapp:+E.164).');
      }
      const from = fromAddress.slice('whatsapp:'.length);
      // A tapped button posts its title as Body (ButtonText too) and its id as ButtonPayload.
      const text = one(params.Body) || one(params.ButtonText);
      // Longer than WhatsApp allows is not one of ours: cut short, it still gets the "didn't understand" answer.
      const button = one(params.ButtonPayload).slice(0, BUTTON_PAYLOAD_MAX + 1);
      const receivedAt = deps.clock();
      const toAddress = one(params.To);

      // Take this message's place in the number's queue now; it runs once the claim says it is new.
      let release!: (work: (() => Promise<void>) | null) => void;
      const gate = new Promise<(() => Promise<void>) | null>((resolve) => (release = resolve));
      void queue.enqueue(from, async () => {
        const work = await gate;
        if (work) await work();
      });
      let claimed = false;
      let msg!: InboundMessage;
      try {
        // Which of our numbers it was sent to decides the clinic and the conversation; an unknown one is the shared number's.
        const via = WHATSAPP_FROM.test(toAddress) ? await deps.viaOf(toAddress.slice('whatsapp:'.length)) : null;
        msg = { from, via, profileName: one(params.ProfileName) || null, text, ...(button ? { buttonPayload: button } : {}), receivedAt };
        claimed = await deps.store.claimInbound({ sid, from, via, profileName: msg.profileName, body: maskLinkCommand(text), numMedia: Number(one(params.NumMedia)) || 0, receivedAt });
      } finally {
        release(claimed ? () => answer(sid, msg, deps) : null);
      }
      if (!claimed) req.log.info({ messageSid: sid }, 'WhatsApp message already taken; ignored');
      return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML);
    });

    scope.post(`${opts.prefix}${STATUS_WEBHOOK_PATH}`, async (req, reply) => {
      if (!deps) return notConfigured(req, reply);
      const params = verified(req, reply, deps.authToken);
      if (!params) return reply;
      const sid = one(params.MessageSid);
      const status = one(params.MessageStatus).toLowerCase();
      if (!sid || !/^[a-z_]{1,32}$/.test(status)) {
        return sendError(reply, req, 'VALIDATION_FAILED', 'Expected a status callback: MessageSid and MessageStatus.');
      }
      await deps.store.recordStatus(sid, status, one(params.ErrorCode) || null);
      return reply.status(204).send();
    });
  });
}
