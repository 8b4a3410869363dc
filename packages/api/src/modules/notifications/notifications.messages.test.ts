import { describe, expect, it } from 'vitest';
import { LOCALES } from '@clinic/contracts';
import { letterFor, letterHtml, messageFor, type LetterKind } from './notifications.messages.ts';

const KINDS: LetterKind[] = ['booking_confirmed', 'booking_moved', 'appointment_reminder', 'payment_received', 'payment_covered', 'payment_refunded', 'appointment_no_show', 'chat_message', 'webhook_disabled'];
const facts = {
  recipientName: 'Layla',
  patientName: 'Layla',
  physicianName: 'Dr. Salma Haddad',
  clinicName: 'Al Noor',
  clinicPhone: '+97143334444',
  startsAt: new Date('2026-03-10T11:30:00Z'),
  timeZone: 'Asia/Dubai',
  amount: 'AED 300.00',
  refundReason: 'clinic_cancelled' as const,
  senderName: 'Dr. Salma Haddad',
  url: 'https://example.test/hook',
  failures: 20,
  receiptNumber: 'R-0123456789',
  insurer: 'Daman',
};

describe('letters in every language', () => {
  it('every kind is written in every language, naming what it is about, and none falls back to English', () => {
    for (const locale of LOCALES) {
      for (const kind of KINDS) {
        const l = letterFor(kind, facts, locale);
        expect(l.subject.length, `${locale} ${kind}`).toBeGreaterThan(10);
        expect(l.text).not.toContain('undefined');
        if (kind !== 'webhook_disabled') expect(l.text.endsWith('Al Noor')).toBe(true);
        if (kind === 'webhook_disabled') expect(l.text).toContain('https://example.test/hook');
        if (locale !== 'en') expect(l.subject).not.toBe(letterFor(kind, facts, 'en').subject);
      }
    }
  });

  it('the appointment letters say the time on the clinic wall clock in the reader’s language, and how to cancel', () => {
    expect(letterFor('booking_confirmed', facts, 'ar').text).toContain('أو الاتصال بنا على +97143334444');
    expect(letterFor('appointment_reminder', facts, 'fr').when).toMatch(/^mardi 10 mars.*15:30$/);
    expect(letterFor('payment_refunded', facts, 'fr').text).toContain('La clinique a annulé votre rendez-vous.');
  });

  it('the HTML part: Arabic right to left, others left to right, the text escaped', () => {
    expect(letterHtml('ar', 'موضوع', 'نص')).toMatch(/<html lang="ar" dir="rtl">[\s\S]*<body dir="rtl" style="[^"]*text-align: right;/);
    expect(letterHtml('fr', 's', 't')).toMatch(/<html lang="fr" dir="ltr">/);
    const html = letterHtml('en', 'a <b>', 'Hello <script>x</script>,\n\nline one\nline two');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<p>Hello &lt;script&gt;x&lt;/script&gt;,</p>');
    expect(html).toContain('<p>line one<br>line two</p>');
  });

  it('the payment notice names the amount and the receipt number, or the insurer when nothing was paid', () => {
    for (const locale of LOCALES) {
      const paid = letterFor('payment_received', facts, locale);
      expect(paid.subject).toContain('AED 300.00');
      expect(paid.text).toContain('R-0123456789');
      expect(paid.text).toContain(paid.when);
      const covered = letterFor('payment_covered', facts, locale);
      expect(covered.text).toContain('Daman');
      expect(covered.text).toContain('R-0123456789');
      expect(messageFor('payment_received', 'patient', facts, locale)!.body).toContain('Daman');
      expect(messageFor('payment_received', 'patient', { ...facts, insurer: undefined }, locale)!.body).toContain('AED 300.00');
    }
    expect(letterFor('payment_received', facts, 'ar').subject).toBe('Al Noor: استلمنا دفعتك البالغة AED 300.00');
  });

  it('the in-app texts and the letters agree on the time they name', () => {
    const inApp = messageFor('booking_confirmed', 'patient', { ...facts }, 'ar')!;
    expect(inApp.body).toContain(letterFor('booking_confirmed', facts, 'ar').when);
  });
});
