import type { ChannelChoice, Clinic, InAppNotification, Locale, NotificationEvent, NotificationPreferences, OutboxEntry, OutboxPage, PreferenceChanges } from '@clinic/contracts';
import { toZonedIso } from '@clinic/scheduling';
import { ObjectId, type AppointmentDoc, type ClinicDoc, type NotificationDoc, type UserNotificationDoc } from '@clinic/db';
import type { Actor } from '../../actor.ts';
import type { ClinicScope } from '../../scope.ts';
import type { ApiDeps, MailAttachment, Notification, Notifier, PushMessage } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { RESYNC_KIND, type AppendEntry, type EventStore } from '../../events/event-store.ts';
import type { AppointmentChange } from '../agenda/agenda.events.ts';
import { letterFor, messageFor, type Audience, type MessageFacts } from './notifications.messages.ts';
import { OUTBOX, channelsFor, createOutbox, type OutboxOutcome } from './notifications.outbox.ts';
import { createPreferences } from './notifications.preferences.ts';
import { createInAppRepository, createNotificationsRepository, toInAppDto } from './notifications.repository.ts';

/**
 * `failed`: nothing went out this time; the outbox keeps it and retries (unless it gave up: the entry says
 * `failed`). Calling again with the key makes the attempt that is due, or answers `queued` (a retry is planned,
 * nothing to do) or `duplicate` (sent, declined or given up before; or being sent by another process). A claim
 * still being stored elsewhere answers `failed` (ask again later); one left so for 10 minutes is taken over.
 */
export type SendOutcome = 'sent' | 'no_channel' | 'skipped' | 'duplicate' | 'queued' | 'failed';

/** Kinds about an appointment as it stands: a retry after it was moved, cancelled or began is dropped. */
const CURRENT_ONLY: ReadonlySet<string> = new Set(['booking_confirmed', 'appointment_reminder']);

/** The patient's notice that the jobs marked their appointment a no-show. */
export const NO_SHOW_KIND: Notification['kind'] = 'appointment_no_show';

/**
 * Kinds without a preference of their own use the channels the patient chose for a related kind: the no-show notice
 * follows up the visit the reminder was about.
 */
const PREFERENCE_OF: Readonly<Record<string, string>> = { [NO_SHOW_KIND]: 'appointment_reminder' };

/** What a message names of its clinic: a clinic's document or its DTO. */
type ClinicNames = Pick<Clinic, 'name' | 'nameAr' | 'timeZone'>;

/**
 * What `sendOnce`'s `build` may hand back beside the message: what it read to build it, so the in-app copy does not
 * read it again (the appointment as re-read after the claim, its clinic, the recipient's language).
 */
export interface BuiltNotification {
  message: Notification;
  appointment?: AppointmentDoc;
  clinic?: ClinicNames;
  locale?: Locale;
  /** The clinic it speaks for when it is about no appointment (a chat thread's). */
  clinicId?: ObjectId;
}

/** What the notification centre reads of other modules, resolved at call time (see services.ts). */
export interface NotificationLinks {
  events(): EventStore;
  localeOf(userId: ObjectId): Promise<Locale>;
  appointment(id: ObjectId): Promise<AppointmentDoc | null>;
  clinic(clinicId: ObjectId): Promise<Clinic>;
  /** The user linked to this physician (the doctor's login), if any. */
  doctorOf(physicianId: ObjectId): Promise<ObjectId | null>;
  pushTo(userId: ObjectId, message: Omit<PushMessage, 'to'>): Promise<unknown>;
  /** The clinic whose records the actor reaches (scope.ts). */
  scope(actor: Actor): Promise<ClinicScope>;
  /** The files an email of this kind carries, rendered now from its data (a payment's receipt PDF); none for most kinds. */
  attachments(kind: Notification['kind'], data: Record<string, string>): Promise<MailAttachment[]>;
}

export const userNotificationsStream = (userId: ObjectId | string) => `user:${String(userId)}:notifications`;
/**
 * The event store files each event under a clinic; a user's stream is the user's own across clinics (a patient
 * books several), so its events carry this id, and the stream's name, chosen from the actor only, is the boundary.
 */
