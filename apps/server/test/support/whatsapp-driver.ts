import { randomInt } from 'node:crypto';
import { createCaller, createInternalContext } from '@clinic/api';
import type { PhysicianSchedule } from '@clinic/contracts';
import type { AppointmentDoc, ConversationDoc } from '@clinic/db';
import { EVERY_DAY_8_TO_20 } from './fixtures.ts';
import type { TestServer } from './server.ts';
import { sendWhatsApp, tapButton, type TwilioApi } from './twilio.ts';

/**
 * A patient on WhatsApp for conversation suites: each `send` goes through the signed Twilio webhook and returns what
 * the patient reads (the replies sent for it, joined); the stored side (their appointments, conversation, procedures
 * as the assistant calls them) is at hand to assert on.
 */
export interface WhatsAppChat {
  phone: string;
  /** The replies to `text`, joined by newlines ('' while staff have the conversation). */
  send(text: string): Promise<string>;
  /** A tapped quick-reply button. */
  tap(payload: string, title: string): Promise<string>;
  /** Every message the patient read so far, in order. */
  transcript: { from: 'patient' | 'assistant'; text: string }[];
  userId(): Promise<string>;
  /** The patient's appointments as stored. */
  appointments(): Promise<AppointmentDoc[]>;
  /** The patient's procedures, as the assistant calls them. */
  caller(): Promise<ReturnType<typeof createCaller>>;
  /** The stored conversation (menu position, pending action, flag). */
  conversation(): Promise<ConversationDoc | null>;
}

/** A UAE mobile number unlikely to be used twice in one file. */
export const newWhatsAppPhone = () => `+97158${String(randomInt(1_000_000, 9_999_999))}`;

/** `to`: a clinic's own WhatsApp number (E.164); default the shared one. */
export function whatsappChat(s: TestServer, api: TwilioApi, phone = newWhatsAppPhone(), to?: string): WhatsAppChat {
  const transcript: WhatsAppChat['transcript'] = [];
  const userId = async () => {
    const user = await s.database.cols.users.findOne({ phoneIdentity: phone });
    if (!user) throw new Error(`${phone} has not written yet`);
    return user._id.toHexString();
  };
  const record = (text: string, replies: string[]) => {
    transcript.push({ from: 'patient', text }, ...replies.map((r) => ({ from: 'assistant' as const, text: r })));
    return replies.join('\n');
  };
  return {
    phone,
    transcript,
    send: async (text) => record(text, await sendWhatsApp(s, api, phone, text, to)),
    tap: async (payload, title) => record(title, await tapButton(s, api, phone, payload, title, to)),
    userId,
    appointments: async () => {
      const user = await s.database.cols.users.findOne({ phoneIdentity: phone });
      return user ? s.database.cols.appointments.find({ patientId: user._id }).sort({ startsAt: 1 }).toArray() : [];
    },
    caller: async () => createCaller(createInternalContext(s.services, { userId: await userId(), role: 'patient', sessionId: null }, 'test', 'whatsapp')),
    conversation: () => s.database.cols.conversations.findOne({ phone }),
  };
}

/**
 * The number of the first "N. …" line of `reply` that matches `line` (as the patient would find it on screen).
 * Throws with the reply when there is none, so a failing step shows what was read.
 */
export function numberOf(reply: string, line: RegExp): string {
  for (const l of reply.split('\n')) {
    const m = /^(\d+)\.\s(.*)$/.exec(l);
    if (m && line.test(m[2]!)) return m[1]!;
  }
  throw new Error(`no line matching ${line} in:\n${reply}`);
}

/** The "N. …" lines of `reply` (the list on screen), without their numbers. */
export const listed = (reply: string) => reply.split('\n').flatMap((l) => /^\d+\.\s(.*)$/.exec(l)?.[1] ?? []);

/** A specialty (made if missing) and a physician of it in the server's clinic, as an admin would add them. */
export async function addSpecialist(
  s: TestServer,
  specialty: { slug: string; name: string; nameAr: string },
  fullName: string,
  schedule: PhysicianSchedule = EVERY_DAY_8_TO_20,
) {
  await s.services.specialties.upsert({ ...specialty, subSpecialties: [] });
  return s.services.physicians.create(
    {
      fullName,
      title: 'Consultant',
      gender: 'female',
      specialty: specialty.slug,
      subSpecialties: [],
      languages: ['en', 'ar'],
      bio: '',
      yearsOfExperience: 12,
      price: { amount: 30000, currency: 'AED' },
      photoUrl: null,
      locationIds: ['main'],
      userId: null,
      schedule,
    },
    null,
  );
}
