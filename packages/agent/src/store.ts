import { ObjectId, type ConversationDoc, type ConversationMessage, type Database } from '@clinic/db';
import type { Lang } from './text.ts';

/** Recent user turns kept per conversation (with the assistant and tool messages that followed each). */
export const MAX_USER_TURNS = 20;
/** A stored tool result longer than this is cut (the model saw it whole in its own turn). */
const MAX_STORED_TOOL_CHARS = 4_000;

export type Conversation = ConversationDoc;

export function newConversation(phone: string, userId: string, lang: Lang, now: Date): Conversation {
  return {
    _id: phone,
    userId: new ObjectId(userId),
    language: lang,
    messages: [],
    pending: null,
    menu: null,
    flagged: null,
    failures: 0,
    lastInboundAt: null,
    sessionStartedAt: now,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Loads the sender's conversation. After `timeoutMs` without activity the session starts fresh: no
 * messages, no pending confirmation, no menu position. A staff hand-over survives (only release ends it).
 */
export async function loadConversation(db: Database, phone: string, userId: string, lang: Lang, now: Date, timeoutMs: number): Promise<{ convo: Conversation; fresh: boolean }> {
  const doc = await db.cols.conversations.findOne({ _id: phone });
  if (!doc) return { convo: newConversation(phone, userId, lang, now), fresh: true };
  if (now.getTime() - doc.updatedAt.getTime() > timeoutMs) {
    return {
      convo: { ...doc, userId: new ObjectId(userId), messages: [], pending: null, menu: null, failures: 0, sessionStartedAt: now },
      fresh: true,
    };
  }
  return { convo: { ...doc, userId: new ObjectId(userId) }, fresh: false };
}

/** Keeps the last MAX_USER_TURNS user turns, always starting at a user message (never mid tool exchange). */
export function trimMessages(messages: ConversationMessage[]): ConversationMessage[] {
  let users = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user' && ++users === MAX_USER_TURNS) return messages.slice(i);
  }
  const firstUser = messages.findIndex((m) => m.role === 'user');
  return firstUser <= 0 ? messages : messages.slice(firstUser);
}

export async function saveConversation(db: Database, convo: Conversation, now: Date): Promise<void> {
  const messages = trimMessages(convo.messages).map((m) =>
    m.role === 'tool' && m.content.length > MAX_STORED_TOOL_CHARS ? { ...m, content: `${m.content.slice(0, MAX_STORED_TOOL_CHARS)}…` } : m,
  );
  const doc: Conversation = { ...convo, messages, updatedAt: now };
  await db.cols.conversations.replaceOne({ _id: convo._id }, doc, { upsert: true });
}

/**
 * When the sender last wrote to us (WhatsApp's 24-hour customer-care window: free-form replies are
 * allowed only within 24 h of it; outside, only approved templates).
 */
export async function lastInboundAt(db: Database, phone: string): Promise<Date | null> {
  const doc = await db.cols.conversations.findOne({ _id: phone }, { projection: { lastInboundAt: 1 } });
  return doc?.lastInboundAt ?? null;
}

/** Staff are done: the assistant answers this number again, starting a fresh session. False when there was nothing to release. */
export async function releaseConversation(db: Database, phone: string, now: Date = new Date()): Promise<boolean> {
  const res = await db.cols.conversations.updateOne(
    { _id: phone, flagged: { $ne: null } },
    { $set: { flagged: null, failures: 0, pending: null, menu: null, messages: [], updatedAt: now } },
  );
  return res.modifiedCount > 0;
}

/** Conversations waiting for staff, oldest first (for a staff inbox). */
export async function flaggedConversations(db: Database, limit = 50): Promise<{ phone: string; userId: string; flaggedAt: Date; reason: 'requested' | 'failures' }[]> {
  const docs = await db.cols.conversations.find({ flagged: { $ne: null } }).sort({ 'flagged.at': 1 }).limit(limit).toArray();
  return docs.map((d) => ({ phone: d._id, userId: d.userId.toHexString(), flaggedAt: d.flagged!.at, reason: d.flagged!.reason }));
}
