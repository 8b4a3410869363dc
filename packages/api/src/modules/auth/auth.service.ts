import type { AuthResult, SignupClinicInput, Tokens } from '@clinic/contracts';
import { ObjectId, type OtpPurpose, type UserDoc } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../security/passwords.ts';
import type { RateLimiter } from '../../security/rate-limit.ts';
import { createTokenSigner, hmac, newOtpCode, newRefreshToken, safeEqual, sha256, type AccessClaims } from '../../security/tokens.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { createUsersRepository, toUserDto } from '../users/users.repository.ts';
import { resetEmail, verificationEmail } from './auth.emails.ts';
import { createCodesRepository } from './codes.repository.ts';
import { createSessionsRepository } from './sessions.repository.ts';

/** What an access token says about its user: staff roles carry their clinic (read tolerantly: older accounts lack it). */
const claimsOf = (user: UserDoc, sessionId: ObjectId): AccessClaims => ({
  userId: user._id.toHexString(),
  role: user.role,
  sessionId: sessionId.toHexString(),
  clinicId: user.role === 'patient' || user.role === 'operator' ? null : (user.clinicId?.toHexString() ?? null),
});

/** Why a bearer token was refused: not valid (expired, forged, its session ended) or its clinic is suspended. */
export type TokenRejection = 'invalid' | 'clinic_suspended';

const suspendedMessage = (name: string) =>
  `${name} is suspended by the platform: its staff, doctors and admins cannot sign in or use the API until it is reactivated.`;

export interface RequestMeta {
  ip: string;
  userAgent: string | null;
}

type Accepted = { accepted: true; message: string };
type Ok = { ok: true };

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface AuthUseCases {
  register(input: { email: string; password: string; fullName: string; phone?: string | undefined }): Promise<{ userId: string; email: string; verificationRequired: true }>;
  signupClinic(
    input: Omit<SignupClinicInput, 'phone'> & { phone?: string | undefined },
    meta: RequestMeta,
  ): Promise<{ userId: string; email: string; clinicId: string; clinicSlug: string; clinicStatus: 'pending'; verificationRequired: true }>;
  verifyEmail(input: { email: string; code: string }, meta: RequestMeta): Promise<AuthResult>;
  resendCode(input: { email: string }, meta: RequestMeta): Promise<Accepted>;
  login(input: { email: string; password: string }, meta: RequestMeta): Promise<AuthResult>;
  refresh(input: { refreshToken: string }): Promise<Tokens>;
  logout(input: { refreshToken: string }): Promise<Ok>;
  forgotPassword(input: { email: string }, meta: RequestMeta): Promise<Accepted>;
  resetPassword(input: { email: string; code: string; newPassword: string }, meta: RequestMeta): Promise<Ok>;
  changePassword(actor: { userId: string; sessionId: string | null }, input: { currentPassword: string; newPassword: string }): Promise<Ok>;
}

const GENERIC_LOGIN_ERROR = 'Email or password is incorrect.';
const NO_ACTIVE_CODE = 'This code is not valid. Request a new code.';

/**
 * `sessionsChanged` announces that a user's sessions were revoked, so their open streams recheck at once (see
 * session-watch.ts).
 */
