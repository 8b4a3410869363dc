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

/**
 * The calendar every date input must fall in. JavaScript dates reach ±275,760 years, where adding a
 * day already gives an Invalid Date; clinic dates live in a far smaller range, so inputs are held
 * to it and nothing downstream (zone maths, slot arithmetic, Intl formatting) ever meets an edge.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;
const FIRST_INSTANT = new Date(Date.UTC(MIN_YEAR, 0, 1));
const LAST_INSTANT = new Date(Date.UTC(MAX_YEAR + 1, 0, 1) - 1);

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number) => (m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/** Why `YYYY-MM-DD` text is not a usable calendar date, or null when it is one. */
export function localDateProblem(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'must be a date as YYYY-MM-DD';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `is not a real date: the month must be 01 to 12, not ${m[2]}`;
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) return `is not a real date: ${MONTH_NAMES[month - 1]} ${m[1]} has days 01 to ${last}, not ${m[3]}`;
  if (year < MIN_YEAR || year > MAX_YEAR) return `must be a date between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31`;
  return null;
}

/** A local calendar date (`YYYY-MM-DD`, no zone) that exists, in years 1900–2200. */
export const LocalDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .check((ctx) => {
    const problem = localDateProblem(ctx.value);
    // A wrong pattern is already reported by the regex.
    if (problem && /^\d{4}-\d{2}-\d{2}$/.test(ctx.value)) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  })
  .meta({ format: 'date' });

/**
 * An instant given as ISO 8601 text (REST) or a Date (tRPC with superjson), in years 1900–2200.
 * `z.coerce` because REST query strings and JSON bodies carry text (see ARCHITECTURE.md, Validation);
 * the bounds keep every accepted value far from the edges where date arithmetic gives Invalid Date.
 */
export const DateTimeSchema = z
  .union([z.string(), z.date()], { error: 'must be a date-time in ISO 8601, e.g. 2026-12-01T09:30:00+04:00' })
  .pipe(
    z.coerce
      .date<string | Date>({ error: 'must be a date-time in ISO 8601, e.g. 2026-12-01T09:30:00+04:00' })
      .min(FIRST_INSTANT, `must be on or after ${MIN_YEAR}-01-01`)
      .max(LAST_INSTANT, `must be before ${MAX_YEAR + 1}-01-01`),
  )
  .meta({ format: 'date-time' });
