import { describe, expect, it } from 'vitest';
import { EMIRATES_ID_EXAMPLE, EmiratesIdSchema, emiratesIdCheckDigit, extractEmiratesId, luhnValid, maskEmiratesId, parseEmiratesId, renderEmiratesIdReason, toAsciiDigits, type EmiratesIdReason } from './emirates-id.ts';
import { LOCALES } from './notifications.ts';

const YEAR = 2026;
const parse = (raw: string) => parseEmiratesId(raw, YEAR);
const problemOf = (raw: string) => {
  const r = parse(raw);
  return r.ok ? null : r.reason.code;
};

describe('parseEmiratesId', () => {
  it('accepts a valid number written with dashes, spaces or nothing, and gives the same 15 digits', () => {
    for (const raw of ['784-1990-1234567-6', '784199012345676', ' 784 1990 1234567 6 ', '784 - 1990 - 1234567 - 6', '784–1990–1234567–6']) {
      const r = parse(raw);
      expect(r, raw).toEqual({ ok: true, digits: '784199012345676', formatted: '784-1990-1234567-6', birthYear: 1990 });
    }
  });

  it('reads Arabic-Indic and Eastern Arabic-Indic digits, even with the direction marks copied along', () => {
    expect(parse('٧٨٤-١٩٩٠-١٢٣٤٥٦٧-٦')).toMatchObject({ ok: true, digits: '784199012345676' });
    expect(parse('۷۸۴-۱۹۹۰-۱۲۳۴۵۶۷-۶')).toMatchObject({ ok: true, digits: '784199012345676' });
    expect(parse('\u200f٧٨٤-١٩٩٠-1234567-٦\u200f')).toMatchObject({ ok: true, digits: '784199012345676' });
    expect(toAsciiDigits('٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789 0123456789');
  });

  it('names a mistyped check digit', () => {
    const r = parse('784-1990-1234567-1');
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ reason: { code: 'check_digit' } });
    expect(!r.ok && r.message).toMatch(/check digit/);
  });

  it('names a wrong prefix, quoting what was typed', () => {
    const first14 = '78519901234567';
    const r = parse(first14 + emiratesIdCheckDigit(first14));
    expect(r).toMatchObject({ ok: false, reason: { code: 'prefix', prefix: '785' } });
    expect(!r.ok && r.message).toBe('An Emirates ID starts with 784; this one starts with 785.');
  });

  it('names a wrong length with the count of digits found', () => {
    const r = parse('784-1990-123456-6');
    expect(r).toMatchObject({ ok: false, reason: { code: 'length', digits: 14 }, message: 'An Emirates ID has 15 digits; this one has 14.' });
    expect(problemOf('7841990123456760')).toBe('length');
  });

  it('rejects birth years before 1900 and after the current year (the clock is a parameter)', () => {
    const withYear = (y: string) => {
      const first14 = `784${y}1234567`;
      return first14 + emiratesIdCheckDigit(first14);
    };
    expect(problemOf(withYear('1899'))).toBe('birth_year');
    expect(problemOf(withYear('2027'))).toBe('birth_year');
    expect(problemOf(withYear('0000'))).toBe('birth_year');
    expect(problemOf(withYear('1900'))).toBeNull();
    expect(problemOf(withYear('2026'))).toBeNull();
    expect(parseEmiratesId(withYear('2027'), 2027).ok).toBe(true);
    const r = parse(withYear('1850'));
    expect(!r.ok && r.message).toBe('Digits 4–7 of an Emirates ID are the birth year, between 1900 and 2026; 1850 is not.');
    expect(!r.ok && r.reason).toEqual({ code: 'birth_year', year: '1850', min: 1900, max: 2026 });
  });

  it('names letters and empty input', () => {
    const r = parse('784-1990-12345A7-6');
    expect(r).toMatchObject({ ok: false, reason: { code: 'bad_character', character: 'A' } });
    expect(!r.ok && r.message).toContain('"A" is not allowed');
    expect(problemOf(' - ')).toBe('empty');
  });

  it('checks in the documented order: characters, length, prefix, year, check digit', () => {
    expect(problemOf('123')).toBe('length');
    expect(problemOf('123456789012345')).toBe('prefix');
    expect(problemOf('784000012345670')).toBe('birth_year');
  });
});

describe('Luhn', () => {
  it('agrees with known values', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(emiratesIdCheckDigit('78419901234567')).toBe(6);
    // Any single mistyped digit is caught.
    const good = '784199012345676';
    for (let i = 0; i < 15; i++) {
      const d = (Number(good[i]) + 1) % 10;
      expect(luhnValid(good.slice(0, i) + d + good.slice(i + 1)), `digit ${i}`).toBe(false);
    }
  });
});

describe('maskEmiratesId', () => {
  it('keeps the first 3 and last 3 digits in the printed layout', () => {
    expect(maskEmiratesId('784199012345671')).toBe('784-****-*****67-1');
    expect(maskEmiratesId('784198500000424')).toBe('784-****-*****42-4');
    expect(() => maskEmiratesId('784-1990-1234567-1')).toThrow();
  });
});

