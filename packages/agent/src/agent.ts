import { Agent, Usage, assistant, handoff, type AgentInputItem, type Model, type ModelRequest, type ModelResponse, type RunItem } from '@openai/agents';
import type { ConversationMessage } from '@clinic/api';
import { maskEmiratesIds } from '@clinic/contracts';
import type { TurnContext } from './actions.ts';
import { INPUT_GUARDRAILS } from './guardrails.ts';
import { agentTools } from './tools.ts';

/** The handoff's tool name as the model sees it (and as the stored transcript keeps it). */
export const STAFF_HANDOFF = 'transfer_to_staff';

/**
 * The staff side of a handoff speaks without a model: its instructions are the handover sentence and this
 * "model" returns them as the reply. A handoff then costs no model call, and the patient always reads the
 * same, translated handover text whatever the assistant's model would have said.
 */
class SaysItsInstructions implements Model {
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    return { usage: new Usage({ requests: 0 }), output: [assistant(request.systemInstructions ?? '')] };
  }
  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('the staff handoff does not stream');
  }
}

export interface AgentOptions {
  /** The assistant's model (Chat Completions over our configured endpoint). */
  model: Model;
  /** False once a run has used its tool rounds: the model then has to answer in text. */
  toolsEnabled(ctx: TurnContext): boolean;
  /** Called when the model hands the conversation to staff: flags it, returns what the patient reads. */
  handOver(ctx: TurnContext): Promise<string>;
}

/**
 * The WhatsApp assistant as an Agents SDK agent: the procedures as tools (schemas from contracts), the
 * emergency and prompt-injection checks as blocking input guardrails, and the staff handover as a handoff.
 * Instructions come per turn from the run's context (`instructionsFor`), so one agent serves every clinic.
 */
export function createClinicAgent(opts: AgentOptions, instructionsFor: (ctx: TurnContext) => string): Agent<TurnContext> {
  const handoverText = new WeakMap<TurnContext, string>();
  const staff = new Agent<TurnContext>({
    name: 'staff',
    handoffDescription: 'A member of the clinic staff, who answers the patient in this chat.',
    instructions: (run) => handoverText.get(run.context) ?? '',
    model: new SaysItsInstructions(),
  });
  const toStaff = handoff<TurnContext>(staff, {
    toolNameOverride: STAFF_HANDOFF,
    toolDescriptionOverride:
      'Hand the conversation to the clinic staff: when the patient asks for a person, or for anything the tools cannot do (a complaint, a refund, a document, a question only the clinic can answer). Staff answer in this chat.',
    onHandoff: async (run) => {
      handoverText.set(run.context, await opts.handOver(run.context));
    },
    isEnabled: async ({ runContext }) => opts.toolsEnabled(runContext.context),
  });
  return new Agent<TurnContext>({
    name: 'clinic_assistant',
    instructions: (run) => instructionsFor(run.context),
    model: opts.model,
    tools: agentTools(opts.toolsEnabled),
    handoffs: [toStaff],
    inputGuardrails: INPUT_GUARDRAILS,
  });
}

/**
 * The stored (masked) transcript as the SDK's input items. A call and its result go together or not at all (an
 * endpoint refuses a call without its result and a result without its call; trimming or an interrupted turn may
 * leave one alone).
 */
export function toInputItems(messages: ConversationMessage[]): AgentInputItem[] {
  const answered = new Set(messages.filter((m) => m.role === 'tool').map((m) => m.toolCallId ?? ''));
  const names = new Map<string, string>();
  const items: AgentInputItem[] = [];
  for (const m of messages) {
    // Plain string content: every OpenAI-compatible endpoint takes it (not all take content parts).
    if (m.role === 'user') items.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      if (m.content) items.push(assistantText(m.content));
      for (const c of m.toolCalls ?? []) {
        if (!answered.has(c.id)) continue;
        names.set(c.id, c.name);
        items.push({ type: 'function_call', callId: c.id, name: c.name, arguments: c.arguments, status: 'completed' });
      }
    } else {
      const callId = m.toolCallId ?? '';
      const name = names.get(callId);
      if (name) items.push({ type: 'function_call_result', callId, name, status: 'completed', output: { type: 'text', text: m.content } });
    }
  }
  return items;
}

/**
 * An earlier assistant message with its text as a plain string: the Chat Completions converter sends it as is,
 * where `assistant()`'s content parts would reach the endpoint as parts, which not every compatible one takes.
 */
function assistantText(text: string): AgentInputItem {
  return { ...assistant(text), content: text } as unknown as AgentInputItem;
}

/**
 * A run's new items in our stored format: consecutive calls of one model answer become one assistant
 * message with `toolCalls` (with any text the model sent along), each result a `tool` message; all masked.
 * The final answer is not among `items`: the caller checks and cleans it before it is stored.
 */
export function fromRunItems(items: RunItem[], at: Date): ConversationMessage[] {
  const out: ConversationMessage[] = [];
  // The assistant message the next calls belong to (a text the model sent along with them, or calls alone).
  let turn: ConversationMessage | null = null;
  for (const item of items) {
    if (item.type === 'message_output_item') {
      out.push((turn = { role: 'assistant', content: maskEmiratesIds(item.content), at }));
      continue;
    }
    const raw = item.rawItem as { type?: string; callId?: string; name?: string; arguments?: string; output?: unknown };
    if (raw.type === 'function_call') {
      if (!turn) out.push((turn = { role: 'assistant', content: '', at }));
      (turn.toolCalls ??= []).push({ id: raw.callId ?? '', name: raw.name ?? '', arguments: maskEmiratesIds(raw.arguments ?? '') });
      continue;
    }
    turn = null;
    if (raw.type === 'function_call_result') out.push({ role: 'tool', toolCallId: raw.callId ?? '', content: maskEmiratesIds(outputText(raw.output)), at });
  }
  return out;
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output && typeof output === 'object' && 'text' in output && typeof output.text === 'string') return output.text;
  return JSON.stringify(output ?? null);
}
