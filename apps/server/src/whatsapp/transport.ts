import type { Logger } from 'pino';
import { createLinkedNumbers, createMessageLog, type MessageLog, type Notifier, type Services, type WhatsAppOutbound } from '@clinic/api';
import { ObjectId, type Database } from '@clinic/db';
import type { Assistant } from './assistant.ts';
import { createMessenger, type Messenger } from './messenger.ts';
import { createChannelNotifier } from './notifier.ts';
import { createStaffOutbound } from './staff-outbound.ts';
import { createTwilioClient } from './twilio-client.ts';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** `whatsapp:+14155238886` */
  whatsappFrom: string;
  smsFrom?: string | undefined;
  apiBaseUrl?: string | undefined;
  /** TWILIO_TEMPLATE_STAFF_REPLY_SID: staff replies outside the 24-hour window (variables clinicName, text). */
  staffReplyTemplate?: string | undefined;
  /** Approved WhatsApp templates (Content SIDs) for messages outside the 24-hour window. */
  templates?: TemplateSids & {
    /** The same approved in Arabic or French, chosen by the recipient's language; absent: the ones above. */
    byLocale?: Partial<Record<'ar' | 'fr', TemplateSids>> | undefined;
  };
}

type TemplateSids = { reminder?: string | undefined; confirmation?: string | undefined; reminderButtons?: string | undefined };

/** The WhatsApp channel: Twilio client, message log, and the notifier that prefers WhatsApp for those who use it. */
export interface WhatsAppTransport {
  authToken: string;
  messenger: Messenger;
  /** The message log (packages/api, conversations module): inbound claims, sends, delivery statuses. */
  store: MessageLog;
  /** WhatsApp (or SMS) for patients who wrote to us there, `fallback` for everyone else. */
  notifier: Notifier;
  /** Staff replies to conversations handed over to them (ApiDeps.whatsappOut). */
  staffOutbound: WhatsAppOutbound;
  /**
   * The services, once buildApp has made them (they are made with this transport's notifier, so they come later):
   * which clinic a number of ours or an appointment belongs to. Until then everything is the shared number's.
   */
  attach(services: Services): void;
  /** `to` (E.164) when it is a clinic's own WhatsApp number; null for the shared number or a number no clinic has. */
  viaOf(to: string): Promise<string | null>;
}

/** Links the assistant may send, known once buildApp knows the public URL. */
export interface AssistantLinks {
  /** `{publicBaseUrl}/pay` when online payment works (a Stripe publishable key is set); none: "pay in the app". */
  paymentLinkBase?: string | undefined;
}

/** What buildApp needs to serve the webhooks: the transport and how to make the assistant once services exist. */
export interface WhatsAppAppOptions extends WhatsAppTransport {
  createAssistant(services: Services, links: AssistantLinks): Assistant;
}

export function createWhatsAppTransport(opts: {
  twilio: TwilioSettings;
  database: Database;
  clock: () => Date;
  log: Logger;
  /** Email. */
  fallback: Notifier;
  /** …/api/v1/webhooks/twilio/status on the public URL; none = whatever is configured in Twilio. */
  statusCallbackUrl?: string | undefined;
}): WhatsAppTransport {
  const log = opts.log.child({ module: 'whatsapp' });
  const store = createMessageLog({ db: opts.database, clock: opts.clock });
  const linkedNumbers = createLinkedNumbers({ db: opts.database });
  let services: Services | null = null;
  /** Reminders and confirmations leave from the number of the appointment's clinic, when it has one. */
  async function senderOf(data: Record<string, string>): Promise<string | null> {
    const id = data.appointmentId;
    if (!services || !id || !ObjectId.isValid(id)) return null;
    const appt = await services.appointments.byId(new ObjectId(id));
    return appt ? ((await services.clinic.of(appt.clinicId)).whatsappNumber ?? null) : null;
  }
  const messenger = createMessenger({
    client: createTwilioClient(opts.twilio),
    store,
    log,
    whatsappFrom: opts.twilio.whatsappFrom,
    smsFrom: opts.twilio.smsFrom,
    statusCallbackUrl: opts.statusCallbackUrl,
  });
  const notifier = createChannelNotifier({
    messenger,
    fallback: opts.fallback,
    lastInboundAt: (phone, via) => store.lastInboundAt(phone, via),
    wroteBefore: (phone) => store.wroteBefore(phone),
    senderOf: (n) => senderOf(n.data),
    numberOf: async (to) => (await linkedNumbers.of(to.userId)) ?? to.phone,
    clock: opts.clock,
    templates: { appointment_reminder: opts.twilio.templates?.reminder, booking_confirmed: opts.twilio.templates?.confirmation },
    reminderButtons: opts.twilio.templates?.reminderButtons,
    byLocale: Object.fromEntries(
      Object.entries(opts.twilio.templates?.byLocale ?? {}).map(([locale, t]) => [locale, { templates: { appointment_reminder: t.reminder, booking_confirmed: t.confirmation }, reminderButtons: t.reminderButtons }]),
    ),
    log,
  });
  return {
    authToken: opts.twilio.authToken,
    messenger,
    store,
    notifier,
    staffOutbound: createStaffOutbound({ messenger, store, clock: opts.clock, template: opts.twilio.staffReplyTemplate }),
    attach: (s) => void (services = s),
    viaOf: async (to) => (services && (await services.clinic.byWhatsAppNumber(to)) ? to : null),
  };
}
