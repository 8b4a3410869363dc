import { describe, expect, it } from 'vitest';
import { AppError } from '@clinic/api';
import { EMIRATES_ID_EXAMPLE, cancellationCutoffReason, emiratesIdErrorReason, parseEmiratesId, renderErrorReason, type EmiratesIdReason } from '@clinic/contracts';
import { NO_EMIRATES_ID, failureOf, failureText } from './actions.ts';
import { bookedPhysicianIn, formatMoney, formatWhen, physicianNameIn } from './format.ts';
import { MESSAGES } from './messages.ts';

/** Two Latin words in a row: an English phrase (a lone token, a URL or the YYYY-MM-DD pattern is not one). */
const ENGLISH_PHRASE = /[A-Za-z]{2,}[ ,;:'’]+[A-Za-z]{2,}/;

/** What the insurance procedure throws for a number (see insurance.service.ts), read as the assistant reads it. */
function refusalOf(raw: string) {
  const parsed = parseEmiratesId(raw, 2026);
  if (parsed.ok) throw new Error(`${raw} is valid`);
  return failureOf(new AppError('INVALID_EMIRATES_ID', parsed.message, { fieldErrors: { emiratesId: [parsed.message] }, reason: emiratesIdErrorReason(parsed.reason) }));
}

describe('failure texts are rendered from the reason, in the patient language', () => {
  it('an Emirates ID one digit short: English names the count, Arabic says it in Arabic only', () => {
    const f = refusalOf('784-1990-123456-6');
    expect(f.reason).toEqual({ code: 'length', params: { digits: 14 } });
    expect(failureText('en', f)).toBe("That Emirates ID doesn't look right: An Emirates ID has 15 digits; this one has 14. Please send it again, or 0 for the menu.");
    const ar = failureText('ar', f);
    expect(ar).toContain('14');
    expect(ar).toContain('15');
    expect(ar).not.toMatch(/[A-Za-z]/);
  });

  it('every Emirates ID reason reads without English in Arabic', () => {
    const raws = ['784-1990-12345A7-6', '784-1990-123456-6', '785199012345670', '784185012345670', '784-1990-1234567-1'];
    for (const raw of raws) {
      const ar = failureText('ar', refusalOf(raw));
      expect(ar, raw).not.toMatch(ENGLISH_PHRASE);
      expect(ar, raw).toMatch(/^رقم الهوية غير صحيح: /);
    }
    // A lone Latin letter the patient typed is quoted, nothing more.
    expect(failureText('ar', refusalOf('784-1990-12345A7-6'))).toContain('«A»');
  });

  it('a message without any digit asks for the number, with an example that passes the check digit', () => {
    for (const lang of ['en', 'ar'] as const) {
      const text = failureText(lang, NO_EMIRATES_ID);
      expect(text).toContain(EMIRATES_ID_EXAMPLE);
      expect(parseEmiratesId(EMIRATES_ID_EXAMPLE).ok).toBe(true);
    }
  });

  it('a cancellation past the cutoff names the hours and the phone in Arabic, from code + parameters', () => {
    const f = failureOf(new AppError('CANCELLATION_CLOSED', 'Bookings can be cancelled online up to 24 hours before the start. Please call the clinic.', { reason: cancellationCutoffReason(24) }));
    const ar = failureText('ar', { ...f, phone: '+97141234567' });
    expect(ar).toContain('24');
    expect(ar).toContain('+97141234567');
    expect(ar).not.toMatch(/[A-Za-z]/);
    expect(failureText('en', f)).toBe('Bookings can be cancelled online up to 24 hours before the start. Please call the clinic.');
    // Without a reason (an older server): still Arabic, still the phone.
    expect(failureText('ar', { ok: false, code: 'CANCELLATION_CLOSED', message: 'English only', phone: '+97141234567' })).not.toMatch(/[A-Za-z]/);
  });

  it('renders French where the app uses it', () => {
    const reason: EmiratesIdReason = { code: 'prefix', prefix: '785' };
    expect(renderErrorReason('INVALID_EMIRATES_ID', emiratesIdErrorReason(reason), 'fr')).toBe('Un numéro d’identité émirienne commence par 784 ; celui-ci commence par 785.');
    expect(renderErrorReason('CANCELLATION_CLOSED', cancellationCutoffReason(12, '+97141234567'), 'fr')).toBe(
      'Un rendez-vous peut être annulé en ligne jusqu’à 12 heures avant son début. Veuillez appeler la clinique au +97141234567.',
    );
    expect(renderErrorReason('SLOT_TAKEN', { code: 'x', params: {} }, 'fr')).toBeNull();
  });
});

describe('dates, money and names in Arabic', () => {
  // Thursday 3 December 2026, 11:00 in Dubai.
  const at = '2026-12-03T07:00:00.000Z';

  it('Arabic dates use the Arabic comma only, with Latin digits; English keeps its own', () => {
    expect(formatWhen(at, 'Asia/Dubai', 'ar')).toBe('الخميس، 3 ديسمبر، 11:00');
    expect(formatWhen(at, 'Asia/Dubai', 'ar')).not.toContain(',');
    expect(formatWhen(at, 'Asia/Dubai', 'en')).toBe('Thu 3 Dec, 11:00');
    // The clinic's wall clock, not the server's: 23:30 UTC is already Friday in Dubai.
    expect(formatWhen('2026-12-03T23:30:00Z', 'Asia/Dubai', 'ar')).toBe('الجمعة، 4 ديسمبر، 03:30');
  });

  it('money in Arabic names the dirham after the amount', () => {
    expect(formatMoney({ amount: 30000, currency: 'AED' }, 'ar')).toBe('300 درهم');
    expect(formatMoney({ amount: 31250, currency: 'AED' }, 'ar')).toBe('312.50 درهم');
    expect(formatMoney({ amount: 31250, currency: 'AED' }, 'en')).toBe('AED 312.50');
  });

  it('physicians are named in Arabic script for Arabic readers, with the Latin name where there is no Arabic one', () => {
    const p = { fullName: 'Dr. Sara Haddad', fullNameAr: 'د. سارة حداد' };
    expect(physicianNameIn('ar', p)).toBe('د. سارة حداد');
    expect(physicianNameIn('en', p)).toBe('Dr. Sara Haddad');
    expect(physicianNameIn('ar', { fullName: 'Dr. New' })).toBe('Dr. New');
    expect(bookedPhysicianIn('ar', { physicianName: 'Dr. Sara Haddad', physicianNameAr: 'د. سارة حداد' })).toBe('د. سارة حداد');
  });
});

describe('every fixed Arabic message', () => {
  /** Stands for any argument: a string, a number, a list of lines or an object, all in Arabic. */
  const any: unknown = new Proxy(['سطر'], {
    get(target, prop, receiver) {
      if (prop === Symbol.toPrimitive) return (hint: string) => (hint === 'number' ? 5 : 'نص');
      if (prop in target) return Reflect.get(target, prop, receiver);
      return typeof prop === 'string' ? 'نص' : undefined;
    },
  });

  it('has no English phrase (what the patient reads in Arabic is Arabic)', () => {
    for (const [key, value] of Object.entries(MESSAGES.ar)) {
      const text = typeof value === 'function' ? String((value as (...a: unknown[]) => unknown)(...Array.from({ length: Math.max(value.length, 1) }, () => any))) : String(value);
      expect(text, key).not.toMatch(ENGLISH_PHRASE);
    }
  });
});
