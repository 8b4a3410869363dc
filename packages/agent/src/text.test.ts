import { describe, expect, it } from 'vitest';
import { detectLanguage, isNo, isYes, linkCommand, maskLinkCommand, MASKED_LINK_COMMAND, normalise } from './text.ts';

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
