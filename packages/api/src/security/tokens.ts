import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '@clinic/contracts';
import { ROLES } from '@clinic/contracts';

const ISSUER = 'clinic-platform';
const AUDIENCE = 'clinic-api';

export interface AccessClaims {
  userId: string;
  role: Role;
  sessionId: string;
  /**
   * The clinic of an admin, staff or doctor (claim `cid`); null for patients, and for tokens signed before staff
   * had a clinic (they keep working until they expire).
   */
  clinicId: string | null;
  /** When the token stops being accepted (`exp`); set on verified tokens. */
  expiresAt?: Date;
}

const HEX_ID = /^[0-9a-f]{24}$/;

export interface TokenSigner {
  sign(claims: AccessClaims): Promise<string>;
  /** null for any token that is malformed, forged or expired. */
  verify(token: string): Promise<AccessClaims | null>;
  readonly ttlSeconds: number;
}

export function createTokenSigner(secret: string, ttlSeconds: number, now: () => Date): TokenSigner {
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    async sign({ userId, role, sessionId, clinicId }) {
      const iat = Math.floor(now().getTime() / 1000);
      return new SignJWT({ role, sid: sessionId, ...(role !== 'patient' && clinicId ? { cid: clinicId } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now(),
        });
        const role = payload.role as Role;
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || !ROLES.includes(role)) return null;
        const clinicId = role !== 'patient' && typeof payload.cid === 'string' && HEX_ID.test(payload.cid) ? payload.cid : null;
        return { userId: payload.sub, role, sessionId: payload.sid, clinicId, ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000) } : {}) };
      } catch (err) {
        if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
        throw err;
      }
    },
  };
}

/** Opaque refresh token: 256 random bits; only its sha256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function newOtpCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

export function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
