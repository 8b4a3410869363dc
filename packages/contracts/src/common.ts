import * as z from 'zod';

/** Every id that crosses the API boundary is a 24-hex ObjectId string. */
export const IdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id');
export type Id = z.infer<typeof IdSchema>;

export const EmailSchema = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be a valid email address'))
  .transform((v) => v.toLowerCase());

export const PasswordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters');

/** E.164: "+" then up to 15 digits, no leading zero in the country code. */
export const PhoneSchema = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +971501234567');

export const OtpCodeSchema = z.string().regex(/^\d{6}$/, 'must be a 6-digit code');

export const MoneySchema = z.strictObject({
  amount: z.number().int().nonnegative(),
  currency: z.literal('AED'),
});
export type Money = z.infer<typeof MoneySchema>;

export const OkSchema = z.object({ ok: z.literal(true) });
