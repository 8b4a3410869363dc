import { attempt, failureText, paymentFollowUp, proposeCancel, when, type TurnContext } from './actions.ts';
import { bookedPhysicianIn } from './format.ts';
import { MAIN_MENU, showRescheduleSlots } from './menu.ts';
import { msg } from './messages.ts';

/** What a reminder's quick-reply buttons ask for. */
export const BUTTON_ACTIONS = ['confirm', 'reschedule', 'cancel'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

/** WhatsApp caps a button's id at 256 characters; anything longer is not one of ours. */
export const BUTTON_PAYLOAD_MAX = 256;

/** `appt:<appointmentId>:<action>`: the id a reminder template gives each button, which Twilio posts back as `ButtonPayload`. */
export const buttonPayload = (appointmentId: string, action: ButtonAction) => `appt:${appointmentId}:${action}`;

/** The payload's appointment and action; null for anything else. It names an id only: whose it is, the procedures decide. */
export function parseButtonPayload(payload: string): { appointmentId: string; action: ButtonAction } | null {
  const m = /^appt:([0-9a-f]{24}):(confirm|reschedule|cancel)$/.exec(payload.trim());
  return m ? { appointmentId: m[1]!, action: m[2] as ButtonAction } : null;
}

/**
 * A tapped button is an intent, not words: it acts through the procedures as the patient (`ctx.caller`), so an
 * appointment of someone else's in an altered payload is "not found" and nothing changes. Cancel and reschedule
 * end in the same yes/no question as typed requests; confirm changes nothing (patients have no procedure to
 * confirm attendance, and a confirmed booking needs none): it acknowledges, or sends the pay link for a booking
 * still waiting for payment, since paying is what confirms it.
 */
export async function handleButton(ctx: TurnContext, payload: string): Promise<string> {
  const m = msg(ctx.lang);
  const parsed = parseButtonPayload(payload);
  if (!parsed) {
    ctx.convo.menu = MAIN_MENU;
    return `${m.buttonUnknown}\n${m.menu}`;
  }
  ctx.convo.menu = null;
  const appt = await attempt(() => ctx.caller.appointments.get({ id: parsed.appointmentId }));
  if (!appt.ok) return failureText(ctx.lang, appt);
  const booking = appt.value;
  switch (parsed.action) {
    case 'confirm': {
      if (booking.status === 'pending_payment') return paymentFollowUp(ctx, booking);
      if (booking.status !== 'confirmed') return m.invalidTransition;
      const { timeZone } = await ctx.clinic();
      return m.attendanceConfirmed(bookedPhysicianIn(ctx.lang, booking), when(ctx, booking.start, timeZone));
    }
    case 'cancel': {
      const res = await proposeCancel(ctx, { id: booking.id, reason: 'Cancelled by the patient from a WhatsApp reminder' });
      if (!res.ok) return failureText(ctx.lang, res);
      ctx.convo.pending = res.pending;
      return res.question;
    }
    case 'reschedule': {
      if (booking.status !== 'pending_payment' && booking.status !== 'confirmed') return m.invalidTransition;
      return (await showRescheduleSlots(ctx, booking)).text;
    }
  }
}
