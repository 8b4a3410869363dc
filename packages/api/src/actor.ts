import type { Role } from '@clinic/contracts';

/** Who is calling: the signed-in user of a request, or the user a server-side caller acts for. */
export interface Actor {
  userId: string;
  role: Role;
  /** The login session behind a bearer token; null for server-side callers (e.g. the WhatsApp agent). */
  sessionId: string | null;
  /**
   * The clinic an admin, staff member or doctor belongs to (from the token's claim); null for patients (platform
   * accounts), server-side callers acting for a patient, and tokens signed before staff had a clinic.
   */
  clinicId: string | null;
  /** When the access token behind this actor expires: long-lived streams end then (absent for server-side callers). */
  expiresAt?: Date;
  /** Where a server-side caller acts from (`whatsapp` for the assistant); absent for the app and REST. */
  channel?: string;
}

/**
 * The actor acts in a chat whose own reply tells the patient the outcome (the WhatsApp assistant's "✅ Booked"),
 * so a separate message about the same change would say it twice.
 */
export const repliesInChat = (actor: Actor | null | undefined): boolean => actor?.channel === 'whatsapp';
