// The model loop uses the `openai` SDK's Chat Completions API with tool calling — not @openai/agents —
// because it works with any OpenAI-compatible endpoint (OpenAI, Azure, local gateways, the test's
// scripted server), has no tracing exporter to switch off (transcripts carry patient data), and keeps
// the loop explicit and testable: every round, tool call and cap is in this file.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ConversationMessage } from '@clinic/api';
import { maskEmiratesIds } from '@clinic/contracts';
import type { TurnContext } from './actions.ts';
import { formatWhen } from './format.ts';
import { TOOLS, runTool, serialiseResult, toolParameters } from './tools.ts';

export interface LlmSettings {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Tool rounds per inbound message (default 6); then the model must answer in text. */
  maxTurns?: number;
}

export const DEFAULT_MAX_TOOL_ROUNDS = 6;

export interface LlmOutcome {
  text: string;
  /** The model could not be reached or gave no usable answer. */
  failed: boolean;
  /** Its very first call failed (down, overloaded, misconfigured): nothing was done, another way may answer. */
  unavailable?: boolean;
}

const TOOL_SPECS: ChatCompletionTool[] = TOOLS.map((t) => ({
  type: 'function',
  function: { name: t.name, description: t.description, parameters: toolParameters(t) },
}));

export function createLlm(settings: LlmSettings) {
  // Retries stay low: the patient is waiting, and the transport has its own retry story.
  const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, maxRetries: 1, timeout: 30_000 });
  const maxRounds = settings.maxTurns ?? DEFAULT_MAX_TOOL_ROUNDS;

  return {
    /**
     * One inbound message: the history (masked) + the new user message (masked, already appended to
     * ctx.convo.messages by the caller) → tool rounds → a text answer. New assistant/tool messages are
     * appended to ctx.convo.messages.
     */
    async respond(ctx: TurnContext, systemPrompt: string): Promise<LlmOutcome> {
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: systemPrompt }, ...ctx.convo.messages.map(toParam)];
      for (let round = 0; round <= maxRounds; round++) {
        const last = round === maxRounds;
        let choice;
        try {
          const res = await client.chat.completions.create({
            model: settings.model,
            messages,
            tools: TOOL_SPECS,
            // After the last allowed tool round the model has to answer with what it has.
            tool_choice: last ? 'none' : 'auto',
          });
          choice = res.choices[0]?.message;
        } catch {
          return { text: '', failed: true, unavailable: round === 0 };
        }
        if (!choice) return { text: '', failed: true };
        const calls = (choice.tool_calls ?? []).filter((c) => c.type === 'function');
        if (calls.length === 0 || last) {
          const text = keepKnownLinks(maskEmiratesIds((choice.content ?? '').trim()), ctx.convo.messages);
          if (!text) return { text: '', failed: true };
          ctx.convo.messages.push({ role: 'assistant', content: text, at: ctx.now });
          return { text, failed: false };
        }
        const stored: ConversationMessage = {
          role: 'assistant',
          content: maskEmiratesIds(choice.content ?? ''),
          toolCalls: calls.map((c) => ({ id: c.id, name: c.function.name, arguments: maskEmiratesIds(c.function.arguments) })),
          at: ctx.now,
        };
        messages.push(toParam(stored));
        ctx.convo.messages.push(stored);
        for (const call of calls) {
          // Arguments run as the model wrote them (a masked ID is restored from this turn's vault inside the tool).
          const { result } = await runTool(ctx, call.function.name, call.function.arguments);
          const toolMsg: ConversationMessage = { role: 'tool', toolCallId: call.id, content: serialiseResult(result), at: ctx.now };
          messages.push(toParam(toolMsg));
          ctx.convo.messages.push(toolMsg);
        }
      }
      return { text: '', failed: true };
    },
  };
}
export type Llm = ReturnType<typeof createLlm>;

const URL_RE = /https?:\/\/[^\s<>"')\]]+/g;

/**
 * Links in the model's answer survive only if a tool returned them (payment links are built by the
 * server from the payment's id); anything else the model wrote as a link is dropped.
 */
export function keepKnownLinks(text: string, history: ConversationMessage[]): string {
  const known = new Set(history.filter((m) => m.role === 'tool').flatMap((m) => (m.content.match(URL_RE) ?? []).map((u) => u.replace(/[.,;:!?]+$/, ''))));
  return text.replace(URL_RE, (url) => {
    const bare = url.replace(/[.,;:!?]+$/, '');
    return known.has(bare) ? url : url.slice(bare.length);
  });
}

function toParam(m: ConversationMessage): ChatCompletionMessageParam {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant') {
    return m.toolCalls?.length
      ? { role: 'assistant', content: m.content || null, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
      : { role: 'assistant', content: m.content };
  }
  return { role: 'user', content: m.content };
}

/** `severalClinics`: the platform's shared number, where physicians of every clinic are offered. */
export function systemPrompt(p: { clinicName: string; clinicPhone: string; timeZone: string; now: Date; patientName: string; language: 'en' | 'ar'; severalClinics?: boolean }): string {
  return [
    `You are the WhatsApp assistant of ${p.clinicName}, a clinic in the UAE. You help patients find physicians, book, reschedule or cancel appointments, pay, check insurance and learn about the clinic.`,
    `Now: ${formatWhen(p.now, p.timeZone, 'en')} (clinic time zone ${p.timeZone}). Show every date and time in the clinic time zone, using the "local" values the tools return.`,
    `The patient is ${p.patientName}; you act only for this patient. Their identity comes from their phone number — never from anything written in the chat.`,
    'Patients who also use the clinic app can connect this WhatsApp number to their app account: in the app, Profile → WhatsApp gives a code; they send "LINK" and the code here as its own message. You never see or handle the code.',
    `Reply in the patient's language: ${p.language === 'ar' ? 'Arabic (the last message is in Arabic)' : 'English unless they write in Arabic'}. Keep replies short and friendly, plain text for WhatsApp (no markdown tables).`,
    'Use the tools for every fact about physicians, slots, prices, bookings, payments, insurance and the clinic. Never invent a physician, a time, a price, an id or a link. Send payment links exactly as payment_link returns them.',
    'book_appointment, cancel_appointment and reschedule_appointment only prepare the action: the system then asks the patient to reply yes, and does it only after that yes. Never say it is done before.',
    'Emirates ID numbers appear masked (784-****-*****12-3); pass them to check_insurance as they appear — the system restores the real number. Never ask for passwords, card numbers or one-time codes.',
    'You are not a doctor. Never diagnose, interpret symptoms or results, or advise on medicines or doses; offer to book a consultation instead.',
    `If anything sounds like an emergency, tell the patient to call 998 (ambulance) or 999 now${p.clinicPhone ? `; the clinic's number is ${p.clinicPhone}` : ''}.`,
    'If the patient wants a person, tell them to type "human".',
    ...(p.severalClinics ? ['Physicians here practise at several clinics: whenever you mention a physician, say which clinic (the `clinic` field the tools return).'] : []),
  ].join('\n');
}
