import type { Logger } from 'pino';
import { buttonPayload } from '@clinic/agent';
import type { Notification, Notifier, Recipient } from '@clinic/api';
import type { Messenger, WhatsAppContent } from './messenger.ts';

/** WhatsApp lets a business write free text for 24 hours after the person's last message; after that, only approved templates. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60_000;
/** Whether a business may still write free text to someone whose last message was at `last` (null: never). */
export const inWhatsAppWindow = (last: Date | null, now: Date) => last !== null && now.getTime() - last.getTime() < WHATSAPP_WINDOW_MS;
const SMS_MAX = 1600;

export interface ChannelNotifierOptions {
  messenger: Messenger;
  /** Everyone who never wrote to us on WhatsApp, and the last resort (email). */
  fallback: Notifier;
  /** The patient's WhatsApp number: the one linked to their account, else the booking's contact phone. */
  numberOf: (to: Recipient) => Promise<string | null>;
  /** When this E.164 number last wrote to that number of ours (`via`: a clinic's own; null: the shared one); null = never. */
  lastInboundAt: (phone: string, via: string | null) => Promise<Date | null>;
  /** Whether this E.164 number ever wrote to any of our WhatsApp numbers. */
  wroteBefore: (phone: string) => Promise<boolean>;
  /** The clinic's own WhatsApp number a notification leaves from (the appointment's clinic has one); null: the shared sender. */
  senderOf: (n: Notification) => Promise<string | null>;
  clock: () => Date;
  /** Approved WhatsApp template (Content SID) per notification kind, for use outside the 24-hour window. */
  templates: Partial<Record<Notification['kind'], string>>;
  /**
   * A `twilio/quick-reply` template (Content SID) for reminders, sent inside and outside the window: its buttons'
   * ids are the variables confirmPayload, reschedulePayload and cancelPayload. None: reminders as above.
   */
  reminderButtons?: string | undefined;
  /**
   * Templates approved in the recipient's language (`Notification.locale`), in place of the two above; a kind
   * without one there uses the default (a template in another language beats no message).
   */
  byLocale?: Partial<Record<NonNullable<Notification['locale']>, { templates?: Partial<Record<Notification['kind'], string | undefined>>; reminderButtons?: string | undefined }>>;
  log: Logger;
}

/**
 * Patients who came to us over WhatsApp hear from us there: as free text inside the 24-hour window,
 * else as the kind's approved template filled from `Notification.data` (Content variables named after its
 * keys: patientName, physicianName, when, …). If WhatsApp cannot carry it (the send fails, or no template
 * for the kind) an SMS goes out when TWILIO_SMS_FROM is set, else the email. Everyone else gets the email.
 * Each channel is used only when `Notification.channels` allows it: the outbox names exactly one per call, so
 * one call is one attempt on one channel. Throws (so the caller retries later) only when a send failed and no
 * allowed channel carried it.
 */
export function createChannelNotifier(opts: ChannelNotifierOptions): Notifier {
  const { messenger, fallback, log } = opts;

  /** 'no_channel': nothing WhatsApp may carry for this kind now (outside the window, no template). */
  async function viaWhatsApp(n: Notification, phone: string): Promise<'sent' | 'no_channel'> {
    // The 24-hour window is per business number: what counts is when they last wrote to the number this leaves from.
    const via = await opts.senderOf(n);
    const last = await opts.lastInboundAt(phone, via);
    const inWindow = inWhatsAppWindow(last, opts.clock());
    const local = n.locale ? opts.byLocale?.[n.locale] : undefined;
    const contentSid = local?.templates?.[n.kind] ?? opts.templates[n.kind];
    const reminderButtons = local?.reminderButtons ?? opts.reminderButtons;
    // Buttons first; should that template be refused, the reminder still goes as it would without it.
    const contents: WhatsAppContent[] = [];
    const id = n.data.appointmentId;
    if (reminderButtons && n.kind === 'appointment_reminder' && id) {
      const variables = { ...n.data, confirmPayload: buttonPayload(id, 'confirm'), reschedulePayload: buttonPayload(id, 'reschedule'), cancelPayload: buttonPayload(id, 'cancel') };
      contents.push({ contentSid: reminderButtons, variables });
    }
    if (inWindow) contents.push({ body: n.text });
    else if (contentSid) contents.push({ contentSid, variables: n.data });
    if (contents.length === 0) {
      log.info({ kind: n.kind, userId: n.to.userId }, 'outside the WhatsApp window and no template for this kind; trying the next channel');
      return 'no_channel';
    }
    let failure: unknown = null;
    for (const content of contents) {
      try {
        await messenger.sendWhatsApp(phone, content, { purpose: n.kind, via });
        return 'sent';
      } catch (err) {
        failure = err;
        log.warn({ err, kind: n.kind, userId: n.to.userId }, 'WhatsApp notification failed; trying the next channel');
      }
    }
    throw failure;
  }

  async function viaSms(n: Notification, phone: string): Promise<'sent' | 'no_channel'> {
    if (!messenger.smsEnabled) return 'no_channel';
    await messenger.sendSms(phone, n.text.length > SMS_MAX ? `${n.text.slice(0, SMS_MAX - 1)}…` : n.text, { purpose: n.kind });
    return 'sent';
  }

  return {
    channels: messenger.smsEnabled ? ['whatsapp', 'sms', 'email'] : ['whatsapp', 'email'],
    async notify(n) {
      const allowed = (c: 'whatsapp' | 'sms' | 'email') => n.channels?.[c] !== false;
      let failure: unknown = null;
      if (allowed('whatsapp') || allowed('sms')) {
        const phone = await opts.numberOf(n.to);
        // WhatsApp and SMS are for those who wrote to us on WhatsApp.
        if (phone && (await opts.wroteBefore(phone))) {
          for (const [channel, send] of [['whatsapp', viaWhatsApp], ['sms', viaSms]] as const) {
            if (!allowed(channel)) continue;
            try {
              if ((await send(n, phone)) === 'sent') return 'sent';
            } catch (err) {
              failure = err;
              if (channel === 'sms') log.warn({ err, kind: n.kind, userId: n.to.userId }, 'SMS notification failed; trying the next channel');
            }
          }
        }
      }
      const outcome = allowed('email') ? await fallback.notify(n) : 'no_channel';
      if (outcome === 'no_channel' && failure) throw failure;
      return outcome;
    },
  };
}