const NO_CLINIC = new ObjectId('000000000000000000000000');

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface NotificationsUseCases {
  list(actor: Actor, input: { cursor?: string | undefined; limit: number }): Promise<{ items: InAppNotification[]; nextCursor: string | null }>;
  unreadCount(actor: Actor): Promise<{ unread: number }>;
  markRead(actor: Actor, id: string): Promise<InAppNotification>;
  markAllRead(actor: Actor): Promise<{ marked: number; unread: 0 }>;
  preferences(actor: Actor): Promise<NotificationPreferences>;
  /** 400 when a kind about bookings or money would be left without any channel. */
  setPreferences(actor: Actor, changes: PreferenceChanges): Promise<NotificationPreferences>;
  /** The actor's own notification events after `lastEventId` (none: from now on), without gap or repeat. */
  follow(actor: Actor, input: { lastEventId?: string | null | undefined }, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: NotificationEvent }>>;
  /** The staff's clinic's outbox entries in this state, newest first (recipients masked). */
  outbox(actor: Actor, input: { status: 'failed' | 'queued' | 'no_channel'; cursor?: string | undefined; limit: number }): Promise<OutboxPage>;
  /** A failed entry of the staff's clinic sent back to the queue and attempted now; 404 for another clinic's. */
  retryOutbox(actor: Actor, id: string): Promise<OutboxEntry>;
}

/** `j***@example.com`: enough for staff to tell which address, not to write to it. */
export const maskEmail = (email: string) => {
  const at = email.lastIndexOf('@');
  return at > 0 ? `${email[0]}***${email.slice(at)}` : '***';
};
/** `+971*******67`: the country code (its first digits) and the last two. */
export const maskPhone = (phone: string) => (phone.length > 6 ? `${phone.slice(0, 4)}${'*'.repeat(phone.length - 6)}${phone.slice(-2)}` : '***');

/** An entry's id outside: its key, base64url (keys hold `|` and `:`, which a path would have to escape). */
const outboxId = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
const outboxKey = (id: string) => Buffer.from(id, 'base64url').toString('utf8');

function toOutboxDto(d: NotificationDoc, timeZone: string): OutboxEntry {
  const at = (date: Date) => toZonedIso(date, timeZone);
  const to = d.message?.to;
  return {
    id: outboxId(d._id),
    kind: d.kind,
    status: d.status,
    recipient: { name: to?.name ?? '', email: to?.email ? maskEmail(to.email) : null, phone: to?.phone ? maskPhone(to.phone) : null },
    appointmentId: d.appointmentId?.toHexString() ?? null,
    channels: d.channels ?? [],
    tries: (d.tries ?? []).map((t) => ({ attempt: t.n, channel: t.channel, at: at(t.at), outcome: t.outcome, error: t.error })),
    lastError: d.lastError ?? null,
    createdAt: at(d.createdAt),
    updatedAt: at(d.updatedAt),
    nextAttemptAt: d.nextAttemptAt ? at(d.nextAttemptAt) : null,
  };
}

/**
 * Kinds whose email carries a file the other channels cannot (the receipt PDF): email is tried first, then the
 * notifier's order, so a patient with an address gets the document and one without still gets the text.
 */
const EMAIL_FIRST: ReadonlySet<string> = new Set(['payment_received']);

/** Appointment changes both sides hear of, as the in-app kind they become. */
const CHANGE_KINDS = { moved: 'appointment_moved', cancelled: 'appointment_cancelled' } as const;

