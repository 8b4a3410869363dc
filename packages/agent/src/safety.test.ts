import { describe, expect, it } from 'vitest';
import { asksMedicalAdvice, isEmergency, wantsHuman } from './safety.ts';

describe('emergency words', () => {
  it.each([
    'I have chest pain',
    "my son can't breathe",
    'I cannot breathe properly',
    'I think she is having a stroke',
    'he is unconscious',
    'severe bleeding from a cut',
    'I am thinking about suicide',
    'أشعر بألم في الصدر',
    'ألم في الصدر',
    'لا أستطيع التنفس',
    'أعتقد أنها جلطة',
    'والدي فاقد الوعي',
    'عندي نزيف',
    'أفكر في الانتحار',
  ])('"%s" is an emergency', (t) => {
    expect(isEmergency(t)).toBe(true);
  });
  it.each(['I want to book a cardiologist', 'chest x-ray appointment please', 'احجز لي موعد', 'How much is the consultation?'])('"%s" is not', (t) => {
    expect(isEmergency(t)).toBe(false);
  });
});

describe('hand-over requests', () => {
  it.each(['talk to a human', 'human please', 'can I speak to an agent', 'real person', 'أريد موظف', 'خدمة العملاء'])('"%s" asks for a person', (t) => {
    expect(wantsHuman(t)).toBe(true);
  });
  it.each(['book me tomorrow', 'احجز موعد'])('"%s" does not', (t) => {
    expect(wantsHuman(t)).toBe(false);
  });
});

describe('medical advice', () => {
  it.each(['What dose of paracetamol should I take?', 'which medicine is good for a cough', 'Can I take ibuprofen with my antibiotics?', 'can you diagnose my rash', 'ما هي جرعة الدواء', 'هل آخذ مضاد حيوي'])('"%s" is refused', (t) => {
    expect(asksMedicalAdvice(t)).toBe(true);
  });
  it.each(['I want to see a doctor about my cough', 'how much is a consultation', 'أريد موعد مع طبيب'])('"%s" is fine', (t) => {
    expect(asksMedicalAdvice(t)).toBe(false);
  });
});
