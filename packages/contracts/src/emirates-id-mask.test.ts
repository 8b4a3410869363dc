import { describe, expect, it } from 'vitest';
import { maskEmiratesIds } from './emirates-id-mask.ts';
import { toAsciiDigits } from './emirates-id.ts';

// A valid ID (784-1990-1234567-6) and look-alikes one digit short (14) and one over (16).
const FULL = '784199012345676';
const SHORT = '78419901234567';
const LONG = '7841990123456760';

/** The ASCII digits left in a text. */
const digitsIn = (text: string) => toAsciiDigits(text).replace(/[^0-9]/g, '');

describe('maskEmiratesIds: every way an Emirates ID is written', () => {
  it.each([
    ['dashes', '784-1990-1234567-6', FULL],
    ['spaces', '784 1990 1234567 6', FULL],
    ['nothing between', '784199012345676', FULL],
    ['en dashes', '784–1990–1234567–6', FULL],
    ['em dashes', '784—1990—1234567—6', FULL],
    ['dots', '784.1990.1234567.6', FULL],
    ['spaced dashes', '784 - 1990 - 1234567 - 6', FULL],
    ['no-break and narrow spaces', '784\u00a01990\u202f1234567\u00a06', FULL],
    ['minus signs and non-breaking hyphens', '784\u22121990\u20111234567\u22126', FULL],
    ['other grouping', '7841 9901 2345 676', FULL],
    ['a digit after each separator', '7-8-4-1-9-9-0-1-2-3-4-5-6-7-6', FULL],
    ['Arabic-Indic digits', '٧٨٤-١٩٩٠-١٢٣٤٥٦٧-٦', FULL],
    ['Eastern Arabic-Indic digits with spaces', '۷۸۴ ۱۹۹۰ ۱۲۳۴۵۶۷ ۶', FULL],
    ['mixed digits with direction marks copied along', '\u200f٧٨٤-١٩٩٠-1234567-٦\u200f', FULL],
    ['14 digits (one short)', '78419901234567', SHORT],
    ['14 digits with dashes', '784-1990-1234567', SHORT],
    ['14 digits with en dashes', '784–1990–1234567', SHORT],
    ['16 digits (one over) with dots', '784.1990.1234567.60', LONG],
    ['16 digits in Arabic-Indic', '٧٨٤١٩٩٠١٢٣٤٥٦٧٦٠', LONG],
  ])('%s: %s', (_name, written, digits) => {
    for (const [before, after] of [['', ''], ['My Emirates ID is ', '.'], ['رقم الهوية: ', ' شكرا'], ['(', ')']] as const) {
      const text = `${before}${written}${after}`;
      const out = maskEmiratesIds(text);
      // Only the first 3 and the last 3 digits of the number are left, and the words around it are untouched.
      expect(digitsIn(out), text).toBe(`${digits.slice(0, 3)}${digits.slice(-3)}`);
      expect(out.startsWith(before) && out.endsWith(after), text).toBe(true);
    }
  });

  it('writes a whole ID the way the API shows it, a look-alike with its first and last 3 digits', () => {
    expect(maskEmiratesIds('784 1990 1234567 6')).toBe('784-****-*****67-6');
    expect(maskEmiratesIds('٧٨٤.١٩٩٠.١٢٣٤٥٦٧.٦')).toBe('784-****-*****67-6');
    expect(maskEmiratesIds('784-1990-1234567')).toBe('784-********-567');
    expect(maskEmiratesIds('784-1990-1234567-60')).toBe('784-**********-760');
  });

  it('masks every ID in a message, and the vault maps each mask back to what was typed', () => {
    const vault = new Map<string, string>();
    const out = maskEmiratesIds('mine 784–1990–1234567–6, my son 784.2015.7654321.9', vault);
    expect(out).toBe('mine 784-****-*****67-6, my son 784-****-*****21-9');
    expect(vault.get('784-****-*****67-6')).toBe('784–1990–1234567–6');
    expect(vault.get('784-****-*****21-9')).toBe('784.2015.7654321.9');
  });
});

describe('maskEmiratesIds: ordinary numbers are left alone', () => {
  it.each([
    ['a UAE mobile', 'call me on +971501234567'],
    ['a spaced mobile', '+971 50 123 4567'],
    ['a local mobile', '0501234567'],
    ['an international prefix', '00971501234567'],
    ['a +1 784 number (Saint Vincent)', '+1 784 555 0123'],
    ['dates', 'on 2026-12-01 or 01.12.2026 or 1/12/2026'],
    ['a time with offset', '2026-12-01T09:30:00+04:00'],
    ['times', 'at 10:30 or ١٠:٣٠'],
    ['amounts', 'AED 784.00, 78,400 fils, 784,000,000 AED, 30000'],
    ['784 and too few digits (13 in all)', '7841990123456'],
    ['784 and too many digits (a 20-digit reference)', '78419901234567612345'],
    ['784 inside a longer number', '12784199012345676'],
    ['an id', '6650f1a2b3c4d5e6f7a8b9c0'],
    ['Arabic text with a price', 'السعر ٣٠٠ درهم'],
  ])('%s', (_name, text) => {
    expect(maskEmiratesIds(text)).toBe(text);
  });
});
