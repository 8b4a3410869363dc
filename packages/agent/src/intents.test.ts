import { describe, expect, it } from 'vitest';
import { asksForMore, detectIntent, matchSpecialty, nameMatches, nameQuery, parseDay } from './intents.ts';

const CATALOGUE = [
  { slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] },
  { slug: 'pediatrics', name: 'Pediatrics', nameAr: 'طب الأطفال', subSpecialties: [] },
  { slug: 'cardiology', name: 'Cardiology', nameAr: 'أمراض القلب', subSpecialties: [] },
  { slug: 'dentistry', name: 'Dentistry', nameAr: 'طب الأسنان', subSpecialties: [{ slug: 'paediatric-dentistry', name: 'Paediatric Dentistry' }] },
  { slug: 'orthopaedics', name: 'Orthopaedics', nameAr: 'جراحة العظام', subSpecialties: [] },
  { slug: 'psychiatry', name: 'Psychiatry', nameAr: 'الطب النفسي', subSpecialties: [] },
];
const slugOf = (text: string) => matchSpecialty(text, CATALOGUE)?.slug ?? null;

describe('typed words without a model', () => {
  it.each([
    ['I want to reschedule my appointment', 'reschedule'],
    ['move it to Thursday 11:00', 'reschedule'],
    ['أريد تغيير موعدي', 'reschedule'],
    ['تأجيل', 'reschedule'],
    ['cancel my booking', 'cancel'],
    ['إلغاء', 'cancel'],
    ['الغي الموعد', 'cancel'],
    ['my bookings', 'bookings'],
    ['حجوزاتي', 'bookings'],
    ['مواعيدي', 'bookings'],
    ['check my insurance', 'insurance'],
    ['تأمين', 'insurance'],
    ['a person please', 'human'],
    ['أبي موظف', 'human'],
    ['book', 'book'],
    ['احجز', 'book'],
    ['حجز موعد', 'book'],
    ['more', 'more'],
    ['المزيد', 'more'],
  ])('%s → %s', (text, intent) => {
    expect(detectIntent(text)).toBe(intent);
  });

  it('"شخص حالتي" (diagnose me) is not a request for a person: the medical refusal answers it', () => {
    expect(detectIntent('شخص حالتي')).not.toBe('human');
  });

  it('says nothing of words that name no task', () => {
    for (const t of ['blue', 'what?', 'Salma Haddad', 'حسن', 'hearth']) expect(detectIntent(t)).toBeNull();
  });

  it('"more" alone pages; a sentence with "more" is not a page request', () => {
    expect(asksForMore('more')).toBe(true);
    expect(asksForMore('المزيد')).toBe(true);
    expect(asksForMore('show more')).toBe(true);
    expect(asksForMore('I want more information about the prices of your clinic')).toBe(false);
  });

  it.each([
    ['cardiology', 'cardiology'],
    ['heart doctor', 'cardiology'],
    ['a cardiologist please', 'cardiology'],
    ['أمراض القلب', 'cardiology'],
    ['طبيب قلب', 'cardiology'],
    ['بالقلب', 'cardiology'],
    ['dentist', 'dentistry'],
    ['paediatric dentistry', 'dentistry'],
    ['kids doctor', 'pediatrics'],
    ['دكتور أطفال', 'pediatrics'],
    ['orthopedic', 'orthopaedics'],
    ['عظام', 'orthopaedics'],
    ['psychiatrist', 'psychiatry'],
    ['الطب النفسي', 'psychiatry'],
    ['GP', 'family-medicine'],
  ])('%s → %s', (text, slug) => {
    expect(slugOf(text)).toBe(slug);
  });

  it('finds no specialty in unrelated words, nor a synonym inside another word', () => {
    for (const t of ['hearth', 'حسن', 'blue', 'my bookings']) expect(slugOf(t)).toBeNull();
    // Only specialties offered here count.
    expect(matchSpecialty('dermatologist', CATALOGUE)).toBeNull();
  });

  it('reads a name without its titles, and matches it against a physician by word starts', () => {
    expect(nameQuery('Dr. Salma Haddad')).toBe('Salma Haddad');
    expect(nameQuery('الدكتورة سلمى')).toBe('سلمى');
    expect(nameQuery('I would like to book an appointment with a doctor who speaks Arabic and French today')).toBeNull();
    expect(nameQuery('1')).toBeNull();
    expect(nameMatches('haddad salma', 'Dr. Salma Haddad')).toBe(true);
    expect(nameMatches('salm', 'Dr. Salma Haddad')).toBe(true);
    expect(nameMatches('alma', 'Dr. Salma Haddad')).toBe(false);
  });

  it('reads another day in the clinic calendar', () => {
    const now = new Date('2026-12-01T06:00:00Z'); // Tue 1 Dec in Dubai
    expect(parseDay('2026-12-05', now, 'Asia/Dubai')).toBe('2026-12-05');
    expect(parseDay('tomorrow', now, 'Asia/Dubai')).toBe('2026-12-02');
    expect(parseDay('بكرة', now, 'Asia/Dubai')).toBe('2026-12-02');
    expect(parseDay('Thursday', now, 'Asia/Dubai')).toBe('2026-12-03');
    expect(parseDay('الخميس', now, 'Asia/Dubai')).toBe('2026-12-03');
    expect(parseDay('more', now, 'Asia/Dubai')).toBeNull();
  });
});
