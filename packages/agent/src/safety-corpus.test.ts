import { describe, expect, it } from 'vitest';
import { BENIGN, CAUTIOUS, EMERGENCY } from './safety-corpus.ts';
import { emergencyKind, isEmergency } from './safety.ts';
import { foldForSafety } from './text.ts';

const emergencies = Object.entries(EMERGENCY).flatMap(([category, texts]) =>
  texts.map((text) => ({ category, text, kind: category === 'self_harm' ? ('self_harm' as const) : ('medical' as const) })),
);
const arabic = (t: string) => /[\u0600-\u06ff]/.test(t);

describe('the emergency corpus (safety-corpus.ts)', () => {
  it('is big enough: at least 100 emergencies and 100 ordinary messages, in English and Arabic', () => {
    expect(emergencies.length).toBeGreaterThanOrEqual(100);
    expect(BENIGN.length).toBeGreaterThanOrEqual(100);
    for (const list of [emergencies.map((e) => e.text), BENIGN]) {
      expect(list.filter(arabic).length).toBeGreaterThanOrEqual(40);
      expect(list.filter((t) => !arabic(t)).length).toBeGreaterThanOrEqual(40);
    }
  });

  it('catches every emergency, with its kind, and raises no alarm on an ordinary message', () => {
    const missed = emergencies.filter((e) => emergencyKind(e.text) === null);
    const wrongKind = emergencies.filter((e) => emergencyKind(e.text) !== null && emergencyKind(e.text) !== e.kind);
    const falseAlarms = BENIGN.filter(isEmergency);
    const caught = emergencies.length - missed.length;
    // The figures the issue asks for, printed for the report.
    console.log(
      `emergency recall ${caught}/${emergencies.length} (${((100 * caught) / emergencies.length).toFixed(1)}%), ` +
        `self-harm classified ${emergencies.filter((e) => e.kind === 'self_harm' && emergencyKind(e.text) === 'self_harm').length}/${EMERGENCY.self_harm.length}, ` +
        `false positives ${falseAlarms.length}/${BENIGN.length}`,
    );
    expect(missed.map((e) => `${e.category}: ${e.text}`)).toEqual([]);
    expect(wrongKind.map((e) => `${e.category}: ${e.text} → ${emergencyKind(e.text)}`)).toEqual([]);
    expect(falseAlarms).toEqual([]);
  });

  it('treats the booking messages that name a serious symptom as emergencies (the documented cautious side)', () => {
    expect(CAUTIOUS.filter((t) => !isEmergency(t))).toEqual([]);
  });

  it('a benign phrase does not hide a new sign in the same message', () => {
    expect(emergencyKind('stroke rehab physiotherapy, but now his speech is slurred')).toBe('medical');
    expect(emergencyKind('علاج طبيعي بعد الجلطة، والحين وجهه مايل')).toBe('medical');
    expect(emergencyKind('the app is not responding and my dad collapsed')).toBe('medical');
  });
});

describe('what the check reads (foldForSafety)', () => {
  it('folds case, apostrophes, punctuation, repeated letters, Arabic letter forms, diacritics, tatweel and Arabic-Indic digits', () => {
    expect(foldForSafety('HELPPP!!! My chest… it HURTSSS')).toBe(' help my chest it hurts ');
    expect(foldForSafety('can’t   breathe​')).toBe(' cant breathe ');
    expect(foldForSafety('مــا أقْدَر أتنفّس؟')).toBe(' ما اقدر اتنفس ');
    expect(foldForSafety('إسعاف ٩٩٨ ۹۹۹')).toBe(' اسعاف 998 999 ');
    expect(foldForSafety('ساعدوووووني')).toBe(' ساعدوني ');
  });

  it.each([
    ['MY CHEST HURTS', 'medical'],
    ['my chesttt hurtsss', 'medical'],
    ['I can’t breathe', 'medical'],
    ['مــا اقـــدر اتـنـفـس', 'medical'],
    ['ما إقدر أتنفَّس', 'medical'],
    ['she took ٢٠ panadol', 'medical'],
    ['i want to dieeee', 'self_harm'],
    ['أبييي أمووووت', 'self_harm'],
  ] as const)('"%s" is %s whatever the spelling', (text, kind) => {
    expect(emergencyKind(text)).toBe(kind);
  });
});
