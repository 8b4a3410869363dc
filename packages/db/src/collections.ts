import type { Collection, Db, IndexDescription } from 'mongodb';
import type {
  AppointmentDoc,
  ClinicDoc,
  ClinicInfoDoc,
  InsuranceProfileDoc,
  MedicalPackageDoc,
  NotificationDoc,
  NotificationAttemptDoc,
  PaymentDoc,
  OneTimeCodeDoc,
  PhysicianDoc,
  RateLimitDoc,
  SessionDoc,
  SpecialtyDoc,
  UserDoc,
  WebhookEventDoc,
  ConversationDoc,
  WhatsAppLinkCodeDoc,
  WhatsAppLinkDoc,
  InboundMessageDoc,
  OutboundMessageDoc,
  EventDoc,
  UserNotificationDoc,
  DeviceDoc,
  PushTicketDoc,
  NotificationPreferencesDoc,
  WebhookEndpointDoc,
  WebhookDeliveryDoc,
  WebhookAttemptDoc,
  ChatThreadDoc,
  ChatMessageDoc,
} from './documents.ts';

export const COLLECTIONS = {
  users: 'users',
  sessions: 'sessions',
  oneTimeCodes: 'one_time_codes',
  rateLimits: 'rate_limits',
  clinics: 'clinics',
  /** Legacy: read by the migration to `clinics` only. */
  clinicInfo: 'clinic_info',
  physicians: 'physicians',
  appointments: 'appointments',
  medicalPackages: 'medical_packages',
  specialties: 'specialties',
  insuranceProfiles: 'insurance_profiles',
  notifications: 'notifications',
  notificationAttempts: 'notification_attempts',
  payments: 'payments',
  webhookEvents: 'webhook_events',
  conversations: 'conversations',
  whatsappLinks: 'whatsapp_links',
  whatsappLinkCodes: 'whatsapp_link_codes',
  inboundMessages: 'inbound_messages',
  outboundMessages: 'outbound_messages',
  events: 'events',
  userNotifications: 'user_notifications',
  devices: 'devices',
  pushTickets: 'push_tickets',
  notificationPreferences: 'notification_preferences',
  webhookEndpoints: 'webhook_endpoints',
  webhookDeliveries: 'webhook_deliveries',
  webhookAttempts: 'webhook_attempts',
  chatThreads: 'chat_threads',
  chatMessages: 'chat_messages',
} as const;

export interface Collections {
  users: Collection<UserDoc>;
  sessions: Collection<SessionDoc>;
  oneTimeCodes: Collection<OneTimeCodeDoc>;
  rateLimits: Collection<RateLimitDoc>;
  clinics: Collection<ClinicDoc>;
  clinicInfo: Collection<ClinicInfoDoc>;
  physicians: Collection<PhysicianDoc>;
  appointments: Collection<AppointmentDoc>;
  medicalPackages: Collection<MedicalPackageDoc>;
  specialties: Collection<SpecialtyDoc>;
  insuranceProfiles: Collection<InsuranceProfileDoc>;
  notifications: Collection<NotificationDoc>;
  notificationAttempts: Collection<NotificationAttemptDoc>;
  payments: Collection<PaymentDoc>;
  webhookEvents: Collection<WebhookEventDoc>;
  conversations: Collection<ConversationDoc>;
  whatsappLinks: Collection<WhatsAppLinkDoc>;
  whatsappLinkCodes: Collection<WhatsAppLinkCodeDoc>;
  inboundMessages: Collection<InboundMessageDoc>;
  outboundMessages: Collection<OutboundMessageDoc>;
  events: Collection<EventDoc>;
  userNotifications: Collection<UserNotificationDoc>;
  devices: Collection<DeviceDoc>;
  pushTickets: Collection<PushTicketDoc>;
  notificationPreferences: Collection<NotificationPreferencesDoc>;
  webhookEndpoints: Collection<WebhookEndpointDoc>;
  webhookDeliveries: Collection<WebhookDeliveryDoc>;
  webhookAttempts: Collection<WebhookAttemptDoc>;
  chatThreads: Collection<ChatThreadDoc>;
  chatMessages: Collection<ChatMessageDoc>;
}

