import { webhookContracts } from '@clinic/contracts';
import { AGENDA_EVENT_KINDS, type AgendaEventKind } from '../agenda/agenda.events.ts';

type Prefixed<T extends readonly string[]> = { readonly [I in keyof T]: `appointment.${T[I] & string}` };
type EventTypes = Prefixed<typeof AGENDA_EVENT_KINDS> & readonly [string, ...string[]];

/** What a webhook may subscribe to: every change the agenda publishes, named `appointment.<kind>`. */
export const WEBHOOK_EVENT_TYPES = AGENDA_EVENT_KINDS.map((k) => `appointment.${k}`) as unknown as EventTypes;
export type WebhookEventType = `appointment.${AgendaEventKind}`;

export const typeOfKind = (kind: string): WebhookEventType | null =>
  (AGENDA_EVENT_KINDS as readonly string[]).includes(kind) ? (`appointment.${kind as AgendaEventKind}` as WebhookEventType) : null;

export const Webhooks = webhookContracts(WEBHOOK_EVENT_TYPES);

/** A stored agenda event's id for receivers: its stream's clinic and position, the same on every retry. */
export const eventIdOf = (clinicId: string, seq: number) => `evt_${clinicId}_${seq}`;
