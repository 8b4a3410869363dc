import type { ChatEvent, ChatMessage, ChatSide, ChatThread } from '@clinic/contracts';
import { ObjectId, type ChatMessageDoc, type ChatThreadDoc, type EncryptedValue, type PhysicianDoc } from '@clinic/db';
import { toZonedIso } from '@clinic/scheduling';
import type { Actor } from '../../actor.ts';
import type { ApiDeps, Notification } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { RESYNC_KIND, type EventStore } from '../../events/event-store.ts';
import { createPiiCipher } from '../../security/pii.ts';
import type { Limit, RateLimiter } from '../../security/rate-limit.ts';
import type { AppointmentsService } from '../appointments/appointments.service.ts';
import { CATALOGUE_VERSION, createVersionedCache, readThrough, type CacheVersions, type VersionSnapshot } from '../appointments/slots-cache.ts';
import { settingsOf, type ClinicService } from '../clinic/clinic.service.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import type { PhysiciansService } from '../physicians/physicians.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { createChatRepository } from './chat.repository.ts';
import { letterFor } from '../notifications/notifications.messages.ts';

/** Messages per user: a burst a person can type, not a script. */
export const CHAT_LIMITS: { perSecond: Limit; perMinute: Limit } = {
  perSecond: { max: 5, windowSeconds: 1 },
  perMinute: { max: 60, windowSeconds: 60 },
};
/** An unread message earns the recipient a notification after this long… */
export const CHAT_NOTICE_AFTER_MS = 2 * 60_000;
/** …and a thread gives each participant at most one per window of this length. */
export const CHAT_NOTICE_WINDOW_MS = 15 * 60_000;

const MAX_THREADS = 100;
const PREVIEW_CHARS = 120;
const SWEEP_BATCH = 200;
const SWEEP_MAX_BATCHES = 10;

export const chatStream = (userId: ObjectId | string) => `user:${String(userId)}:chat`;

/** What a chat event stores: the message without its text, which is kept sealed as in `chat_messages`. */
interface ChatEventData {
  threadId: string;
  /** Both participants' user ids: a follower delivers only events of threads it is part of. */
  participants: string[];
  /** The thread's physician, so that the recipient's follower can mark a message delivered without reading the thread (absent on older events). */
  physicianId?: string;
  message: Omit<ChatMessage, 'text'> | null;
  sealed: EncryptedValue | null;
  upTo: string | null;
  by: string | null;
}

export interface ChatUseCases {
  threads(actor: Actor): Promise<{ items: ChatThread[] }>;
  open(actor: Actor, input: { physicianId?: string | undefined; patientId?: string | undefined }): Promise<ChatThread>;
  history(actor: Actor, input: { threadId: string; before?: string | undefined; limit: number }): Promise<{ items: ChatMessage[]; nextBefore: string | null }>;
  send(actor: Actor, input: { threadId: string; text: string; clientMessageId?: string | undefined }): Promise<ChatMessage>;
  markDelivered(actor: Actor, input: { threadId: string; upTo: string }): Promise<{ updated: number }>;
  markRead(actor: Actor, input: { threadId: string; upTo: string }): Promise<{ updated: number }>;
  /** The id of the caller's latest chat event ("0": none yet): read the threads, then follow from here with no gap. */
  position(actor: Actor): Promise<{ lastEventId: string }>;
  /** The caller's chat events (the id is the stream's sequence number); refusals are thrown before any event. */
  follow(actor: Actor, input: { lastEventId?: string | null | undefined }, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: ChatEvent }>>;
}

/** What delivering and publishing need of a thread: the recipient's follower rebuilds it from the event, with no read. */
type ThreadRef = Pick<ChatThreadDoc, '_id' | 'clinicId' | 'patientId' | 'physicianId'>;
/** What never changes of a thread once created (threads are never deleted): kept in memory for good. */
type ThreadIdentity = Omit<ChatThreadDoc, 'lastMessage' | 'lastActivityAt'>;
/** What a mark needs of the message it names; immutable, so kept in memory for good once seen. */
type MessageRef = Pick<ChatMessageDoc, '_id' | 'threadId' | 'sentAt'>;