export function collections(db: Db): Collections {
  return {
    users: db.collection<UserDoc>(COLLECTIONS.users),
    sessions: db.collection<SessionDoc>(COLLECTIONS.sessions),
    oneTimeCodes: db.collection<OneTimeCodeDoc>(COLLECTIONS.oneTimeCodes),
    rateLimits: db.collection<RateLimitDoc>(COLLECTIONS.rateLimits),
    clinics: db.collection<ClinicDoc>(COLLECTIONS.clinics),
    clinicInfo: db.collection<ClinicInfoDoc>(COLLECTIONS.clinicInfo),
    physicians: db.collection<PhysicianDoc>(COLLECTIONS.physicians),
    appointments: db.collection<AppointmentDoc>(COLLECTIONS.appointments),
    medicalPackages: db.collection<MedicalPackageDoc>(COLLECTIONS.medicalPackages),
    specialties: db.collection<SpecialtyDoc>(COLLECTIONS.specialties),
    insuranceProfiles: db.collection<InsuranceProfileDoc>(COLLECTIONS.insuranceProfiles),
    notifications: db.collection<NotificationDoc>(COLLECTIONS.notifications),
    notificationAttempts: db.collection<NotificationAttemptDoc>(COLLECTIONS.notificationAttempts),
    payments: db.collection<PaymentDoc>(COLLECTIONS.payments),
    webhookEvents: db.collection<WebhookEventDoc>(COLLECTIONS.webhookEvents),
    conversations: db.collection<ConversationDoc>(COLLECTIONS.conversations),
    whatsappLinks: db.collection<WhatsAppLinkDoc>(COLLECTIONS.whatsappLinks),
    whatsappLinkCodes: db.collection<WhatsAppLinkCodeDoc>(COLLECTIONS.whatsappLinkCodes),
    inboundMessages: db.collection<InboundMessageDoc>(COLLECTIONS.inboundMessages),
    outboundMessages: db.collection<OutboundMessageDoc>(COLLECTIONS.outboundMessages),
    events: db.collection<EventDoc>(COLLECTIONS.events),
    userNotifications: db.collection<UserNotificationDoc>(COLLECTIONS.userNotifications),
    devices: db.collection<DeviceDoc>(COLLECTIONS.devices),
    pushTickets: db.collection<PushTicketDoc>(COLLECTIONS.pushTickets),
    notificationPreferences: db.collection<NotificationPreferencesDoc>(COLLECTIONS.notificationPreferences),
    webhookEndpoints: db.collection<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints),
    webhookDeliveries: db.collection<WebhookDeliveryDoc>(COLLECTIONS.webhookDeliveries),
    webhookAttempts: db.collection<WebhookAttemptDoc>(COLLECTIONS.webhookAttempts),
    chatThreads: db.collection<ChatThreadDoc>(COLLECTIONS.chatThreads),
    chatMessages: db.collection<ChatMessageDoc>(COLLECTIONS.chatMessages),
  };
}

/**
 * Indexes only use what FerretDB 1.24 supports as well as MongoDB: plain and unique
 * (no partial, sparse or TTL). Expiry is always checked in queries.
 */
