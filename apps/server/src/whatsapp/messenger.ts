import type { Logger } from 'pino';
import type twilio from 'twilio';
import type { MessageLog } from '@clinic/api';

/** Free text (inside WhatsApp's 24-hour window) or an approved template with its variables (outside it). */
export type WhatsAppContent = { body: string } | { contentSid: string; variables: Record<string, string> };

export interface SendMeta {
  /** `assistant_reply` or a notification kind. */
  purpose: string;
  /** The inbound MessageSid an assistant reply answers. */
  inReplyTo?: string | null;
  /** WhatsApp only: the clinic's own number (E.164) to send from; none or null: the shared sender (TWILIO_WHATSAPP_FROM). */
  via?: string | null;
}

export interface MessengerOptions {
  client: twilio.Twilio;
  store: MessageLog;
  log: Logger;
  /** `whatsapp:+14155238886` */
  whatsappFrom: string;
  /** E.164 sender for the SMS fallback; none = no SMS. */
  smsFrom?: string | undefined;
  /** Where Twilio reports delivery statuses (…/webhooks/twilio/status); none = as configured in Twilio. */
  statusCallbackUrl?: string | undefined;
}

/** Sends WhatsApp and SMS messages through Twilio's REST API and records each one's MessageSid. */
export function createMessenger(opts: MessengerOptions) {
  const statusCallback = opts.statusCallbackUrl ? { statusCallback: opts.statusCallbackUrl } : {};

  async function record(sid: string, status: string, fields: { channel: 'whatsapp' | 'sms'; to: string; from: string; mode: 'text' | 'template'; contentSid: string | null }, meta: SendMeta) {
    try {
      await opts.store.recordOutbound({ sid, status, ...fields, purpose: meta.purpose, inReplyTo: meta.inReplyTo ?? null });
    } catch (err) {
      // The message has left: failing here would make a caller send it again by another channel.
      opts.log.error({ err, sid }, 'could not record an outbound message');
    }
  }

  return {
    smsEnabled: Boolean(opts.smsFrom),

    /** One message to `to` (E.164) on WhatsApp, from `meta.via` or the shared sender; resolves with its MessageSid once Twilio accepted it. */
    async sendWhatsApp(to: string, content: WhatsAppContent, meta: SendMeta): Promise<string> {
      const template = 'contentSid' in content;
      const from = meta.via ? `whatsapp:${meta.via}` : opts.whatsappFrom;
      const message = await opts.client.messages.create({
        from,
        to: `whatsapp:${to}`,
        ...(template ? { contentSid: content.contentSid, contentVariables: JSON.stringify(content.variables) } : { body: content.body }),
        ...statusCallback,
      });
      await record(message.sid, message.status, { channel: 'whatsapp', to, from: from.slice('whatsapp:'.length), mode: template ? 'template' : 'text', contentSid: template ? content.contentSid : null }, meta);
      return message.sid;
    },

    /** One SMS from TWILIO_SMS_FROM. */
    async sendSms(to: string, body: string, meta: SendMeta): Promise<string> {
      if (!opts.smsFrom) throw new Error('SMS is not configured (TWILIO_SMS_FROM)');
      const message = await opts.client.messages.create({ from: opts.smsFrom, to, body, ...statusCallback });
      await record(message.sid, message.status, { channel: 'sms', to, from: opts.smsFrom, mode: 'text', contentSid: null }, meta);
      return message.sid;
    },
  };
}
export type Messenger = ReturnType<typeof createMessenger>;
