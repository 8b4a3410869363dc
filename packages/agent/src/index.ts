export {
  createAssistant,
  patientForPhone,
  DEFAULT_SESSION_TIMEOUT_MINUTES,
  INBOUND_LIMIT,
  MAX_FAILURES,
  type Assistant,
  type AssistantOptions,
  type AssistantReply,
  type InboundMessage,
} from './assistant.ts';
export { maskLinkCommand, normalise, detectLanguage, isYes, isNo, type Lang } from './text.ts';
export { isEmergency, wantsHuman, asksMedicalAdvice } from './safety.ts';
export { DEFAULT_MAX_TOOL_ROUNDS, type LlmSettings } from './llm.ts';
export { TOOLS } from './tools.ts';
export { BUTTON_ACTIONS, BUTTON_PAYLOAD_MAX, buttonPayload, parseButtonPayload, type ButtonAction } from './buttons.ts';
export { detectIntent, matchSpecialty, nameQuery, parseDay, SPECIALTY_SYNONYMS, type Intent } from './intents.ts';
