import * as z from 'zod';
import { EmailSchema, IdSchema, OtpCodeSchema, PasswordSchema, PhoneSchema } from './common.ts';
import { LocaleSchema } from './notifications.ts';

/**
 * `operator`: the platform's operator, who steers clinics (lists, suspends, reactivates them); not a clinic member
 * (`clinicId` null), created by the seed only — never by a clinic's admin.
 */
export const ROLES = ['patient', 'doctor', 'staff', 'admin', 'operator'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

const FullNameSchema = z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters');

export const RegisterInput = z.strictObject({
  email: EmailSchema,
  password: PasswordSchema,
  fullName: FullNameSchema,
  phone: PhoneSchema.optional(),
});
export type RegisterInput = z.input<typeof RegisterInput>;

export const RegisterOutput = z.object({
  userId: IdSchema,
  email: z.string(),
  verificationRequired: z.literal(true),
});

/** A clinic signs up: the clinic (pending until its first admin verifies the email) and that admin's account. */
export const SignupClinicInput = z.strictObject({
  clinicName: z.string().trim().min(2, 'must be at least 2 characters').max(120, 'must be at most 120 characters'),
  fullName: FullNameSchema,
  email: EmailSchema,
  password: PasswordSchema,
  phone: PhoneSchema.optional(),
});
export type SignupClinicInput = z.input<typeof SignupClinicInput>;

export const SignupClinicOutput = z.object({
  userId: IdSchema,
  email: z.string(),
  clinicId: IdSchema,
  clinicSlug: z.string().describe('Unique, made from the name (`-2`, `-3`… when taken)'),
  clinicStatus: z.literal('pending').describe('The clinic becomes `active` when the admin verifies the email'),
  verificationRequired: z.literal(true),
});

export const VerifyEmailInput = z.strictObject({ email: EmailSchema, code: OtpCodeSchema });
export const ResendCodeInput = z.strictObject({ email: EmailSchema });
export const LoginInput = z.strictObject({ email: EmailSchema, password: z.string().min(1, 'is required').max(256) });
export const RefreshInput = z.strictObject({ refreshToken: z.string().min(20).max(200) });
export const LogoutInput = RefreshInput;
export const ForgotPasswordInput = z.strictObject({ email: EmailSchema });
export const ResetPasswordInput = z.strictObject({ email: EmailSchema, code: OtpCodeSchema, newPassword: PasswordSchema });
export const ChangePasswordInput = z.strictObject({ currentPassword: z.string().min(1, 'is required').max(256), newPassword: PasswordSchema });

export const UserSchema = z.object({
  id: IdSchema,
  email: z.string().nullable().describe('null for patients known only by phone (WhatsApp)'),
  fullName: z.string(),
  phone: z.string().nullable(),
  role: RoleSchema,
  clinicId: IdSchema.nullable().describe('The clinic of an admin, staff or doctor account; null for patients (platform accounts)'),
  emailVerified: z.boolean(),
  locale: LocaleSchema.describe('the language of the notifications this user gets'),
  createdAt: z.date(),
});
export type User = z.infer<typeof UserSchema>;

export const TokensSchema = z.object({
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
});
export type Tokens = z.infer<typeof TokensSchema>;

export const AuthResultSchema = TokensSchema.extend({ user: UserSchema });
export type AuthResult = z.infer<typeof AuthResultSchema>;

/** Answers that must not reveal whether an email is registered. */
export const AcceptedSchema = z.object({ accepted: z.literal(true), message: z.string() });

export const CreateStaffUserInput = z.strictObject({
  email: EmailSchema,
  password: PasswordSchema,
  fullName: FullNameSchema,
  phone: PhoneSchema.optional(),
  role: z.enum(['doctor', 'staff', 'admin']),
});
