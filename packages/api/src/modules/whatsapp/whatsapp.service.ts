import { createHmac, randomInt } from 'node:crypto';
import { LINK_CODE_ALPHABET, LINK_CODE_LENGTH, formatLinkCode, parseLinkCode, type User, type WhatsAppLink, type WhatsAppLinkCode } from '@clinic/contracts';
import { ObjectId, type WhatsAppLinkDoc } from '@clinic/db';
import type { ApiDeps, MailMessage } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { RateLimiter } from '../../security/rate-limit.ts';
import type { AppointmentsService } from '../appointments/appointments.service.ts';
import type { InsuranceService } from '../insurance/insurance.service.ts';
import type { PaymentsService } from '../payments/payments.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { createWhatsAppRepository, notLinked } from './whatsapp.repository.ts';

/**
 * Where a patient is reached on WhatsApp: the number linked to the account. It needs only the database, so the
 * WhatsApp notifier, which the other services send through, can have it before they exist.
 */
export function createLinkedNumbers(deps: Pick<ApiDeps, 'db'>) {
  const repo = createWhatsAppRepository(deps.db.cols);
  return { of: (userId: string) => repo.linkedNumberOf(userId) };
}

export const LINK_CODE_TTL_MINUTES = 15;
/** Wrong codes per WhatsApp number: with ~39 bits per code, guessing someone's live code is hopeless. */
const LINK_ATTEMPTS = { max: 5, windowSeconds: 15 * 60 };
const CODES_PER_ACCOUNT = { max: 10, windowSeconds: 60 * 60 };

function linkedEmail(clinic: string, to: string, name: string, phone: string): MailMessage {
  return {
    to,
    subject: `${clinic}: a WhatsApp number was linked to your account`,
    text: `Hello ${name},\n\nThe WhatsApp number ending ${phone.slice(-4)} is now linked to your account: messages from it can see and manage your bookings.\n\nIf this was not you, open the app, go to Profile → WhatsApp and disconnect it, then contact the clinic.\n\n${clinic}`,
  };
}

const INVALID = 'This link code is wrong or has expired. Create a new one in the app (Profile → WhatsApp) and send "LINK" and the code again.';

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface WhatsAppUseCases {
  createLinkCode(userId: string): Promise<WhatsAppLinkCode>;
  status(userId: string): Promise<WhatsAppLink>;
  unlink(userId: string): Promise<WhatsAppLink>;
}

export interface PhonePatient {
  userId: string;
  fullName: string;
  created: boolean;
}

/**
 * WhatsApp identity. A number that writes to us is a phone-only patient until its owner proves, with a
 * code made in the signed-in app, that it is theirs; from then on its messages act as the app account and
 * everything the phone-only profile had (bookings, payments, insurance check) is moved there.
 */
export function createWhatsAppService(deps: ApiDeps, rateLimiter: RateLimiter, users: UsersService, appointments: AppointmentsService, payments: PaymentsService, insurance: InsuranceService) {
  const repo = createWhatsAppRepository(deps.db.cols);
  const hashCode = (code: string) => createHmac('sha256', deps.auth.secretKey).update(`whatsapp-link:${code}`).digest('hex');

  /**
   * Moves the number's phone-only profile's records to the linked account. Every step only touches what is
   * still the profile's, and the link is marked merged last, so a merge cut short is finished by running it again.
   */
  async function merge(link: WhatsAppLinkDoc, account: User): Promise<void> {
    if (link.mergedAt) return;
    const profileId = await users.phoneProfileId(link._id);
    if (profileId && !profileId.equals(link.userId)) {
      await appointments.reassignPatient(profileId, link.userId, { name: account.fullName, email: account.email, phone: link._id });
      await payments.reassignPatient(profileId, link.userId);
      await insurance.moveToPatient(profileId, link.userId);
    }
    await repo.markMerged(link, deps.clock());
  }

  return {
    /** Who a WhatsApp number (verified by the channel) acts as: its linked account, else its own phone-only profile. */
    async patientFor(phone: string, profileName: string | null): Promise<PhonePatient> {
      const link = await repo.linkOf(phone);
      if (link) {
        const account = await users.me(link.userId.toHexString()).catch(() => null);
        if (account) {
          await merge(link, account);
          return { userId: account.id, fullName: account.fullName, created: false };
        }
      }
      return users.patientForPhone(phone, profileName);
    },

    /** A signed-in patient asks to connect WhatsApp: a short-lived code to send from that number. */
    async createLinkCode(userId: string): Promise<WhatsAppLinkCode> {
      await rateLimiter.hit('whatsapp-link-code', userId, CODES_PER_ACCOUNT);
      let code = '';
      for (let i = 0; i < LINK_CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(LINK_CODE_ALPHABET.length)];
      const now = deps.clock();
      const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MINUTES * 60_000);
      await repo.replaceCode(new ObjectId(userId), hashCode(code), now, expiresAt);
      const message = `LINK ${formatLinkCode(code)}`;
      const number = deps.whatsappNumber?.replace(/\D/g, '');
      return { code: formatLinkCode(code), message, expiresAt, whatsappUrl: number ? `https://wa.me/${number}?text=${encodeURIComponent(message)}` : null };
    },

    /**
     * The code arrived from `phone` over WhatsApp (the channel verified the number): link it to the
     * code's account and merge the number's phone-only profile into it.
     */
    async link(phone: string, rawCode: string): Promise<{ userId: string; fullName: string; email: string | null }> {
      await rateLimiter.hit('whatsapp-link', phone, LINK_ATTEMPTS);
      const code = parseLinkCode(rawCode);
      const userId = code ? await repo.consumeCode(hashCode(code), deps.clock()) : null;
      const account = userId ? await users.me(userId.toHexString()).catch(() => null) : null;
      if (!userId || !account || account.role !== 'patient') throw new AppError('CODE_INVALID', INVALID);
      await merge(await repo.link(phone, userId, deps.clock()), account);
      if (account.email) {
        // Whoever holds a live code can link their number: the owner hears of it and can unlink in the app.
        await deps.mailer.send(linkedEmail(deps.clinicName, account.email, account.fullName, phone)).catch((err: unknown) => deps.log?.warn({ err }, 'could not send the WhatsApp-linked email'));
      }
      return { userId: account.id, fullName: account.fullName, email: account.email };
    },

    status: (userId: string): Promise<WhatsAppLink> => repo.statusOfUser(new ObjectId(userId)),

    /** The number's messages act as its phone-only profile again; what was merged stays with the account. */
    async unlink(userId: string): Promise<WhatsAppLink> {
      await repo.unlinkUser(new ObjectId(userId));
      return notLinked();
    },
  };
}
export type WhatsAppService = ReturnType<typeof createWhatsAppService>;
