// The model loop runs on the OpenAI Agents SDK (@openai/agents): one Agent whose tools are the app's
// procedures (through createCaller, with the contracts' zod schemas), whose input guardrails are the
// deterministic emergency and prompt-injection checks, and whose staff handover is a handoff. What the SDK
// would otherwise decide for us is pinned here:
// - the model is Chat Completions (OpenAIChatCompletionsModel) over a client built from our settings, so any
//   OpenAI-compatible endpoint works (OpenAI, Azure, local gateways, the tests' scripted server);
// - the conversation lives in our store: each turn the stored, masked transcript becomes the run's input
//   items and the run's new items are stored back in our format; no server-side state (no
//   previous_response_id, no conversations API, no `store`);
// - tracing export is off unless OPENAI_AGENTS_TRACING=1 (`tracing: true`): transcripts carry patient data,
//   and even then the trace leaves out model and tool data.
import OpenAI from 'openai';
import { InputGuardrailTripwireTriggered, OpenAIChatCompletionsModel, Runner, setTracingDisabled, setTracingExportApiKey } from '@openai/agents';
import type { ConversationMessage } from '@clinic/api';
import { maskEmiratesIds } from '@clinic/contracts';
import type { TurnContext } from './actions.ts';
import { createClinicAgent, fromRunItems, toInputItems } from './agent.ts';
import { formatWhen } from './format.ts';
import type { GuardrailName } from './guardrails.ts';
import { msg } from './messages.ts';
import type { EmergencyKind } from './safety.ts';

export interface LlmSettings {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Tool rounds per inbound message (default 6); then the model must answer in text. */
  maxTurns?: number;
  /** Export traces of the runs to OpenAI (model and tool data left out). Default off. */
  tracing?: boolean;
}

export const DEFAULT_MAX_TOOL_ROUNDS = 6;

export interface LlmOutcome {
  text: string;
  /** The model could not be reached or gave no usable answer. */
  failed: boolean;
  /** Its very first call failed (down, overloaded, misconfigured): nothing was done, another way may answer. */
  unavailable?: boolean;
  /** An input guardrail stopped the message before the model: `text` is the fixed reply. */
  guardrail?: GuardrailName;
  /** The model handed the conversation to staff (the handoff ran `handOver`): `text` is what it returned. */
  handedOver?: boolean;
}

export interface RespondOptions {
  /** The phone an emergency reply gives (the clinic written to). */
  clinicPhone?: string | null;
  /** The reply when the emergency guardrail trips (default: the emergency sentence with `clinicPhone`). */
  emergencyReply?: (kind: EmergencyKind) => Promise<string> | string;
  /**
   * The model handed the conversation to staff: flag it and return what the patient reads. Default: flagged
   * as requested by the patient, with the handover sentence.
   */
  handOver?: (ctx: TurnContext) => Promise<string> | string;
}

/** What one run needs beyond the turn's context: its instructions, its handover, and its model calls so far. */
interface RunState {
  instructions: string;
  handOver: (ctx: TurnContext) => Promise<string> | string;
  modelCalls: number;
  handedOver: boolean;
}

function defaultHandOver(ctx: TurnContext): string {
  ctx.convo.flagged = { at: ctx.now, reason: 'requested' };
  ctx.convo.pending = null;
  return msg(ctx.lang).handover;
}

export function createLlm(settings: LlmSettings) {
  // Retries stay low: the patient is waiting, and the transport has its own retry story.
  const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, maxRetries: 1, timeout: 30_000 });
  const maxRounds = settings.maxTurns ?? DEFAULT_MAX_TOOL_ROUNDS;
  const tracing = settings.tracing === true;
  // The SDK's global switch too: nothing it starts on its own may export a trace.
  setTracingDisabled(!tracing);
  if (tracing) setTracingExportApiKey(settings.apiKey);

  const runs = new WeakMap<TurnContext, RunState>();
  const stateOf = (ctx: TurnContext) => {
    const state = runs.get(ctx);
    if (!state) throw new Error('llm: a run without its state');
    return state;
  };
  const agent = createClinicAgent(
    {
      model: new OpenAIChatCompletionsModel(client, settings.model),
      // After the last allowed tool round the model has to answer with what it has: no tools are offered.
      toolsEnabled: (ctx) => stateOf(ctx).modelCalls < maxRounds,
      handOver: async (ctx) => {
        const state = stateOf(ctx);
        state.handedOver = true;
        return state.handOver(ctx);
      },
    },
    (ctx) => stateOf(ctx).instructions,
  );
  const runner = new Runner({
    tracingDisabled: !tracing,
    traceIncludeSensitiveData: false,
    workflowName: 'whatsapp-assistant',
    callModelInputFilter: ({ modelData, context }) => {
      if (context) stateOf(context as TurnContext).modelCalls++;
      return modelData;
    },
  });

  return {
    /**
     * One inbound message: the history (masked) + the new user message (masked, already appended to
     * ctx.convo.messages by the caller) → the agent's run → a text answer. The run's tool calls, results and
     * answer are appended to ctx.convo.messages.
     */
    async respond(ctx: TurnContext, systemPrompt: string, opts: RespondOptions = {}): Promise<LlmOutcome> {
      const state: RunState = { instructions: systemPrompt, handOver: opts.handOver ?? defaultHandOver, modelCalls: 0, handedOver: false };
      runs.set(ctx, state);
      let result;
      try {
        // Tool rounds, the text answer after them, and the staff's reply after a handoff.
        result = await runner.run(agent, toInputItems(ctx.convo.messages), { context: ctx, maxTurns: maxRounds + 2 });
      } catch (err) {
        if (err instanceof InputGuardrailTripwireTriggered) {
          const name = err.result.guardrail.name as GuardrailName;
          const m = msg(ctx.lang);
          const kind: EmergencyKind = err.result.output.outputInfo?.kind ?? 'medical';
          const text = name !== 'emergency' ? m.guardrailRefusal : opts.emergencyReply ? await opts.emergencyReply(kind) : m.emergency(opts.clinicPhone ?? null);
          ctx.convo.pending = null;
          ctx.convo.messages.push({ role: 'assistant', content: text, at: ctx.now });
          return { text, failed: false, guardrail: name };
        }
        return { text: '', failed: true, unavailable: state.modelCalls <= 1 };
      } finally {
        runs.delete(ctx);
      }
      const items = result.newItems;
      const final = items.at(-1)?.type === 'message_output_item' ? items.length - 1 : items.length;
      ctx.convo.messages.push(...fromRunItems(items.slice(0, final), ctx.now));
      const output = typeof result.finalOutput === 'string' ? result.finalOutput : '';
      const text = keepKnownLinks(maskEmiratesIds(output.trim()), ctx.convo.messages);
      if (!text) return { text: '', failed: true };
      ctx.convo.messages.push({ role: 'assistant', content: text, at: ctx.now });
      return { text, failed: false, ...(state.handedOver ? { handedOver: true } : {}) };
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
    'If the patient wants a person, or needs something only the clinic staff can do, hand the conversation over with transfer_to_staff (staff answer in this chat).',
    ...(p.severalClinics ? ['Physicians here practise at several clinics: whenever you mention a physician, say which clinic (the `clinic` field the tools return).'] : []),
  ].join('\n');
}