describe('EmiratesIdSchema (forms)', () => {
  it('yields the normalised digits or the message naming the problem', () => {
    expect(EmiratesIdSchema.parse('٧٨٤ ١٩٩٠ ١٢٣٤٥٦٧ ٦')).toBe('784199012345676');
    const res = EmiratesIdSchema.safeParse('784-1990-1234567-1');
    expect(res.success).toBe(false);
    expect(res.error!.issues[0]!.message).toMatch(/check digit/);
    expect(res.error!.issues[0]).toMatchObject({ params: { reason: { code: 'check_digit' } } });
  });
});

describe('the example ID shown to people', () => {
  it('passes every check, and is the one each locale\'s "empty" text shows', () => {
    expect(parse(EMIRATES_ID_EXAMPLE)).toMatchObject({ ok: true, formatted: EMIRATES_ID_EXAMPLE });
    for (const locale of LOCALES) {
      const text = renderEmiratesIdReason({ code: 'empty' }, locale);
      const shown = /784[-0-9]+/.exec(text)?.[0];
      expect(shown, locale).toBe(EMIRATES_ID_EXAMPLE);
      expect(parse(shown!).ok, locale).toBe(true);
    }
  });
});

describe('renderEmiratesIdReason', () => {
  const reasons: EmiratesIdReason[] = [
    { code: 'empty' },
    { code: 'bad_character', character: 'ر' },
    { code: 'length', digits: 14 },
    { code: 'prefix', prefix: '785' },
    { code: 'birth_year', year: '1850', min: 1900, max: 2026 },
    { code: 'check_digit' },
  ];
  const LATIN_WORD = /[A-Za-z]{2,}/;

  it('renders every reason in English, Arabic and French with its parameters', () => {
    expect(renderEmiratesIdReason({ code: 'length', digits: 14 }, 'en')).toBe('An Emirates ID has 15 digits; this one has 14.');
    expect(renderEmiratesIdReason({ code: 'length', digits: 14 }, 'ar')).toBe('رقم الهوية الإماراتية يتكوّن من 15 رقماً، وعدد أرقام الرقم المرسل 14.');
    expect(renderEmiratesIdReason({ code: 'length', digits: 14 }, 'fr')).toBe('Un numéro d’identité émirienne compte 15 chiffres ; celui-ci en compte 14.');
    expect(renderEmiratesIdReason({ code: 'prefix', prefix: '785' }, 'ar')).toContain('785');
    expect(renderEmiratesIdReason({ code: 'bad_character', character: 'ر' }, 'fr')).toContain('« ر »');
    expect(renderEmiratesIdReason({ code: 'birth_year', year: '1850', min: 1900, max: 2026 }, 'ar')).toMatch(/1900.*2026.*1850/);
  });

  it('has no English word in the Arabic texts, and no two locales say the same', () => {
    for (const r of reasons) {
      const [en, ar, fr] = LOCALES.map((l) => renderEmiratesIdReason(r, l));
      expect(ar, r.code).not.toMatch(LATIN_WORD);
      expect(ar, r.code).toMatch(/[\u0600-\u06ff]{3}/);
      expect(new Set([en, ar, fr]).size, r.code).toBe(3);
    }
  });

  it('is what parseEmiratesId gives as the English message', () => {
    for (const raw of ['', '784-1990-12345A7-6', '784-1990-123456-6', '785199012345670', '784185012345670', '784-1990-1234567-1']) {
      const r = parse(raw);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toBe(renderEmiratesIdReason(r.reason, 'en'));
    }
  });
});

describe('extractEmiratesId', () => {
  it('finds the ID among words, in Western, Arabic-Indic and Persian digits', () => {
    expect(extractEmiratesId('my id is 784-1990-1234567-6 thanks')).toBe('784199012345676');
    expect(extractEmiratesId('رقمي ٧٨٤-١٩٩٠-١٢٣٤٥٦٧-٦')).toBe('784199012345676');
    expect(extractEmiratesId('شمارهٔ من ۷۸۴ ۱۹۹۰ ۱۲۳۴۵۶۷ ۶ است')).toBe('784199012345676');
    expect(extractEmiratesId('\u200f٧٨٤\u200f-١٩٩٠-١٢٣٤٥٦٧-٦ من فضلك')).toBe('784199012345676');
    expect(parse(extractEmiratesId('هويتي: ٧٨٤١٩٩٠١٢٣٤٥٦٧٦')!).ok).toBe(true);
  });

  it('prefers the run starting with 784 over other numbers in the message', () => {
    expect(extractEmiratesId('born 1990, call me on 0501234567, my ID 784 1990 1234567 6')).toBe('784199012345676');
  });

  it('keeps a mistyped number whole so its reason is precise, and finds nothing in a message without digits', () => {
    expect(problemOf(extractEmiratesId('رقمي ٧٨٤-١٩٩٠-١٢٣٤٥٦-٦')!)).toBe('length');
    expect(problemOf(extractEmiratesId('id 785199012345670')!)).toBe('prefix');
    expect(extractEmiratesId('I do not have it')).toBeNull();
    expect(extractEmiratesId('ما عندي هوية')).toBeNull();
  });
});
