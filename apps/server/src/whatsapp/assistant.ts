/** The assistant's interface, from @clinic/agent (the transport depends on nothing else of it). */
export type { Assistant, AssistantReply, InboundMessage } from '@clinic/agent';
