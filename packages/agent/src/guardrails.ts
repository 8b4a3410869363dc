import type { InputGuardrail } from '@openai/agents';
import { emergencyKind } from './safety.ts';
import { foldForMatching } from './text.ts';

/**
 * Messages that try to steer the model instead of asking the clinic something: "ignore previous
 * instructions", asking for the system prompt, role-play jailbreaks, or acting for another patient. Like
 * the emergency check it is deterministic (no model call) and errs on the side of caution: a tripped
 * message gets a fixed reply that says what the assistant does, and the patient can simply ask again.
 */
const INJECTION_EN = [
  /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines?|directives?)\b/,
  /\b(previous|prior|above|earlier|original)\s+(instructions?|prompts?|rules?)\b/,
  /\b(system|developer|hidden|initial)\s+(prompt|message|instructions?)\b/,
  /\b(reveal|show|print|repeat|tell\s+me|what\s+(is|are))\b.{0,20}\byour\s+(instructions?|prompt|configuration)\b/,
  /\b(jailbreak|jail\s?broken|dan\s+mode|developer\s+mode|god\s+mode|do\s+anything\s+now)\b/,
  /\b(pretend|imagine|role\s?-?\s?play|roleplay|act)\b.{0,30}\b(you\s+are|you'?re|as\s+(an?|the|my))\b.{0,40}\b(ai|assistant|model|admin|administrator|developer|system|staff|doctor|receptionist|unrestricted|without)\b/,
  /\byou\s+are\s+(now|no\s+longer)\b/,
  /\bfrom\s+now\s+on\b.{0,30}\b(you|act|respond|answer)\b/,
  /\b(another|other|different)\s+(patient|user)s?'?\b/,
  /\b(someone|somebody|anyone)\s+else'?s\s+(appointments?|bookings?|account|data|records?|details|file)\b/,
  /\b(patient|user|account)\s+(id|number|no\.?)\s*[:#]?\s*[0-9a-f]{6,}/,
  /\b(log\s?in|sign\s?in|switch|act|book|cancel)\s+(as|for)\s+(patient|user|\+?\d{9,})/,
  /\bon\s+behalf\s+of\s+(another|other|a\s+different)\b/,
];
const INJECTION_AR = [
  'تجاهل التعليمات',
  'تجاهل كل التعليمات',
  'تجاهل جميع التعليمات',
  'تجاهل التعليمات السابقه',
  'انس التعليمات',
  'انسي التعليمات',
  'التعليمات السابقه',
  'تعليمات النظام',
  'موجه النظام',
  'رساله النظام',
  'اكشف تعليماتك',
  'ما هي تعليماتك',
  'تظاهر بانك',
  'تقمص دور',
  'العب دور',
  'وضع المطور',
  'مريض اخر',
  'مريضه اخري',
  'مرضي اخرين',
  'حساب شخص اخر',
  'مواعيد المرضي',
  'مواعيد شخص اخر',
  'موعد شخص اخر',
  'نيابه عن مريض',
];

export function looksLikeInjection(text: string): boolean {
  const folded = foldForMatching(text);
  return INJECTION_EN.some((re) => re.test(folded)) || INJECTION_AR.some((w) => folded.includes(foldForMatching(w)));
}

export type GuardrailName = 'emergency' | 'prompt_injection';

/** The newest user message in the run's input (the history before it was checked when it arrived). */
export function latestUserText(input: string | readonly unknown[]): string {
  if (typeof input === 'string') return input;
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as { role?: string; content?: unknown };
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) return item.content.map((c: { text?: string }) => c?.text ?? '').join(' ');
    return '';
  }
  return '';
}

/**
 * The SDK input guardrails. They block (not run in parallel with) the model: a tripped message never reaches
 * it. Emergencies are already answered before the model in assistant.ts; this one is defence in depth, and tells
 * which kind (self-harm gets its own reply).
 */
export const INPUT_GUARDRAILS: InputGuardrail[] = [
  {
    name: 'emergency' satisfies GuardrailName,
    runInParallel: false,
    execute: async ({ input }) => {
      const kind = emergencyKind(latestUserText(input));
      return { tripwireTriggered: kind !== null, outputInfo: { kind } };
    },
  },
  {
    name: 'prompt_injection' satisfies GuardrailName,
    runInParallel: false,
    execute: async ({ input }) => ({ tripwireTriggered: looksLikeInjection(latestUserText(input)), outputInfo: null }),
  },
];