export function createAuthService(deps: ApiDeps, limiter: RateLimiter, clinics: ClinicService, hooks: { sessionsChanged(userId: string): Promise<void> }) {
  const { clock, auth: settings } = deps;
  const users = createUsersRepository(deps.db.cols);
  const sessions = createSessionsRepository(deps.db.cols);
  const codes = createCodesRepository(deps.db.cols);
  const signer = createTokenSigner(settings.secretKey, settings.accessTokenTtlSeconds, clock);
  const L = settings.limits;
  const codeHash = (userId: ObjectId, purpose: OtpPurpose, code: string) =>
    hmac(settings.secretKey, `${purpose}:${userId.toHexString()}:${code}`);

  async function sendCode(user: UserDoc, purpose: OtpPurpose, cooldownSeconds: number): Promise<void> {
    // Accounts are found by email here, so they have one; a phone-only patient has nowhere to send a code.
    if (!user.email) return;
    const now = clock();
    const code = newOtpCode();
    const expiresAt = new Date(now.getTime() + settings.codeTtlMinutes * 60_000);
    const res = await codes.replace(user._id, purpose, codeHash(user._id, purpose, code), now, expiresAt, cooldownSeconds);
    if (!res.ok) {
      throw new AppError('RATE_LIMITED', `A code was sent recently. You can ask for a new one in ${res.retryAfter} seconds.`, {
        retryAfter: res.retryAfter,
      });
    }
    const make = purpose === 'verify_email' ? verificationEmail : resetEmail;
    await deps.mailer.send(make(deps.clinicName, user.email, user.fullName, code, settings.codeTtlMinutes));
  }

  /** Spends one try of the user's code; throws unless the code is right, live and not locked. */
  async function redeemCode(user: UserDoc | null, purpose: OtpPurpose, code: string): Promise<void> {
    if (!user) throw new AppError('CODE_INVALID', NO_ACTIVE_CODE);
    const doc = await codes.countAttempt(user._id, purpose);
    if (!doc) throw new AppError('CODE_INVALID', NO_ACTIVE_CODE);
    if (doc.attempts > settings.codeMaxAttempts) {
      throw new AppError('CODE_LOCKED', 'Too many wrong codes. Request a new code.');
    }
    if (doc.expiresAt <= clock()) throw new AppError('CODE_EXPIRED', 'This code has expired. Request a new code.');
    const hash = codeHash(user._id, purpose, code);
    if (!safeEqual(hash, doc.codeHash)) {
      const left = settings.codeMaxAttempts - doc.attempts;
      if (left <= 0) throw new AppError('CODE_LOCKED', 'Too many wrong codes. Request a new code.');
      throw new AppError('CODE_INVALID', `The code is wrong. ${left} ${left === 1 ? 'try' : 'tries'} left.`);
    }
    if (!(await codes.consume(user._id, purpose, hash, clock()))) throw new AppError('CODE_INVALID', NO_ACTIVE_CODE);
  }

  /** The clinic of a clinic's account (admin, staff, doctor), when it has one: patients and the operator have none. */
  const clinicOf = (user: Pick<UserDoc, 'role' | 'clinicId'>): ObjectId | null =>
    user.role === 'patient' || user.role === 'operator' ? null : (user.clinicId ?? null);

  /** A suspended clinic's people cannot sign in (nor refresh): 403 naming the suspension. */
  async function assertClinicNotSuspended(user: UserDoc): Promise<void> {
    const clinicId = clinicOf(user);
    if (!clinicId) return;
    const clinic = await clinics.standing(clinicId);
    if (clinic?.status === 'suspended') throw new AppError('CLINIC_SUSPENDED', suspendedMessage(clinic.name));
  }

  /**
   * The identity behind a bearer token, or why it is refused: the token or its session is no longer valid, or the
   * clinic of its admin, staff member or doctor is suspended (checked on every request — one read of the clinic's
   * status by `_id` — so a suspension stops existing tokens at once and a reactivation restores them).
   */
  async function authenticateRequest(accessToken: string): Promise<{ claims: AccessClaims } | { rejected: TokenRejection }> {
    const claims = await signer.verify(accessToken);
    const rejected = claims ? await standing(claims) : 'invalid';
    return rejected ? { rejected } : { claims: claims! };
  }

  /** Why a verified token's session no longer counts (revoked, expired, its clinic suspended), or null. */
  async function standing(actor: { sessionId: string | null; role: string; clinicId: string | null }): Promise<TokenRejection | null> {
    if (!actor.sessionId || !(await sessions.isActive(actor.sessionId, clock()))) return 'invalid';
    if (actor.clinicId !== null && actor.role !== 'patient' && actor.role !== 'operator') {
      const clinic = await clinics.standing(new ObjectId(actor.clinicId));
      if (clinic?.status === 'suspended') return 'clinic_suspended';
    }
    return null;
  }

  /** A new account whose email is still to be proven; the unique email makes a duplicate EMAIL_TAKEN. */
  async function insertUnverified(input: { email: string; password: string; fullName: string; phone?: string | undefined }, role: 'patient' | 'admin', clinicId: ObjectId | null) {
    return users.insert(
      { email: input.email, passwordHash: await hashPassword(input.password), fullName: input.fullName, phone: input.phone ?? null, role, clinicId, emailVerifiedAt: null },
      clock(),
    );
  }

  async function issueTokens(user: UserDoc, meta: RequestMeta): Promise<AuthResult> {
    await assertClinicNotSuspended(user);
    const now = clock();
    const refreshToken = newRefreshToken();
    const expiresAt = new Date(now.getTime() + settings.refreshTokenTtlDays * 86_400_000);
    const session = await sessions.create(user._id, sha256(refreshToken), now, expiresAt, meta.userAgent);
    const accessToken = await signer.sign(claimsOf(user, session._id));
    return { accessToken, refreshToken, expiresIn: settings.accessTokenTtlSeconds, tokenType: 'Bearer', user: toUserDto(user) };
  }

  return {
    async register(input: { email: string; password: string; fullName: string; phone?: string | undefined }) {
      const user = await insertUnverified(input, 'patient', null);
      await sendCode(user, 'verify_email', 0);
      return { userId: user._id.toHexString(), email: input.email, verificationRequired: true as const };
    },

    /**
     * A clinic signs up: its first admin's account (unverified, in the new clinic) and the clinic (`pending` until
     * the admin verifies the email). The account goes first: its unique email decides a duplicate before anything
     * else is written (409, nothing created); should the clinic then fail, the account is removed again.
     */
    async signupClinic(input: { clinicName: string; fullName: string; email: string; password: string; phone?: string | undefined }, meta: RequestMeta) {
      await limiter.hit('signup:ip', meta.ip, L.signupPerIp);
      const clinicId = new ObjectId();
      const user = await insertUnverified(input, 'admin', clinicId);
      let clinic;
      try {
        clinic = await clinics.createPending(clinicId, { name: input.clinicName, email: input.email, phone: input.phone ?? null });
      } catch (err) {
        await users.removeUnverified(user._id);
        throw err;
      }
      await sendCode(user, 'verify_email', 0);
      return {
        userId: user._id.toHexString(),
        email: input.email,
        clinicId: clinic._id.toHexString(),
        clinicSlug: clinic.slug,
        clinicStatus: 'pending' as const,
        verificationRequired: true as const,
      };
    },

    async verifyEmail(input: { email: string; code: string }, meta: RequestMeta): Promise<AuthResult> {
      await limiter.hit('verify:ip', meta.ip, L.verifyPerIp);
      const user = await users.findByEmail(input.email);
      await redeemCode(user, 'verify_email', input.code);
      await users.markVerified(user!._id, clock());
      // The admin who signed a clinic up opens it by proving the email (a guarded update: only a pending clinic).
      const clinicId = user!.role === 'admin' ? clinicOf(user!) : null;
      if (clinicId) await clinics.activatePending(clinicId);
      return issueTokens({ ...user!, emailVerifiedAt: user!.emailVerifiedAt ?? clock() }, meta);
    },

    async resendCode(input: { email: string }, meta: RequestMeta) {
      await limiter.hit('resend:ip', meta.ip, L.resendPerIp);
      const user = await users.findByEmail(input.email);
      // Unknown and already-verified addresses get the same answer, so the endpoint reveals nothing.
      if (user && !user.emailVerifiedAt) {
        await limiter.hit('resend:account', user._id.toHexString(), L.resendPerAccount);
        await sendCode(user, 'verify_email', settings.resendCooldownSeconds);
      }
      return { accepted: true as const, message: 'If this address has an unverified account, a new code is on its way.' };
    },

    async login(input: { email: string; password: string }, meta: RequestMeta): Promise<AuthResult> {
      await limiter.hit('login:ip', meta.ip, L.loginPerIp);
      await limiter.check('login:account', input.email, L.loginPerAccount);
      const user = await users.findByEmail(input.email);
      // No password ('' — phone-only patients): never a match, in the same time as an unknown account.
      const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, input.password) : await verifyAgainstDummy(input.password);
      if (!user || !ok) {
        await limiter.hit('login:account', input.email, L.loginPerAccount);
        throw new AppError('INVALID_CREDENTIALS', GENERIC_LOGIN_ERROR);
      }
      if (!user.emailVerifiedAt) {
        throw new AppError('EMAIL_NOT_VERIFIED', 'Verify your email first: enter the code we sent you, or ask for a new one.');
      }
      return issueTokens(user, meta); // a suspended clinic's account: 403 CLINIC_SUSPENDED
    },

    async refresh(input: { refreshToken: string }): Promise<Tokens> {
      const now = clock();
      const presented = sha256(input.refreshToken);
      const next = newRefreshToken();
      const session = await sessions.rotate(presented, sha256(next), now);
      if (!session) {
        const owner = await sessions.revokeIfReused(presented);
        if (owner) await hooks.sessionsChanged(owner.toHexString());
        throw new AppError('SESSION_EXPIRED', 'Your session has ended. Sign in again.');
      }
      const user = await users.findById(session.userId.toHexString());
      if (!user) throw new AppError('SESSION_EXPIRED', 'Your session has ended. Sign in again.');
      await assertClinicNotSuspended(user);
      const accessToken = await signer.sign(claimsOf(user, session._id));
      return { accessToken, refreshToken: next, expiresIn: settings.accessTokenTtlSeconds, tokenType: 'Bearer' };
    },

    async logout(input: { refreshToken: string }) {
      const owner = await sessions.revokeByToken(sha256(input.refreshToken), 'logout');
      if (owner) await hooks.sessionsChanged(owner.toHexString());
      return { ok: true as const };
    },

    async forgotPassword(input: { email: string }, meta: RequestMeta) {
      await limiter.hit('forgot:ip', meta.ip, L.forgotPerIp);
      const user = await users.findByEmail(input.email);
      if (user) {
        try {
          await sendCode(user, 'reset_password', settings.resendCooldownSeconds);
        } catch (err) {
          // Inside the cooldown we stay silent: a 429 here would reveal that the account exists.
          if (!(err instanceof AppError && err.code === 'RATE_LIMITED')) throw err;
        }
      }
      return { accepted: true as const, message: 'If an account exists for this address, we sent a reset code.' };
    },

    async resetPassword(input: { email: string; code: string; newPassword: string }, meta: RequestMeta) {
      await limiter.hit('reset:ip', meta.ip, L.resetPerIp);
      const user = await users.findByEmail(input.email);
      await redeemCode(user, 'reset_password', input.code);
      // The code came by email, so it proves the address as well.
      await users.setPassword(user!._id, await hashPassword(input.newPassword), clock(), true);
      await sessions.revokeAllForUser(user!._id, 'password_reset');
      await hooks.sessionsChanged(user!._id.toHexString());
      return { ok: true as const };
    },

    async changePassword(actor: { userId: string; sessionId: string | null }, input: { currentPassword: string; newPassword: string }) {
      const user = await users.findById(actor.userId);
      if (!user) throw new AppError('UNAUTHENTICATED', 'Sign in again.');
      if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
        throw new AppError('INVALID_CREDENTIALS', 'The current password is incorrect.');
      }
      await users.setPassword(user._id, await hashPassword(input.newPassword), clock(), false);
      // Other devices must sign in again; this one keeps working.
      await sessions.revokeAllForUser(user._id, 'password_changed', actor.sessionId ? new ObjectId(actor.sessionId) : undefined);
      await hooks.sessionsChanged(user._id.toHexString());
      return { ok: true as const };
    },

    /** The identity behind a bearer token, or null when the token or its session is no longer valid. */
    async authenticate(accessToken: string): Promise<AccessClaims | null> {
      const res = await authenticateRequest(accessToken);
      return 'claims' in res ? res.claims : null;
    },

    authenticateRequest,

    /** Whether the session behind a stream's actor is still active and its clinic not suspended (see session-watch.ts). */
    stillSignedIn: async (actor: { sessionId: string | null; role: string; clinicId: string | null }): Promise<boolean> => (await standing(actor)) === null,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