const MAX_KEPT = 10_000;
/** A bounded map: the oldest entry goes first. */
function keptMap<T>() {
  const map = new Map<string, T>();
  return {
    get: (key: string) => map.get(key),
    set(key: string, value: T) {
      if (!map.has(key) && map.size >= MAX_KEPT) map.delete(map.keys().next().value!);
      map.set(key, value);
    },
  };
}
/** Whether `a` comes after `b` in a thread's order (time, then id), as `upToFilter` reads it. */
const isAfter = (a: Pick<ChatMessageDoc, '_id' | 'sentAt'>, b: Pick<ChatMessageDoc, '_id' | 'sentAt'>) =>
  a.sentAt.getTime() > b.sentAt.getTime() || (a.sentAt.getTime() === b.sentAt.getTime() && a._id.toHexString() > b._id.toHexString());

const FAR_PAST = new Date(Date.UTC(1900, 0, 1));
const FAR_FUTURE = new Date(Date.UTC(2200, 0, 1));

export function createChatService(
  deps: ApiDeps,
  clinic: ClinicService,
  physicians: PhysiciansService,
  users: UsersService,
  notifications: NotificationsService,
  rateLimiter: Pick<RateLimiter, 'hitAll'>,
  events: EventStore,
  appointments: Pick<AppointmentsService, 'startingBetween'>,
  versions: CacheVersions,
) {
  const repo = createChatRepository(deps.db.cols);
  // The key that seals Emirates IDs: one secret to keep and rotate for personal data at rest. Messages are bound
  // to their thread (the AAD), so a sealed text copied into another thread does not open.
  const cipher = createPiiCipher(deps.insurance.encryptionKey);
  const seal = (text: string, threadId: ObjectId) => cipher.encrypt(text, `chat:${threadId.toHexString()}`);
  const open = (value: EncryptedValue, threadId: ObjectId | string) => cipher.decrypt(value, `chat:${String(threadId)}`);

  const notFound = () => new AppError('NOT_FOUND', 'No such chat thread.');
  const toId = (id: string) => new ObjectId(id);

  // Every message names its thread, its physician (who receives it, or whose login sends it) and its clinic (the time
  // zone): on FerretDB's one connection those reads were most of a message's commands. A thread's identity never
  // changes; physicians and clinics are kept under the catalogue version, which every write of either replaces
  // before it answers (relinking a physician's login included), in Redis when several processes share the bus.
  const threadCache = keptMap<ThreadIdentity>();
  const messageCache = keptMap<MessageRef>();
  const physicianCache = createVersionedCache<PhysicianDoc>({ clock: deps.clock });
  const linkedCache = createVersionedCache<PhysicianDoc>({ clock: deps.clock });
  const zoneCache = createVersionedCache<string>({ clock: deps.clock });
  /** The catalogue's version now (no round trip in one process, one MGET with Redis): read once per use case. */
  const catalogue = () => versions.read([CATALOGUE_VERSION]);

  /** The doctor's own physician, or null for a doctor account not linked to one. */
  const ownPhysician = async (actor: Actor, snap?: VersionSnapshot | null): Promise<PhysicianDoc | null> =>
    readThrough(linkedCache, actor.userId, snap === undefined ? await catalogue() : snap, CATALOGUE_VERSION, () => physicians.ofUser(actor.userId));

  async function threadOf(id: ObjectId): Promise<ThreadIdentity | null> {
    const key = id.toHexString();
    const kept = threadCache.get(key);
    if (kept) return kept;
    const doc = await repo.threadById(id);
    if (!doc) return null;
    const identity: ThreadIdentity = { _id: doc._id, clinicId: doc.clinicId, patientId: doc.patientId, physicianId: doc.physicianId, patientName: doc.patientName, physicianName: doc.physicianName, createdAt: doc.createdAt };
    threadCache.set(key, identity);
    return identity;
  }

  /** A message of the thread (for a mark or a page's cursor), from memory when this process has seen it. */
  async function messageOf(threadId: ObjectId, id: ObjectId): Promise<MessageRef | null> {
    const kept = messageCache.get(id.toHexString());
    if (kept) return kept.threadId.equals(threadId) ? kept : null;
    const doc = await repo.messageById(threadId, id);
    if (doc) remember(doc);
    return doc;
  }
  const remember = (m: MessageRef) => messageCache.set(m._id.toHexString(), { _id: m._id, threadId: m.threadId, sentAt: m.sentAt });

  /** Whether the patient has or had any appointment with the physician (any status), in the physician's clinic. */
  async function haveMet(patientId: ObjectId, physician: PhysicianDoc): Promise<boolean> {
    return (await appointments.startingBetween(physician.clinicId, { physicianId: physician._id, patientId }, FAR_PAST, FAR_FUTURE)).length > 0;
  }

  /** The thread and the caller's side of it; anyone else (another patient, staff, another clinic) is answered 404. */
  async function participation(actor: Actor, threadId: string, snap?: VersionSnapshot | null): Promise<{ thread: ThreadIdentity; side: ChatSide }> {
    const thread = await threadOf(toId(threadId));
    if (!thread) throw notFound();
    if (actor.role === 'patient' && thread.patientId.equals(actor.userId)) return { thread, side: 'patient' };
    if (actor.role === 'doctor') {
      const own = await ownPhysician(actor, snap);
      if (own && own._id.equals(thread.physicianId) && own.clinicId.equals(thread.clinicId)) return { thread, side: 'doctor' };
    }
    throw notFound();
  }

  /** The user on the other side: the patient, or the account linked to the physician (null when none is). */
  async function counterpart(thread: Pick<ChatThreadDoc, 'patientId' | 'physicianId'>, side: ChatSide, snap?: VersionSnapshot | null): Promise<ObjectId | null> {
    if (side === 'doctor') return thread.patientId;
    const id = thread.physicianId.toHexString();
    const physician = await readThrough(physicianCache, id, snap === undefined ? await catalogue() : snap, CATALOGUE_VERSION, () => physicians.load(id).catch(() => null));
    return physician?.userId ?? null;
  }

  const zone = async (clinicId: ObjectId, snap?: VersionSnapshot | null) =>
    (await readThrough(zoneCache, clinicId.toHexString(), snap === undefined ? await catalogue() : snap, CATALOGUE_VERSION, async () => (await clinic.settingsFor(clinicId)).timeZone))!;
  const iso = (at: Date | null, tz: string) => (at ? toZonedIso(at, tz) : null);

  function messageDto(doc: ChatMessageDoc, tz: string, text: string): ChatMessage {
    return {
      id: doc._id.toHexString(),
      threadId: doc.threadId.toHexString(),
      clientMessageId: doc.clientMessageId,
      sender: doc.sender,
      senderId: doc.senderId.toHexString(),
      text,
      sentAt: toZonedIso(doc.sentAt, tz),
      deliveredAt: iso(doc.deliveredAt, tz),
      readAt: iso(doc.readAt, tz),
    };
  }

  function threadDto(doc: ChatThreadDoc, tz: string, unread: number): ChatThread {
    const last = doc.lastMessage;
    return {
      id: doc._id.toHexString(),
      clinicId: doc.clinicId.toHexString(),
      patientId: doc.patientId.toHexString(),
      patientName: doc.patientName,
      physicianId: doc.physicianId.toHexString(),
      physicianName: doc.physicianName,
      lastMessage: last ? { id: last.id.toHexString(), sender: last.sender, preview: open(last.text, doc._id).slice(0, PREVIEW_CHARS), sentAt: toZonedIso(last.sentAt, tz) } : null,
      unread,
      createdAt: toZonedIso(doc.createdAt, tz),
      lastActivityAt: toZonedIso(doc.lastActivityAt, tz),
    };
  }

  /**
   * Stores the event in both participants' streams (a message, a read mark: the actor's other devices follow them too),
   * or, for a delivered mark, in the other side's only: it tells the sender their message arrived, which the
   * recipient's devices have no use for (and, with two processes, the recipient's stream then stays written by the
   * sender's process alone, so its appends do not collide). The change is committed: a failure is logged, never thrown.
   */
  async function publish(thread: ThreadRef, recipient: ObjectId | null, kind: 'message' | 'delivered' | 'read', data: Omit<ChatEventData, 'threadId' | 'participants'>) {
    const sender = kind === 'message' ? data.message!.senderId : data.by!;
    const participants = [...new Set([sender, ...(recipient ? [recipient.toHexString()] : [])])];
    const payload: ChatEventData = { threadId: thread._id.toHexString(), participants, physicianId: thread.physicianId.toHexString(), ...data };
    const streams = kind === 'delivered' ? participants.filter((userId) => userId !== sender) : participants;
    if (streams.length === 0) return;
    try {
      await events.appendMany(streams.map((userId) => ({ stream: chatStream(userId), clinicId: thread.clinicId, kind, data: { ...payload } })));
    } catch (err) {
      deps.log?.warn({ err, threadId: payload.threadId, kind }, 'chat event not stored');
    }
  }

  /** Patients and doctors chat; anyone else has no chat stream to follow. */
  function streamOf(actor: Actor): string {
    if (actor.role !== 'patient' && actor.role !== 'doctor') throw new AppError('FORBIDDEN', 'Only patients and doctors chat.');
    return chatStream(actor.userId);
  }

  /** The other side learns its messages reached the recipient: up to `upTo`, or (none given) all of them so far. */
  async function deliver(thread: ThreadRef, recipient: ObjectId, upTo: Pick<ChatMessageDoc, '_id' | 'sentAt'> | null) {
    const latest = upTo ?? (await repo.latestTo(thread._id, recipient));
    if (!latest) return 0;
    const now = deps.clock();
    const updated = await repo.markDelivered(thread._id, recipient, latest, now);
    if (updated > 0) {
      const sender = thread.patientId.equals(recipient) ? await counterpart(thread, 'patient') : thread.patientId;
      await publish(thread, sender, 'delivered', { message: null, sealed: null, upTo: latest._id.toHexString(), by: recipient.toHexString() });
    }
    return updated;
  }

  /**
   * `deliver` from the recipient's follower, one at a time per thread and recipient in this process: what arrives while
   * one is written waits and goes as one mark up to the latest (a mark covers every message before it), so a busy
   * process writes fewer marks instead of queueing one per message, and the follower never waits for the database.
   */
  const delivering = new Map<string, { next: Pick<ChatMessageDoc, '_id' | 'sentAt'> | null }>();
  function deliverSoon(thread: ThreadRef, recipient: ObjectId, upTo: Pick<ChatMessageDoc, '_id' | 'sentAt'>) {
    const key = `${thread._id.toHexString()}|${recipient.toHexString()}`;
    const running = delivering.get(key);
    if (running) {
      if (!running.next || isAfter(upTo, running.next)) running.next = upTo;
      return;
    }
    const entry: { next: Pick<ChatMessageDoc, '_id' | 'sentAt'> | null } = { next: null };
    delivering.set(key, entry);
    void (async () => {
      for (let at: typeof entry.next = upTo; at; at = entry.next, entry.next = null) {
        try {
          await deliver(thread, recipient, at);
        } catch (err) {
          deps.log?.warn({ err, threadId: thread._id.toHexString() }, 'chat message not marked delivered');
        }
      }
      delivering.delete(key);
    })();
  }

  async function mark(actor: Actor, input: { threadId: string; upTo: string }, what: 'delivered' | 'read') {
    const snap = await catalogue();
    const { thread, side } = await participation(actor, input.threadId, snap);
    const upTo = await messageOf(thread._id, toId(input.upTo));
    if (!upTo) throw new AppError('NOT_FOUND', 'No such message in this thread.', { fieldErrors: { upTo: ['is not a message of this thread'] } });
    const me = toId(actor.userId);
    if (what === 'delivered') return { updated: await deliver(thread, me, upTo) };
    const updated = await repo.markRead(thread._id, me, upTo, deps.clock());
    if (updated > 0) await publish(thread, await counterpart(thread, side, snap), 'read', { message: null, sealed: null, upTo: upTo._id.toHexString(), by: actor.userId });
    return { updated };
  }

  /** The notice of unread messages: who wrote, never what (the text stays in the app). */
  async function noticeFor(thread: ChatThreadDoc, recipientId: ObjectId): Promise<Notification | null> {
    const recipient = await users.me(recipientId.toHexString()).catch(() => null);
    if (!recipient) return null;
    const fromPatient = thread.patientId.equals(recipientId) === false;
    const from = fromPatient ? thread.patientName : thread.physicianName;
    const of = await clinic.infoFor(thread.clinicId);
    const locale = recipient.locale;
    const letter = letterFor('chat_message', { recipientName: recipient.fullName, senderName: from, clinicName: locale === 'ar' && of.nameAr ? of.nameAr : of.name }, locale);
    return {
      kind: 'chat_message',
      to: { userId: recipient.id, name: recipient.fullName, email: recipient.email, phone: recipient.phone },
      subject: letter.subject,
      text: letter.text,
      data: { recipientName: recipient.fullName, senderName: from, threadId: thread._id.toHexString() },
      locale,
    };
  }

  return {
    async threads(actor: Actor): Promise<{ items: ChatThread[] }> {
      let docs: ChatThreadDoc[];
      if (actor.role === 'doctor') {
        const own = await ownPhysician(actor);
        docs = own ? await repo.threadsOfPhysician(own.clinicId, own._id, MAX_THREADS) : [];
      } else {
        docs = await repo.threadsOfPatient(toId(actor.userId), MAX_THREADS);
      }
      const unread = await repo.unreadCounts(toId(actor.userId), docs.map((d) => d._id));
      const clinics = await clinic.byIds([...new Map(docs.map((d) => [d.clinicId.toHexString(), d.clinicId])).values()]);
      return {
        items: docs.map((d) => {
          const of = clinics.get(d.clinicId.toHexString());
          return threadDto(d, of ? settingsOf(of).timeZone : deps.timeZone, unread.get(d._id.toHexString()) ?? 0);
        }),
      };
    },

    async open(actor: Actor, input: { physicianId?: string | undefined; patientId?: string | undefined }): Promise<ChatThread> {
      let physician: PhysicianDoc;
      let patientId: ObjectId;
      if (actor.role === 'patient') {
        if (!input.physicianId) throw new AppError('VALIDATION_FAILED', 'Patients open a chat with a physician: give physicianId.', { fieldErrors: { physicianId: ['is required'] } });
        physician = await physicians.load(input.physicianId);
        patientId = toId(actor.userId);
        // The physician is public (the catalogue), so this is a refusal, not a secret: 403.
        if (!(await haveMet(patientId, physician))) throw new AppError('FORBIDDEN', 'You can message a physician you have or had an appointment with.');
      } else {
        if (!input.patientId) throw new AppError('VALIDATION_FAILED', 'Doctors open a chat with a patient: give patientId.', { fieldErrors: { patientId: ['is required'] } });
        const own = await ownPhysician(actor);
        if (!own) throw new AppError('NOT_FOUND', 'Your login is not linked to a physician.');
        physician = own;
        patientId = toId(input.patientId);
        // Whether someone is another doctor's patient is theirs to know: not found, as an id never stored.
        if (!(await haveMet(patientId, physician))) throw new AppError('NOT_FOUND', 'No such patient among your appointments.');
      }
      const now = deps.clock();
      const existing = await repo.openThread({
        _id: new ObjectId(),
        clinicId: physician.clinicId,
        patientId,
        physicianId: physician._id,
        patientName: (await users.me(patientId.toHexString())).fullName,
        physicianName: physician.fullName,
        lastMessage: null,
        lastActivityAt: now,
        createdAt: now,
      });
      const unread = await repo.unreadCounts(toId(actor.userId), [existing._id]);
      return threadDto(existing, await zone(existing.clinicId), unread.get(existing._id.toHexString()) ?? 0);
    },

    async history(actor: Actor, input: { threadId: string; before?: string | undefined; limit: number }) {
      const { thread } = await participation(actor, input.threadId);
      let before: MessageRef | null = null;
      if (input.before) {
        before = await messageOf(thread._id, toId(input.before));
        if (!before) throw new AppError('VALIDATION_FAILED', 'before is not a message of this thread.', { fieldErrors: { before: ['is not a message of this thread'] } });
      }
      // Reading the history is receiving what it holds.
      await deliver(thread, toId(actor.userId), null);
      const docs = await repo.history(thread._id, before, input.limit + 1);
      const page = docs.slice(0, input.limit);
      const tz = await zone(thread.clinicId);
      return { items: page.map((d) => messageDto(d, tz, open(d.text, thread._id))), nextBefore: docs.length > input.limit ? page.at(-1)!._id.toHexString() : null };
    },

    async send(actor: Actor, input: { threadId: string; text: string; clientMessageId?: string | undefined }): Promise<ChatMessage> {
      const snap = await catalogue();
      const { thread, side } = await participation(actor, input.threadId, snap);
      const recipientId = await counterpart(thread, side, snap);
      if (!recipientId) throw new AppError('CONFLICT', 'This physician has no app account to receive messages yet; please call the clinic.');
      // Counted once the send is one the caller may make: a refused or malformed one stores nothing, not even a count.
      // Both windows in one step, off the database (refused attempts count in both, as each window counts its own).
      await rateLimiter.hitAll('chat-send', actor.userId, [CHAT_LIMITS.perSecond, CHAT_LIMITS.perMinute]);
      const now = deps.clock();
      const _id = new ObjectId();
      const { created, message } = await repo.insertMessage({
        _id,
        clinicId: thread.clinicId,
        threadId: thread._id,
        clientMessageId: input.clientMessageId ?? _id.toHexString(),
        sender: side,
        senderId: toId(actor.userId),
        recipientId,
        text: seal(input.text, thread._id),
        sentAt: now,
        deliveredAt: null,
        readAt: null,
        notifyAt: new Date(now.getTime() + CHAT_NOTICE_AFTER_MS),
      });
      if (!message.senderId.equals(actor.userId)) {
        throw new AppError('CONFLICT', 'This clientMessageId is already used in this thread.', { fieldErrors: { clientMessageId: ['is already used in this thread'] } });
      }
      remember(message);
      const tz = await zone(thread.clinicId, snap);
      const dto = messageDto(message, tz, open(message.text, thread._id));
      if (created) {
        await repo.touchThread(thread._id, { id: message._id, sender: message.sender, text: message.text, sentAt: message.sentAt });
        const withoutText: Partial<ChatMessage> = { ...dto };
        delete withoutText.text;
        await publish(thread, recipientId, 'message', { message: withoutText as Omit<ChatMessage, 'text'>, sealed: message.text, upTo: null, by: null });
      }
      return dto;
    },

    markDelivered: (actor: Actor, input: { threadId: string; upTo: string }) => mark(actor, input, 'delivered'),
    markRead: (actor: Actor, input: { threadId: string; upTo: string }) => mark(actor, input, 'read'),

    async position(actor: Actor): Promise<{ lastEventId: string }> {
      return { lastEventId: String(await events.lastSeq(streamOf(actor))) };
    },

    async follow(actor: Actor, input: { lastEventId?: string | null | undefined }, signal: AbortSignal): Promise<AsyncIterable<{ id: string; event: ChatEvent }>> {
      const stream = streamOf(actor);
      const me = actor.userId;
      // "From now" is fixed before the subscription is confirmed, so a message sent once it is cannot be missed.
      const after = input.lastEventId ? Number(input.lastEventId) : await events.lastSeq(stream);
      const log = deps.log;
      return (async function* () {
        for await (const e of events.follow(stream, after, signal)) {
          const at = e.at.toISOString();
          if (e.kind === RESYNC_KIND) {
            yield { id: String(e.seq), event: { kind: 'resync', threadId: null, message: null, upTo: null, by: null, at } };
            continue;
          }
          const data = e.data as unknown as ChatEventData;
          // A user's stream holds only their threads' events; checked again so that a fault elsewhere cannot leak another's.
          if (!data.participants.includes(me)) continue;
          let message: ChatMessage | null = null;
          if (data.message && data.sealed) {
            try {
              message = { ...data.message, text: open(data.sealed, data.threadId) };
            } catch (err) {
              log?.warn({ err, threadId: data.threadId, seq: e.seq }, 'chat event could not be opened');
              continue;
            }
          }
          yield { id: String(e.seq), event: { kind: e.kind as ChatEvent['kind'], threadId: data.threadId, message, upTo: data.upTo, by: data.by, at } };
          // The recipient's app has it: the sender hears it was delivered.
          if (message && message.senderId !== me) {
            try {
              // The thread as the event knows it: its id, clinic and physician, and the patient (the sender of a patient's
              // message, else the recipient, me). Events stored before they carried the physician read the thread.
              const patientId = toId(message.sender === 'patient' ? message.senderId : me);
              const thread: ThreadRef | null = data.physicianId
                ? { _id: toId(data.threadId), clinicId: toId(e.clinicId), patientId, physicianId: toId(data.physicianId) }
                : await threadOf(toId(data.threadId));
              const at = { _id: toId(message.id), threadId: toId(data.threadId), sentAt: new Date(message.sentAt) };
              remember(at);
              if (thread) deliverSoon(thread, toId(me), at);
            } catch (err) {
              log?.warn({ err, threadId: data.threadId }, 'chat message not marked delivered');
            }
          }
        }
      })();
    },

    /**
     * Offline notices: a message unread 2 minutes after it was sent earns its recipient one notification, at most
     * one per thread and recipient per 15-minute window (`chat|<threadId>|<recipientId>|<window>` is claimed once,
     * among any number of processes). Messages that fall due within a window that already had its notice wait for
     * the next window, when a notice goes out if they are still unread.
     */
    async sweepUnread(): Promise<{ chatNoticesSent: number; chatNoticesFailed: number }> {
      const report = { chatNoticesSent: 0, chatNoticesFailed: 0 };
      const now = deps.clock();
      const window = Math.floor(now.getTime() / CHAT_NOTICE_WINDOW_MS);
      const windowEnd = new Date((window + 1) * CHAT_NOTICE_WINDOW_MS);
      const tried = new Set<string>();
      for (let i = 0; i < SWEEP_MAX_BATCHES; i++) {
        const due = await repo.dueForNotice(now, SWEEP_BATCH);
        const groups = new Map<string, { threadId: ObjectId; recipientId: ObjectId }>();
        for (const m of due) if (m.recipientId) groups.set(`${m.threadId.toHexString()}|${m.recipientId.toHexString()}`, { threadId: m.threadId, recipientId: m.recipientId });
        const fresh = [...groups].filter(([k]) => !tried.has(k));
        if (fresh.length === 0) return report;
        for (const [k, { threadId, recipientId }] of fresh) {
          tried.add(k);
          const key = `chat|${threadId.toHexString()}|${recipientId.toHexString()}|${window}`;
          const outcome = await notifications.sendOnce(key, { kind: 'chat_message', patientId: recipientId, appointmentId: null }, async () => {
            const thread = await repo.threadById(threadId);
            const message = thread ? await noticeFor(thread, recipientId) : null;
            return message && thread ? { message, clinicId: thread.clinicId } : null;
          });
          if (outcome === 'failed') {
            report.chatNoticesFailed++;
            continue;
          }
          if (outcome === 'sent') report.chatNoticesSent++;
          if (outcome === 'duplicate') await repo.postponeNotices(threadId, recipientId, now, windowEnd);
          else await repo.settleNotices(threadId, recipientId, now);
        }
        if (due.length < SWEEP_BATCH) return report;
      }
      return report;
    },
  };
}
export type ChatService = ReturnType<typeof createChatService>;