export const INDEXES: Record<keyof Collections, IndexDescription[]> = {
  // Email accounts have phoneIdentity '' (unique by email); phone-only patients have email null (unique by
  // number). A plain unique index on email would refuse a second null, and FerretDB has no partial indexes.
  users: [
    { key: { email: 1, phoneIdentity: 1 }, name: 'email_phoneIdentity_unique', unique: true },
    { key: { clinicId: 1, role: 1 }, name: 'clinic_role' },
  ],
  sessions: [
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { usedTokenHashes: 1 }, name: 'usedTokenHashes' },
    { key: { userId: 1 }, name: 'userId' },
  ],
  oneTimeCodes: [{ key: { userId: 1 }, name: 'userId' }],
  rateLimits: [{ key: { expiresAt: 1 }, name: 'expiresAt' }],
  clinics: [
    { key: { slug: 1 }, name: 'slug_unique', unique: true },
    { key: { status: 1 }, name: 'status' },
  ],
  clinicInfo: [],
  physicians: [
    { key: { clinicId: 1, specialty: 1 }, name: 'clinic_specialty' },
    { key: { specialty: 1 }, name: 'specialty' },
    { key: { userId: 1 }, name: 'userId' },
  ],
  appointments: [
    { key: { slotKey: 1 }, name: 'slotKey_unique', unique: true },
    { key: { patientSlotKey: 1 }, name: 'patientSlotKey_unique', unique: true },
    { key: { patientId: 1, startsAt: 1 }, name: 'patient_startsAt' },
    { key: { physicianId: 1, startsAt: 1 }, name: 'physician_startsAt' },
    { key: { status: 1, holdExpiresAt: 1 }, name: 'status_holdExpiresAt' },
    { key: { status: 1, startsAt: 1 }, name: 'status_startsAt' },
    { key: { reminderDueAt: 1 }, name: 'reminderDueAt' },
    { key: { confirmationDueAt: 1 }, name: 'confirmationDueAt' },
    { key: { clinicId: 1, startsAt: 1 }, name: 'clinic_startsAt' },
  ],
  medicalPackages: [{ key: { clinicId: 1 }, name: 'clinicId' }],
  specialties: [],
  insuranceProfiles: [{ key: { emiratesIdHash: 1 }, name: 'emiratesIdHash' }],
  // The outbox sweep reads the queued ones that are due.
  notifications: [
    { key: { patientId: 1, createdAt: -1 }, name: 'patient_createdAt' },
    { key: { status: 1, nextAttemptAt: 1 }, name: 'status_nextAttemptAt' },
    // Staff's list of their clinic's failed ones.
    { key: { clinicId: 1, status: 1, createdAt: -1 }, name: 'clinic_status_createdAt' },
  ],
  notificationAttempts: [],
  payments: [
    { key: { appointmentId: 1 }, name: 'appointmentId_unique', unique: true },
    { key: { intentId: 1 }, name: 'intentId' },
    // Not unique: older payments have none, and FerretDB has no partial indexes; 192 random bits do not collide.
    { key: { checkoutToken: 1 }, name: 'checkoutToken' },
    { key: { patientId: 1, createdAt: -1 }, name: 'patient_createdAt' },
    { key: { clinicId: 1, createdAt: -1 }, name: 'clinic_createdAt' },
  ],
  webhookEvents: [],
  conversations: [{ key: { via: 1, 'flagged.at': 1 }, name: 'via_flaggedAt' }],
  whatsappLinks: [{ key: { userId: 1 }, name: 'userId' }],
  whatsappLinkCodes: [{ key: { userId: 1 }, name: 'userId' }],
  inboundMessages: [{ key: { from: 1, receivedAt: -1 }, name: 'from_receivedAt' }],
  outboundMessages: [{ key: { to: 1, createdAt: -1 }, name: 'to_createdAt' }],
  // The insert of the next seq is the claim (two writers, one wins); the retention sweep reads by stream and time.
  events: [
    { key: { stream: 1, seq: 1 }, name: 'stream_seq_unique', unique: true },
    { key: { stream: 1, at: 1 }, name: 'stream_at' },
  ],
  // The key is the claim (a retried send stores once); a user's list reads newest first by _id, unread by readAt.
  userNotifications: [
    { key: { key: 1 }, name: 'key_unique', unique: true },
    { key: { userId: 1, _id: -1 }, name: 'user_id' },
    { key: { userId: 1, readAt: 1 }, name: 'user_readAt' },
  ],
  devices: [
    { key: { token: 1 }, name: 'token_unique', unique: true },
    { key: { userId: 1 }, name: 'userId' },
  ],
  pushTickets: [{ key: { createdAt: 1 }, name: 'createdAt' }],
  notificationPreferences: [],
  webhookEndpoints: [{ key: { clinicId: 1 }, name: 'clinicId' }, { key: { enabled: 1 }, name: 'enabled' }],
  // The log pages by endpoint, newest first; the sweep reads what is due per endpoint.
  webhookDeliveries: [
    { key: { endpointId: 1, sortKey: -1 }, name: 'endpoint_sortKey' },
    { key: { endpointId: 1, status: 1, nextAttemptAt: 1 }, name: 'endpoint_status_next' },
  ],
  webhookAttempts: [{ key: { deliveryId: 1 }, name: 'deliveryId' }],
  // Opening a thread twice is one thread (the insert is the claim); each side lists its threads by activity.
  chatThreads: [
    { key: { clinicId: 1, patientId: 1, physicianId: 1 }, name: 'clinic_patient_physician_unique', unique: true },
    { key: { patientId: 1, lastActivityAt: -1 }, name: 'patient_lastActivityAt' },
    { key: { physicianId: 1, lastActivityAt: -1 }, name: 'physician_lastActivityAt' },
  ],
  // A retried send is the first message (the insert is the claim); history pages by thread and time; unread counts
  // by recipient; the offline-notification sweep by due time.
  chatMessages: [
    { key: { threadId: 1, clientMessageId: 1 }, name: 'thread_clientMessageId_unique', unique: true },
    { key: { threadId: 1, sentAt: -1 }, name: 'thread_sentAt' },
    { key: { recipientId: 1, readAt: 1 }, name: 'recipient_readAt' },
    { key: { notifyAt: 1 }, name: 'notifyAt' },
  ],
};

/**
 * Indexes replaced by another one in INDEXES: `migrate` brings older documents in line with the new key,
 * then the replacement is created and the old index dropped.
 */
const RETIRED_INDEXES: Partial<Record<keyof Collections, { names: string[]; migrate(cols: Collections): Promise<unknown> }>> = {
  users: {
    names: ['email_unique'],
    // Accounts from before phone-only patients: the email + phoneIdentity key needs the field ('' = email account).
    migrate: (cols) => cols.users.updateMany({ phoneIdentity: { $exists: false } }, { $set: { phoneIdentity: '' } }),
  },
};

export async function ensureIndexes(db: Db): Promise<void> {
  const cols = collections(db);
  for (const [name, indexes] of Object.entries(INDEXES) as [keyof Collections, IndexDescription[]][]) {
    const retired = RETIRED_INDEXES[name];
    if (indexes.length === 0 && !retired) continue;
    // Only the missing ones: FerretDB 1.24 drops the connection when a batch re-creates existing indexes.
    const existing = new Set((await cols[name].listIndexes().toArray().catch(() => [])).map((i) => i.name as string));
    const stale = retired?.names.filter((r) => existing.has(r)) ?? [];
    if (stale.length > 0) await retired!.migrate(cols);
    const missing = indexes.filter((i) => !existing.has(i.name!));
    if (missing.length > 0) await cols[name].createIndexes(missing);
    for (const r of stale) await cols[name].dropIndex(r);
  }
}
