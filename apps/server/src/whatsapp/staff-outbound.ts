import type { MessageLog, WhatsAppOutbound } from '@clinic/api';
import type { Messenger } from './messenger.ts';
import { inWhatsAppWindow } from './notifier.ts';

/**
 * Staff messages to a patient (the API's `whatsappOut` port), from the number the patient wrote to. Inside WhatsApp's
 * 24-hour window, decided as for reminders (the patient's last message to that number), the text itself; outside
 * it the approved staff-reply template (TWILIO_TEMPLATE_STAFF_REPLY_SID) with the variables `clinicName` and `text`.
 */
export function createStaffOutbound(opts: { messenger: Messenger; store: MessageLog; clock: () => Date; template?: string | undefined }): WhatsAppOutbound {
  return {
    async send(to, via, text, meta) {
      const last = await opts.store.lastInboundAt(to, via);
      if (inWhatsAppWindow(last, opts.clock())) return { sid: await opts.messenger.sendWhatsApp(to, { body: text }, { purpose: meta.purpose, via }), mode: 'text' };
      if (!opts.template) return null;
      return { sid: await opts.messenger.sendWhatsApp(to, { contentSid: opts.template, variables: meta.variables }, { purpose: meta.purpose, via }), mode: 'template' };
    },
  };
}