export function createNotificationsService(deps: ApiDeps, notifier: Notifier, links: NotificationLinks) {
  const repo = createNotificationsRepository(deps.db.cols);
  const inApp = createInAppRepository(deps.db.cols);
  const prefs = createPreferences(deps.db.cols, deps.clock);
  const outbox = createOutbox(deps, notifier, repo, async (entry) => {
    if (!CURRENT_ONLY.has(entry.kind) || !entry.appointmentId || !entry.startsAt) return true;
    const appt = await links.appointment(entry.appointmentId);
    return appt?.status === 'confirmed' && appt.startsAt.getTime() === entry.startsAt.getTime() && appt.startsAt > deps.clock();
  }, async (entry) => (entry.message ? links.attachments(entry.kind, entry.message.data) : []));

  async function publish(userId: ObjectId, kind: NotificationEvent['kind'], notification: InAppNotification | null, unread: number) {
    await links.events().append(userNotificationsStream(userId), NO_CLINIC, kind, { notification, unread });
  }

  /** The clinic a change already read when it is the appointment's, else read. */
  const clinicOf = async (appt: AppointmentDoc, known?: ClinicNames & { _id?: ObjectId; id?: string }): Promise<ClinicNames> =>
    known && (known._id ? known._id.equals(appt.clinicId) : known.id === appt.clinicId.toHexString()) ? known : links.clinic(appt.clinicId);

  /** Staff's and admins' own clinic and its time zone (roles are checked by the procedure). */
  async function staffClinic(actor: Actor): Promise<{ clinicId: ObjectId; timeZone: string }> {
    const scope = await links.scope(actor);
    if (scope.kind !== 'clinic') throw new AppError('FORBIDDEN', "Only a clinic's staff see its outbox.");
    return { clinicId: scope.clinicId, timeZone: (await links.clinic(scope.clinicId)).timeZone };
  }

  function factsOf(appt: AppointmentDoc, locale: Locale, clinic: ClinicNames, extra: Partial<MessageFacts> = {}): MessageFacts {
    return {
      physicianName: appt.physicianName,
      patientName: appt.patient.name,
      clinicName: locale === 'ar' && clinic.nameAr ? clinic.nameAr : clinic.name,
      startsAt: appt.startsAt,
      timeZone: clinic.timeZone,
      amount: '',
      ...extra,
    };
  }

  /** One in-app notification for one user; `choice`: their channels for its kind when the caller read them. */
  interface Delivery {
    key: string;
    userId: ObjectId;
    entry: Pick<UserNotificationDoc, 'kind' | 'clinicId' | 'title' | 'body' | 'data'>;
    choice?: ChannelChoice | undefined;
  }

  /**
   * Stores in-app notifications (once per key and user) in one insert, tells each user's live stream (one insert of
   * their events), and pushes them to their phones. Never throws: what it reports is already decided, and the change
   * or send it accompanies must go on.
   */
  async function deliver(deliveries: Delivery[]): Promise<void> {
    try {
      const now = deps.clock();
      const planned: { doc: UserNotificationDoc; keep: boolean; push: boolean }[] = [];
      for (const { key, userId, entry, choice } of deliveries) {
        const { in_app: keep, push } = choice ?? (await prefs.of(userId, entry.kind));
        if (!keep && !push) continue;
        // Switched off in-app but not push: stored (its key stops a retried send pushing twice), read and hidden.
        const doc: UserNotificationDoc = { _id: new ObjectId(), key: `${key}|${userId.toHexString()}`, userId, ...entry, createdAt: now, readAt: keep ? null : now, ...(keep ? {} : { hidden: true }) };
        planned.push({ doc, keep, push });
      }
      const won = await inApp.insertMany(planned.map((p) => p.doc));
      const stored = planned.filter((_, i) => won[i]).map((p) => ({ ...p, dto: toInAppDto(p.doc) }));
      const created: AppendEntry[] = [];
      for (const p of stored) {
        if (p.keep) created.push({ stream: userNotificationsStream(p.doc.userId), clinicId: NO_CLINIC, kind: 'created', data: { notification: p.dto, unread: await inApp.unread(p.doc.userId) } });
      }
      // Stored, each live event is published (or the stream's readers resync): a failure here only delays the screen.
      if (created.length > 0) await links.events().appendMany(created).catch((err: unknown) => deps.log?.warn({ err }, 'in-app notification stored, its live event not'));
      for (const p of stored) {
        if (p.push) await links.pushTo(p.doc.userId, { title: p.doc.title, body: p.doc.body, data: { ...p.doc.data, notificationId: p.dto.id, kind: p.doc.kind } });
      }
    } catch (err) {
      deps.log?.warn({ err, kinds: deliveries.map((d) => d.entry.kind) }, 'in-app notification not stored');
    }
  }

  /**
   * The in-app copy of a message sent through the notifier, in its recipient's language where the kind is written.
   * `known`: the clinic and the language when the message's builder read them already.
   */
  async function inAppCopy(key: string, userId: ObjectId, appt: AppointmentDoc | null, message: Notification, choice: ChannelChoice, known: { clinic?: ClinicNames | undefined; locale?: Locale | undefined } = {}): Promise<void> {
    try {
      const locale = known.locale ?? (await links.localeOf(userId));
      const facts = { amount: message.data['amount'] ?? '', receiptNumber: message.data['receiptNumber'], insurer: message.data['insurer'] };
      const text = appt ? messageFor(message.kind, 'patient', factsOf(appt, locale, await clinicOf(appt, known.clinic), facts), locale) : null;
      await deliver([
        {
          key,
          userId,
          entry: {
            kind: message.kind,
            clinicId: appt?.clinicId ?? null,
            title: text?.title ?? message.subject,
            body: text?.body ?? message.text,
            // A payment's notice names the payment too: the app opens its receipt (GET /payments/{id}/receipt.pdf).
            data: { ...(appt ? { appointmentId: appt._id.toHexString() } : {}), ...(message.data['paymentId'] ? { paymentId: message.data['paymentId'] } : {}) },
          },
          choice,
        },
      ]);
    } catch (err) {
      deps.log?.warn({ err, kind: message.kind, userId: userId.toHexString() }, 'in-app notification not stored');
    }
  }

  const asSendOutcome = (o: OutboxOutcome): SendOutcome => (o === 'retrying' ? 'failed' : o);

  /** A key claimed before: the attempt it is due for, if any (a caller's retry drives the outbox as the sweep does). */
  async function retryOf(key: string, now: Date): Promise<SendOutcome | 'abandoned'> {
    const entry = await repo.byKey(key);
    if (entry?.status === 'sending' && !entry.message) {
      // Claimed before its message was built (as earlier versions stored entries): being stored by another process
      // (nothing to settle yet: ask again later), or its process stopped in between (given back after the lease).
      if (now.getTime() - entry.createdAt.getTime() < OUTBOX.leaseMs) return 'failed';
      await repo.releaseAbandoned(key, entry.createdAt);
      return 'abandoned';
    }
    if (entry?.status !== 'queued' || !entry.message) return 'duplicate';
    if (entry.nextAttemptAt && entry.nextAttemptAt > now) return 'queued';
    return asSendOutcome(await outbox.run(entry, false));
  }

  /** One appointment change to each of its readers (patient, doctor), each in their language, stored together. */
  async function tell(key: string, readers: { userId: ObjectId; audience: Audience }[], kind: string, appt: AppointmentDoc, clinic: ClinicNames): Promise<void> {
    const deliveries: Delivery[] = [];
    for (const { userId, audience } of readers) {
      const locale = await links.localeOf(userId);
      const text = messageFor(kind, audience, factsOf(appt, locale, clinic), locale);
      if (text) deliveries.push({ key, userId, entry: { kind, clinicId: appt.clinicId, ...text, data: { appointmentId: appt._id.toHexString() } } });
    }
    await deliver(deliveries);
  }

  /**
   * No-show notices waiting to be sent, one after another behind the sweep that marked them: the sweep (and the
   * agenda events of the next no-shows) does not wait for each notice's dozen round trips and its send.
   */
  let noShowNotices: Promise<void> = Promise.resolve();
  let noShowsPending = 0;

  /**
   * The patient's no-show notice, once per appointment (a no-show is final, so it needs no re-reading: the change
   * carries the appointment as the sweep left it). In-app, pushed and through the outside channels, in their language.
   */
  async function tellNoShow(appt: AppointmentDoc, knownClinic: ClinicDoc | undefined): Promise<SendOutcome> {
    return sendOnce(`no_show|${appt._id.toHexString()}`, { kind: NO_SHOW_KIND, patientId: appt.patientId, appointmentId: appt._id }, async () => {
      const [clinic, locale] = [await clinicOf(appt, knownClinic), await links.localeOf(appt.patientId)];
      const facts = factsOf(appt, locale, clinic);
      const letter = letterFor('appointment_no_show', { ...facts, recipientName: appt.patient.name }, locale);
      return {
        message: {
          kind: NO_SHOW_KIND,
          to: { userId: appt.patientId.toHexString(), ...appt.patient },
          subject: letter.subject,
          text: letter.text,
          data: { patientName: appt.patient.name, physicianName: appt.physicianName, when: letter.when, appointmentId: appt._id.toHexString() },
          locale,
        },
        appointment: appt,
        clinic,
        locale,
      };
    });
  }

  /**
   * Sends the message named `key` at most once, whatever the number of processes or retries, and keeps it in
   * the recipient's notification centre. `build` reads what the message speaks of and may decline (null → skipped);
   * it may hand back what it read with the message (`BuiltNotification`). Then the in-app copy (unique per key and
   * user), then one insert stores the outbox entry with its message: its unique key is the claim, so of any number
   * of callers one sends; the others answer what the stored entry says. The first attempt is made here; a failed
   * one is retried by `sweepOutbox` (→ `queued`), so a repeated key means sent or on its way.
   */
  async function sendOnce(
    key: string,
    about: { kind: Notification['kind']; patientId: ObjectId; appointmentId: ObjectId | null },
    build: () => Promise<Notification | BuiltNotification | null>,
  ): Promise<SendOutcome> {
    const now = deps.clock();
    /** Stores the entry under `key`: the claim (its unique `_id`). Not won: what the entry stored before says. */
    async function store(doc: Omit<NotificationDoc, '_id' | 'createdAt' | 'updatedAt' | 'kind' | 'patientId' | 'appointmentId'>): Promise<SendOutcome | null> {
      const full = { _id: key, ...about, createdAt: now, updatedAt: now, ...doc } as NotificationDoc;
      for (let attempt = 0; attempt < 2; attempt++) {
        if (await repo.store(full)) return null;
        const outcome = await retryOf(key, now);
        if (outcome !== 'abandoned') return outcome;
      }
      return 'duplicate';
    }
    const built = await build();
    if (!built) return (await store({ status: 'skipped' })) ?? 'skipped';
    const { message, ...known }: BuiltNotification = 'message' in built ? built : { message: built };
    const choice = await prefs.of(about.patientId, PREFERENCE_OF[message.kind] ?? message.kind);
    const appt = about.appointmentId && known.appointment?._id.equals(about.appointmentId) ? known.appointment : about.appointmentId ? await links.appointment(about.appointmentId).catch(() => null) : null;
    // Before the outbox entry, under its own unique key: kept once whatever becomes of the other channels (a call
    // that finds the entry stored already finds the copy too, and stores nothing).
    await inAppCopy(key, about.patientId, appt, message, choice, { ...known, locale: known.locale ?? message.locale });
    const allowed = channelsFor(notifier, choice);
    const channels = EMAIL_FIRST.has(message.kind) && allowed.includes('email') ? ['email' as const, ...allowed.filter((c) => c !== 'email')] : allowed;
    const clinicId = appt?.clinicId ?? known.clinicId ?? null;
    if (channels.length === 0) {
      const outside = choice.email || choice.whatsapp || choice.sms;
      const outcome = outside ? 'no_channel' : choice.in_app || choice.push ? 'sent' : 'skipped';
      return (await store({ status: outcome, clinicId })) ?? outcome;
    }
    const entry = {
      status: 'queued' as const,
      message: { to: message.to, subject: message.subject, text: message.text, data: message.data, ...(message.locale ? { locale: message.locale } : {}) },
      channels,
      channel: 0,
      attempts: 0,
      channelFailures: 0,
      // Should this process stop before its first attempt, the sweep takes over after this.
      nextAttemptAt: new Date(now.getTime() + OUTBOX.firstRetryMs),
      round: 0,
      roundFailed: false,
      lastError: null,
      sentVia: null,
      startsAt: CURRENT_ONLY.has(about.kind) ? (appt?.startsAt ?? null) : null,
      clinicId,
      tries: [],
    };
    // One insert stores the message and claims it; a key stored before answers as its entry says.
    let before: SendOutcome | null;
    try {
      before = await store(entry);
    } catch (err) {
      deps.log?.warn({ err, kind: about.kind }, 'notification not stored; the caller retries it');
      return 'failed';
    }
    if (before) return before;
    try {
      return asSendOutcome(await outbox.run({ _id: key, ...about, createdAt: now, updatedAt: now, ...entry }, true));
    } catch (err) {
      // Stored: the sweep sends it.
      deps.log?.warn({ err, kind: about.kind }, 'notification stored, first attempt not made');
      return 'queued';
    }
  }

  return {
    sendOnce,

    /** The language a user's notifications are written in (for the builders of `sendOnce`'s messages). */
    localeOf: (userId: ObjectId): Promise<Locale> => links.localeOf(userId),

    /** Resolves when the notices started in the background have been sent or stored (for a clean shutdown, and tests). */
    async idle(): Promise<void> {
      while (noShowsPending > 0) await noShowNotices;
    },

    /** Retries the outbox's due notifications (the jobs tick, in every process). */
    sweepOutbox: () => outbox.sweep(),

    /**
     * Both sides of a booking change: the doctor hears of a confirmed booking (the patient's confirmation is the
     * jobs' message, above); patient and doctor of a move or a cancellation; the patient of a no-show (once per
     * appointment, through `sendOnce`). Keyed by the appointment's history length, which each change advances, so
     * every (change, recipient) is told once. Reads only what the change does not carry (`change.known`) and only
     * for the changes someone is told of. Never throws.
     */
    async appointmentChanged(change: AppointmentChange): Promise<void> {
      const appt = change.appointment;
      try {
        if (change.kind === 'no_show') {
          // After the hook returns (see `idle`): a notice, like the no-show itself, is no answer anyone waits for. It is
          // claimed and stored in the outbox when its turn comes, so from then on it is sent once, retried if need be.
          noShowsPending++;
          noShowNotices = noShowNotices
            .then(() => tellNoShow(appt, change.known?.clinic))
            .then(
              () => undefined,
              (err: unknown) => deps.log?.warn({ err, appointmentId: appt._id.toHexString() }, 'no-show notice not sent'),
            )
            .finally(() => noShowsPending--);
          return;
        }
        const confirmed = change.kind === 'confirmed' || change.kind === 'paid' || (change.kind === 'booked' && appt.status === 'confirmed');
        if (!confirmed && change.kind !== 'moved' && change.kind !== 'cancelled') return;
        const key = `change|${appt._id.toHexString()}|${appt.history.length}`;
        const doctor = change.known?.doctor !== undefined ? change.known.doctor : await links.doctorOf(appt.physicianId);
        if (confirmed) {
          if (doctor) await tell(key, [{ userId: doctor, audience: 'doctor' }], 'booking_confirmed', appt, await clinicOf(appt, change.known?.clinic));
          return;
        }
        const kind = CHANGE_KINDS[change.kind as keyof typeof CHANGE_KINDS];
        const clinic = await clinicOf(appt, change.known?.clinic);
        await tell(key, [{ userId: appt.patientId, audience: 'patient' }, ...(doctor ? [{ userId: doctor, audience: 'doctor' as const }] : [])], kind, appt, clinic);
      } catch (err) {
        deps.log?.warn({ err, appointmentId: appt._id.toHexString(), kind: change.kind }, 'appointment change not notified');
      }
    },

    async outbox(actor: Actor, input: { status: 'failed' | 'queued' | 'no_channel'; cursor?: string | undefined; limit: number }): Promise<OutboxPage> {
      const { clinicId, timeZone } = await staffClinic(actor);
      let after: { createdAt: Date; key: string } | null = null;
      if (input.cursor) {
        const [ms, id] = Buffer.from(input.cursor, 'base64url').toString('utf8').split(' ');
        if (!ms || !id || !Number.isSafeInteger(Number(ms))) throw new AppError('VALIDATION_FAILED', 'cursor is not one this API returned.', { fieldErrors: { cursor: ['is not a cursor this API returned'] } });
        after = { createdAt: new Date(Number(ms)), key: outboxKey(id) };
      }
      const docs = await repo.ofClinic(clinicId, input.status, after, input.limit + 1);
      const page = docs.slice(0, input.limit);
      const last = page.at(-1);
      return {
        items: page.map((d) => toOutboxDto(d, timeZone)),
        nextCursor: docs.length > input.limit && last ? Buffer.from(`${last.createdAt.getTime()} ${outboxId(last._id)}`, 'utf8').toString('base64url') : null,
        timeZone,
      };
    },

    async retryOutbox(actor: Actor, id: string): Promise<OutboxEntry> {
      const { clinicId, timeZone } = await staffClinic(actor);
      const key = outboxKey(id);
      const now = deps.clock();
      const requeued = await repo.requeue(key, clinicId, now);
      if (!requeued) {
        const entry = await repo.inClinic(key, clinicId);
        if (!entry) throw new AppError('NOT_FOUND', 'No such notification in your clinic\'s outbox.');
        throw new AppError('INVALID_TRANSITION', `Only a failed notification is sent again; this one is ${entry.status}.`);
      }
      try {
        // The sweep's path: still about the appointment as it stands (else skipped), one channel after another.
        await outbox.run(requeued, false);
      } catch (err) {
        deps.log?.warn({ err, kind: requeued.kind }, 'outbox entry requeued, first attempt not made; the sweep retries it');
      }
      return toOutboxDto((await repo.byKey(key)) ?? requeued, timeZone);
    },

    preferences: (actor: Actor) => prefs.all(new ObjectId(actor.userId)),
    setPreferences: (actor: Actor, changes: PreferenceChanges) => prefs.change(new ObjectId(actor.userId), changes),

    async list(actor: Actor, input: { cursor?: string | undefined; limit: number }) {
      const docs = await inApp.page(new ObjectId(actor.userId), input.cursor ? new ObjectId(input.cursor) : null, input.limit + 1);
      const items = docs.slice(0, input.limit).map(toInAppDto);
      return { items, nextCursor: docs.length > input.limit ? items.at(-1)!.id : null };
    },

    async unreadCount(actor: Actor) {
      return { unread: await inApp.unread(new ObjectId(actor.userId)) };
    },

    /** Another user's notification answers as an unknown one. */
    async markRead(actor: Actor, id: string): Promise<InAppNotification> {
      const userId = new ObjectId(actor.userId);
      const res = await inApp.markRead(userId, new ObjectId(id), deps.clock());
      if (!res) throw new AppError('NOT_FOUND', 'No such notification of yours.');
      const dto = toInAppDto(res.doc);
      if (res.changed) await publish(userId, 'read', dto, await inApp.unread(userId)).catch((err: unknown) => deps.log?.warn({ err }, 'notification event not stored'));
      return dto;
    },

    async markAllRead(actor: Actor) {
      const userId = new ObjectId(actor.userId);
      const marked = await inApp.markAllRead(userId, deps.clock());
      if (marked > 0) await publish(userId, 'all_read', null, 0).catch((err: unknown) => deps.log?.warn({ err }, 'notification event not stored'));
      return { marked, unread: 0 as const };
    },

    async follow(actor: Actor, input: { lastEventId?: string | null | undefined }, signal: AbortSignal) {
      const events = links.events();
      const stream = userNotificationsStream(actor.userId);
      // "From now" is fixed before the subscription is confirmed, so a notification stored once it is cannot be missed.
      const after = input.lastEventId ? Number(input.lastEventId) : await events.lastSeq(stream);
      return (async function* () {
        for await (const e of events.follow(stream, after, signal)) {
          const at = e.at.toISOString();
          if (e.kind === RESYNC_KIND) {
            yield { id: String(e.seq), event: { kind: 'resync', notification: null, unread: null, at } satisfies NotificationEvent };
            continue;
          }
          const data = e.data as { notification: InAppNotification | null; unread: number };
          // Dates went into the store as Dates and come back as Dates; an event from a Redis peer is read from the store too.
          yield { id: String(e.seq), event: { kind: e.kind as NotificationEvent['kind'], notification: data.notification, unread: data.unread, at } satisfies NotificationEvent };
        }
      })();
    },
  };
}
export type NotificationsService = ReturnType<typeof createNotificationsService>;
