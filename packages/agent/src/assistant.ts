import { randomUUID } from 'node:crypto';
import { AppError, createCaller, createInternalContext, type Conversation, type Services } from '@clinic/api';
import { PhoneSchema, maskEmiratesIds, splitForWhatsApp, type Clinic } from '@clinic/contracts';
import { executePending, type TurnContext } from './actions.ts';
import { handleButton } from './buttons.ts';
import { formatWhen } from './format.ts';
import { menuOrPerson, shouldAcknowledge } from './handover.ts';
import { createLlm, systemPrompt, type LlmSettings } from './llm.ts';
import { asksForMore, detectIntent } from './intents.ts';
import { MAIN_MENU, handleMenu, reofferSlots } from './menu.ts';
import { msg } from './messages.ts';
import { asksMedicalAdvice, emergencyKind, wantsHuman, type EmergencyKind } from './safety.ts';
import { detectLanguage, isNo, isYes, linkCommand, MASKED_LINK_COMMAND, normalise, type Lang } from './text.ts';

export interface InboundMessage {
  /** E.164, e.g. +971501234567 (the channel has verified it: it is the patient's identity). */
  from: string;
  /**
   * The clinic's own WhatsApp number the message was sent to (E.164): the assistant speaks for that clinic, and the
   * conversation is the one with that number. Null or absent: the platform's shared number (every clinic).
   */
  via?: string | null;
  profileName: string | null;
  /** What the patient sees they sent; for a tapped button, its title. */
  text: string;
  /** A tapped quick-reply button's id (Twilio's `ButtonPayload`): acted on in code, never shown to the model. */
  buttonPayload?: string | null;
  receivedAt: Date;
}

export interface AssistantReply {
  /** Messages to send, in order; each ≤ 1600 characters. Empty: stay silent (staff have the conversation). */
  replies: string[];
  /** The conversation is with staff (handed over now or earlier). */
  flaggedForStaff: boolean;
}

export interface Assistant {
  handle(msg: InboundMessage): Promise<AssistantReply>;
}

export interface AssistantOptions {
  /** The API's services: procedures go through createCaller, the conversation store through `services.conversations`. */
  services: Services;
  /** null: the numbered menu flow, no model. */
  llm: LlmSettings | null;
  /** For the emergency reply on the shared number; default: the first clinic's phone from its details. A clinic's own number gives its phone. */
  clinicPhone?: string;
  /** A quiet period after which a conversation starts fresh (default 30). */
  sessionTimeoutMinutes?: number;
  /**
   * Public base of the payment page, e.g. `https://clinic.example/pay`: the link sent is
   * `${paymentLinkBase}/${checkoutToken}` (a random token per payment). Without it patients are told to pay in the app.
   */
  paymentLinkBase?: string;
}

export const DEFAULT_SESSION_TIMEOUT_MINUTES = 30;
/**
 * Messages one number may have answered per window: far above a person typing, low enough that a script
 * cannot run up model and messaging costs. Emergencies are answered regardless.
 */
export const INBOUND_LIMIT = { max: 30, windowSeconds: 10 * 60 };
/** Consecutive turns the assistant could not help with before staff take over. */
export const MAX_FAILURES = 3;

/** Who a WhatsApp number acts as: the app account it was linked to, else its phone-only patient (created on first contact). */
export async function patientForPhone(services: Services, phone: string, profileName: string | null = null): Promise<{ userId: string; fullName: string; created: boolean }> {
  const parsed = PhoneSchema.safeParse(phone);
  if (!parsed.success) throw new Error('patientForPhone: the sender must be an E.164 number such as +971501234567');
  return services.whatsapp.patientFor(parsed.data, profileName);
}

