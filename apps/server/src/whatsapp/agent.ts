import { createAssistant, type Assistant } from '@clinic/agent';
import type { Services } from '@clinic/api';

export interface AssistantSettings {
  /** null: menu mode (numbered menus, no language model, no API key). */
  llm: { apiKey: string; baseURL?: string | undefined; model: string } | null;
  /** Public base of the payment page (`{PUBLIC_BASE_URL}/pay`); none: patients are told to pay in the app. */
  paymentLinkBase?: string | undefined;
}

/**
 * The WhatsApp assistant from @clinic/agent, over the same services the API uses. The clinic's phone
 * number (for emergency and "call us" answers) is read by the assistant from the clinic's details.
 */
export function createClinicAssistant(services: Services, settings: AssistantSettings): Assistant {
  return createAssistant({
    services,
    llm: settings.llm ? { apiKey: settings.llm.apiKey, model: settings.llm.model, ...(settings.llm.baseURL ? { baseURL: settings.llm.baseURL } : {}) } : null,
    ...(settings.paymentLinkBase ? { paymentLinkBase: settings.paymentLinkBase } : {}),
  });
}
