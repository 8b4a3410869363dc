import { describe, expect, it } from 'vitest';
import { emiratesIdCheckDigit } from '@clinic/contracts';
import { detectLanguage, isNo, isYes, linkCommand, maskEmiratesIds, maskLinkCommand, MASKED_LINK_COMMAND, normalise, splitForWhatsApp } from './text.ts';

describe('splitForWhatsApp', () => {
  it('keeps short text whole and splits long text at sentence or word ends, every part ≤ the limit', () => {
    expect(splitForWhatsApp('Hello')).toEqual(['Hello']);
    const text = Array.from({ length: 80 }, (_, i) => `Line ${i}: the clinic opens at 08:00.`).join('\n');
    const parts = splitForWhatsApp(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1600);
    expect(parts.join('\n')).toBe(text);
    expect(parts[0]!.endsWith('08:00.')).toBe(true); // cut at a line end, not mid-sentence
  });

  it('cuts a single unbroken word at the limit and never splits an emoji', () => {
    const parts = splitForWhatsApp('x'.repeat(25), 10);
    expect(parts).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const emoji = splitForWhatsApp('a'.repeat(9) + '😀' + 'b'.repeat(5), 10);
    expect(emoji.join('')).toBe('a'.repeat(9) + '😀' + 'b'.repeat(5));
    for (const p of emoji) expect(p.length).toBeLessThanOrEqual(10);
  });

  it('splits Arabic text too', () => {
    const text = 'مرحباً بكم في العيادة. '.repeat(120);
    for (const p of splitForWhatsApp(text)) expect(p.length).toBeLessThanOrEqual(1600);
  });
});

describe('confirmation words', () => {
  it.each(['yes', 'Yes!', 'ok', 'OK please', 'yes please go ahead', 'confirm', '👍', 'نعم', 'نعم من فضلك', 'أكد', 'اكد', 'موافق', 'تمام', 'أيوه'])('"%s" is a yes', (t) => {
    expect(isYes(t)).toBe(true);
  });
  it.each(['yes but at 11', 'no', 'maybe', 'yes no', 'what?', '', 'لا', 'نعم ولكن غداً'])('"%s" is not a yes', (t) => {
    expect(isYes(t)).toBe(false);
  });
  it.each(['no', 'No thanks', 'cancel', 'لا', 'لا شكرا', '❌'])('"%s" is a no', (t) => {
    expect(isNo(t)).toBe(true);
  });
});

describe('normalise and language', () => {
  it('turns Arabic-Indic and Eastern Arabic-Indic digits into ASCII and drops bidi marks', () => {
    expect(normalise('الساعة ١٠:٣٠')).toBe('الساعة 10:30');
    expect(normalise('\u200f۷۸۴  ١٩٩٠\u200e')).toBe('784 1990');
  });
  it('detects Arabic script, keeps the previous language for neutral messages', () => {
    expect(detectLanguage('مرحبا', 'en')).toBe('ar');
    expect(detectLanguage('I want to book', 'ar')).toBe('en');
    expect(detectLanguage('1', 'ar')).toBe('ar');
    expect(detectLanguage('ok', 'ar')).toBe('ar');
  });
});

describe('maskEmiratesIds', () => {
  const id = `78419901234567${emiratesIdCheckDigit('78419901234567')}`;
  it('masks IDs written with dashes, spaces or none, and remembers what was typed', () => {
    const vault = new Map<string, string>();
    const out = maskEmiratesIds(`my id is 784-1990-1234567-${id.slice(-1)} and again ${id}`, vault);
    expect(out).toBe(`my id is 784-****-*****67-${id.slice(-1)} and again 784-****-*****67-${id.slice(-1)}`);
    expect(vault.get(`784-****-*****67-${id.slice(-1)}`)).toBe(id);
    expect(maskEmiratesIds('784 1990 1234567 1')).toBe('784-****-*****67-1');
  });
  it('masks wrong-length look-alikes too, and leaves phone numbers and times alone', () => {
    expect(maskEmiratesIds('784199012345')).toBe('784199012345'); // 12 digits: not an ID
    expect(maskEmiratesIds('78419901234567')).toBe('784-********-567');
    expect(maskEmiratesIds('call +971501234567 at 10:30')).toBe('call +971501234567 at 10:30');
  });
});

describe('link commands', () => {
  it('finds the code in English and Arabic, however it is spaced or cased', () => {
    expect(linkCommand(normalise('LINK K7P3-QX9M'))).toBe('K7P3-QX9M');
    expect(linkCommand(normalise('link k7p3qx9m'))).toBe('k7p3qx9m');
    expect(linkCommand(normalise('Link: K7P3 QX9M'))).toBe('K7P3 QX9M');
    expect(linkCommand(normalise('ربط K7P3-QX9M'))).toBe('K7P3-QX9M');
  });
  it('leaves ordinary sentences alone', () => {
    expect(linkCommand(normalise('link me to a dermatologist'))).toBeNull();
    expect(linkCommand(normalise('please link K7P3-QX9M'))).toBeNull();
    expect(linkCommand(normalise('LINK K7P3-QX9M-EXTRA'))).toBeNull();
  });
  it('is never stored with its code', () => {
    expect(maskLinkCommand('LINK K7P3-QX9M')).toBe(MASKED_LINK_COMMAND);
    expect(maskLinkCommand('  ربط   K7P3QX9M ')).toBe(MASKED_LINK_COMMAND);
    expect(maskLinkCommand('book me in')).toBe('book me in');
  });
});