export function createAssistant(opts: AssistantOptions): Assistant {
  const { services } = opts;
  const conversations = services.conversations;
  const llm = opts.llm ? createLlm(opts.llm) : null;
  const timeoutMs = (opts.sessionTimeoutMinutes ?? DEFAULT_SESSION_TIMEOUT_MINUTES) * 60_000;

  const done = (texts: string[], flagged: boolean): AssistantReply => ({ replies: texts.flatMap((t) => splitForWhatsApp(t)), flaggedForStaff: flagged });

  /** The clinic whose own number the message went to; null for the shared number (or a number no clinic has now). */
  async function homeOf(via: string | null): Promise<Awaited<ReturnType<Services['clinic']['byWhatsAppNumber']>>> {
    return via ? services.clinic.byWhatsAppNumber(via) : null;
  }

  /** The phone and crisis line an emergency reply gives: the clinic written to's, else the platform's first's. Never throws. */
  async function emergencyContacts(via: string | null): Promise<{ phone: string | null; crisisLine: string | null }> {
    try {
      const home = await homeOf(via);
      if (home) return { phone: home.phone || null, crisisLine: home.crisisLine ?? null };
    } catch {
      // Fall back to the platform's first clinic: the reply must go out.
    }
    try {
      const first = await services.clinic.info();
      return { phone: opts.clinicPhone ?? (first.phone || null), crisisLine: first.crisisLine };
    } catch {
      return { phone: opts.clinicPhone ?? null, crisisLine: null };
    }
  }

  /** The emergency reply: self-harm with the crisis line, else the emergency sentence; the clinic written to's numbers. */
  async function emergencyReply(kind: EmergencyKind, via: string | null, lang: Lang): Promise<string> {
    const contacts = await emergencyContacts(via);
    return kind === 'self_harm' ? msg(lang).selfHarm(contacts.crisisLine, contacts.phone) : msg(lang).emergency(contacts.phone);
  }

  /** Null while the number is within INBOUND_LIMIT; else whether to tell it so (once per window). */
  async function overLimit(phone: string): Promise<{ notify: boolean; retryAfter: number } | null> {
    try {
      await services.rateLimiter.hit('whatsapp-inbound', phone, INBOUND_LIMIT);
      return null;
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'RATE_LIMITED') throw err;
      const retryAfter = err.retryAfter ?? INBOUND_LIMIT.windowSeconds;
      const notify = await services.rateLimiter.hit('whatsapp-inbound-notice', phone, { max: 1, windowSeconds: INBOUND_LIMIT.windowSeconds }).then(
        () => true,
        () => false,
      );
      return { notify, retryAfter };
    }
  }

  /** When staff of the clinic answering `via` are back, formatted for the patient; null while they are at work. */
  async function staffBackAt(via: string | null, lang: Lang, now: Date): Promise<string | null> {
    try {
      const hours = await conversations.staffHoursFor(via, now);
      return hours.open || !hours.nextOpen ? null : formatWhen(hours.nextOpen, hours.timeZone, lang);
    } catch {
      // Not knowing the hours must not keep the patient from a person.
      return null;
    }
  }

  /** Hands the conversation to staff, telling the patient when to expect a person; the clinic's inbox hears of it. */
  async function handOver(convo: Conversation, userText: string, reason: 'requested' | 'failures', lang: Lang, now: Date): Promise<AssistantReply> {
    const reply = await flagForStaff(convo, reason, lang, now);
    await record(convo, userText, [reply], now);
    await conversations.handedOver(convo);
    return done([reply], true);
  }

  /** Flags the conversation for staff (here and for the model's handoff); returns what the patient reads. */
  async function flagForStaff(convo: Conversation, reason: 'requested' | 'failures', lang: Lang, now: Date): Promise<string> {
    const back = await staffBackAt(convo.via, lang, now);
    convo.flagged = { at: now, reason };
    convo.pending = null;
    convo.failures = 0;
    convo.staffAckAt = null;
    return back ? msg(lang).handoverAway(back) : msg(lang).handover;
  }

  async function record(convo: Conversation, userText: string, replies: string[], now: Date): Promise<void> {
    convo.messages.push({ role: 'user', content: userText, at: now });
    for (const r of replies) convo.messages.push({ role: 'assistant', content: r, at: now });
    await conversations.save(convo, now);
  }

  return {
    async handle(inbound) {
      const now = services.clock();
      const text = normalise(inbound.text);
      const masked = maskEmiratesIds(text);
      const via = inbound.via ?? null;

      // 1. Emergencies: a fixed reply before anything else can fail or think (no model call, ever).
      // Self-harm gets its own reply: the clinic's crisis line beside 999/998. Even a rate-limited number or a
      // conversation with staff gets it (their steps come later).
      const emergency = emergencyKind(text);
      if (emergency) {
        const lang = detectLanguage(text, 'en');
        const reply = await emergencyReply(emergency, via, lang);
        let flagged = false;
        try {
          const patient = await patientForPhone(services, inbound.from, inbound.profileName);
          const { convo } = await conversations.load(inbound.from, via, patient.userId, lang, now, timeoutMs);
          convo.lastInboundAt = inbound.receivedAt;
          convo.pending = null;
          flagged = !!convo.flagged;
          await record(convo, masked, [reply], now);
          // Staff answering this patient see the emergency live.
          if (convo.flagged) await conversations.patientWrote(convo, masked, now);
        } catch {
          // The reply matters more than the transcript.
        }
        return done([reply], flagged);
      }

      const patient = await patientForPhone(services, inbound.from, inbound.profileName);
      const { convo, fresh } = await conversations.load(inbound.from, via, patient.userId, 'en', now, timeoutMs);
      convo.lastInboundAt = inbound.receivedAt;
      const lang: Lang = detectLanguage(text, convo.language);
      convo.language = lang;
      const m = msg(lang);

      // 2. Too many messages: one notice per window, then silence (the transcript still has them).
      const limited = await overLimit(inbound.from);
      if (limited) {
        const reply = limited.notify ? [m.slowDown(Math.ceil(limited.retryAfter / 60))] : [];
        await record(convo, masked, reply, now);
        if (convo.flagged) await conversations.patientWrote(convo, masked, now);
        return done(reply, !!convo.flagged);
      }

      // A pending or suspended clinic's number books nothing; the patient is told whom to call.
      const homeDoc = await homeOf(via);
      if (homeDoc && homeDoc.status !== 'active') {
        const reply = m.clinicUnavailable(lang === 'ar' ? homeDoc.nameAr : homeDoc.name, homeDoc.phone || null);
        convo.pending = null;
        await record(convo, linkCommand(text) !== null ? MASKED_LINK_COMMAND : masked, [reply], now);
        return done([reply], false);
      }

      // 3. With staff: keep the transcript for them (live in their inbox); the patient hears a person will answer
      // (once, then at most every 15 minutes, and whenever they ask whether anyone is there). A link code stays secret.
      if (convo.flagged) {
        const stored = linkCommand(text) !== null ? MASKED_LINK_COMMAND : masked;
        const ack = shouldAcknowledge(text, convo.staffAckAt, !!convo.flagged.takenBy, now) ? [m.waitingForStaff(await staffBackAt(via, lang, now))] : [];
        if (ack.length > 0) convo.staffAckAt = now;
        await record(convo, stored, ack, now);
        await conversations.patientWrote(convo, stored, now);
        return done(ack, true);
      }

      // 4. The patient asks for a person.
      // Without a model, the menu's words for a person count too ("a person please", "شخص").
      if (wantsHuman(text) || (!llm && detectIntent(text) === 'human')) return handOver(convo, masked, 'requested', lang, now);

      // After MAX_FAILURES turns it could not use, the assistant asked "menu or a person?": 1/menu, 2/a person. Anything
      // else is taken as a message of its own (and asks again if it fails too); garbage never means a person.
      if (convo.failures >= MAX_FAILURES) {
        const choice = menuOrPerson(text);
        if (choice === 'person') return handOver(convo, masked, 'failures', lang, now);
        if (choice === 'menu') {
          convo.failures = 0;
          convo.pending = null;
          convo.menu = MAIN_MENU;
          await record(convo, masked, [m.menu], now);
          return done([m.menu], false);
        }
      }

      // 5. "LINK <code>" from the app: handled here, never shown to the model (the code is a secret).
      const code = linkCommand(text);
      if (code !== null) {
        let reply: string;
        try {
          const account = await services.whatsapp.link(inbound.from, code);
          convo.userId = account.userId;
          convo.pending = null;
          reply = m.linked(account.fullName, account.email);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          reply = err.code === 'RATE_LIMITED' ? m.linkTooMany(err.retryAfter ?? 900) : m.linkInvalid;
        }
        await record(convo, MASKED_LINK_COMMAND, [reply], now);
        return done([reply], false);
      }

      const vault = new Map<string, string>();
      maskEmiratesIds(text, vault);
      const home = homeDoc ? await services.clinic.infoFor(homeDoc._id) : null;
      let clinicCache: Promise<Clinic> | undefined = home ? Promise.resolve(home) : undefined;
      const ctx: TurnContext = {
        caller: createCaller(createInternalContext(services, { userId: patient.userId, role: 'patient', sessionId: null }, `wa-${randomUUID()}`, 'whatsapp')),
        services,
        lang,
        now,
        convo,
        vault,
        paymentLinkBase: opts.paymentLinkBase ?? null,
        clinic: () => (clinicCache ??= services.clinic.info()),
        home,
        proposed: null,
      };

      // 6. A pending book/cancel/reschedule runs only on an explicit yes in the very next message.
      const pending = convo.pending;
      convo.pending = null;

      // A button is a new request: whatever was pending is dropped, and the transcript keeps the button's title only.
      if (inbound.buttonPayload) {
        const reply = await handleButton(ctx, inbound.buttonPayload);
        convo.failures = 0;
        await record(convo, masked, [reply], now);
        return done([reply], false);
      }
      if (pending && isYes(text)) {
        const res = await executePending(ctx, pending);
        // A time someone else took meanwhile: that day's fresh times follow, and the next number picks one of them.
        const again = res.ok ? null : await reofferSlots(ctx, pending, res.code);
        const reply = again ? `${res.text}\n${again}` : res.text;
        convo.failures = 0;
        await record(convo, masked, [reply], now);
        return done([reply], false);
      }
      if (pending && isNo(text)) {
        const reply = llm ? m.declined : `${m.declined}\n${m.menu}`;
        await record(convo, masked, [reply], now);
        return done([reply], false);
      }

      // 7. Medicine and diagnosis questions get a fixed refusal (the prompt says so too, this is the guard rail).
      if (asksMedicalAdvice(text)) {
        await record(convo, masked, [m.medicalRefusal], now);
        return done([m.medicalRefusal], false);
      }

      // 8. The model; or the menu: with no model, when the model cannot be reached (the patient can still
      // book), and for a number picked from a menu shown earlier.
      let replies: string[] | null = null;
      let failed = false;
      const menuPick = convo.menu !== null && (/^\d{1,2}$/.test(text) || asksForMore(text));
      if (llm && !menuPick) {
        convo.messages.push({ role: 'user', content: masked, at: now });
        const clinic = await ctx.clinic();
        const phone = home ? home.phone : (opts.clinicPhone ?? clinic.phone);
        const prompt = systemPrompt({
          clinicName: clinic.name,
          clinicPhone: phone,
          timeZone: clinic.timeZone,
          now,
          patientName: patient.fullName,
          language: lang,
          severalClinics: !home,
        });
        // The model's emergency guardrail (defence in depth) answers as step 1 does; its handoff to staff as step 4 does.
        const outcome = await llm.respond(ctx, prompt, {
          clinicPhone: phone || null,
          emergencyReply: (kind) => emergencyReply(kind, via, lang),
          handOver: () => flagForStaff(convo, 'requested', lang, now),
        });
        if (outcome.unavailable) {
          convo.messages.pop();
        } else {
          convo.menu = null;
          failed = outcome.failed;
          replies = failed ? [m.llmTrouble] : [outcome.text];
          if (failed) convo.messages.push({ role: 'assistant', content: m.llmTrouble, at: now });
          // The yes/no question comes from code, so the patient always sees exactly what a yes will do.
          if (ctx.proposed && convo.pending) {
            replies.push(ctx.proposed);
            convo.messages.push({ role: 'assistant', content: ctx.proposed, at: now });
          }
        }
      }
      if (!replies) {
        const out = await handleMenu(ctx, text, fresh, inbound.profileName);
        const modelDown = llm !== null && !menuPick;
        // Words the menu does not know were meant for the model: offer the menu, and don't hold our outage against the patient.
        if (modelDown && out.failed) convo.menu = MAIN_MENU;
        const reply = modelDown ? `${m.llmDownMenu}\n${out.failed ? m.menu : out.text}` : out.text;
        failed = !modelDown && out.failed;
        replies = [reply];
        convo.messages.push({ role: 'user', content: masked, at: now }, { role: 'assistant', content: maskEmiratesIds(reply), at: now });
      }

      convo.failures = failed ? convo.failures + 1 : 0;
      // No silent hand-over: the patient chooses (the answer is read before anything else next turn).
      if (convo.failures >= MAX_FAILURES && !convo.flagged) {
        convo.pending = null;
        replies = [m.menuOrPerson];
        convo.messages.push({ role: 'assistant', content: m.menuOrPerson, at: now });
      }
      await conversations.save(convo, now);
      // The model may have handed over (its handover tool): the clinic's inbox hears of it.
      if (convo.flagged) await conversations.handedOver(convo);
      return done(replies, !!convo.flagged);
    },
  };
}
