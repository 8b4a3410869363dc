import { foldForMatching } from './text.ts';

/**
 * Deterministic checks that run before anything else (and before any model call), in English and
 * Arabic. They err on the side of caution: a false alarm costs one extra message, a miss could cost more.
 */

const EMERGENCY_EN = [
  /\bchest\s+pain/,
  /\bpain\s+in\s+(my|the)\s+chest/,
  /\bcan'?\s?not\s+breathe?\b/,
  /\bcan'?t\s+breathe?\b/,
  /\bcannot\s+breathe?\b/,
  /\b(not|stopped)\s+breathing\b/,
  /\b(difficulty|trouble|struggling)\s+breathing\b/,
  /\bshort(ness)?\s+of\s+breath\b/,
  /\bstroke\b/,
  /\bheart\s+attack\b/,
  /\bunconscious\b/,
  /\bpassed\s+out\b/,
  /\bnot\s+responding\b/,
  /\bseizure|convulsi/,
  /\bsevere\s+bleeding\b/,
  /\bbleeding\s+(heavily|a\s+lot|badly|won'?t\s+stop)/,
  /\b(heavy|uncontrolled)\s+bleeding\b/,
  /\bsuicid/,
  /\bkill\s+my\s?self\b/,
  /\bend\s+my\s+life\b/,
  /\bwant\s+to\s+die\b/,
  /\boverdose\b/,
  /\bchoking\b/,
  /\banaphyla/,
  /\bpoison(ed|ing)\b/,
];

const EMERGENCY_AR = [
  'الم في الصدر',
  'الم بالصدر',
  'الم في صدري',
  'الم بصدري',
  'وجع في الصدر',
  'وجع بصدري',
  'لا استطيع التنفس',
  'لا اقدر اتنفس',
  'ما اقدر اتنفس',
  'مش قادر اتنفس',
  'صعوبه في التنفس',
  'ضيق في التنفس',
  'ضيق تنفس',
  'توقف عن التنفس',
  'جلطه',
  'سكته',
  'نوبه قلبيه',
  'فاقد الوعي',
  'فاقده الوعي',
  'فقد الوعي',
  'فقدان الوعي',
  'مغمي عليه',
  'اغماء',
  'تشنج',
  'نزيف',
  'انتحار',
  'انتحر',
  'اقتل نفسي',
  'انهي حياتي',
  'جرعه زايده',
  'تسمم',
  'اختناق',
];

export function isEmergency(text: string): boolean {
  const folded = foldForMatching(text);
  return EMERGENCY_EN.some((re) => re.test(folded)) || EMERGENCY_AR.some((w) => folded.includes(foldForMatching(w)));
}

const HUMAN_EN = [
  /\b(talk|speak|chat)\s+(to|with)\s+(a\s+|an\s+|some)?(human|person|one|body|staff|agent|receptionist|representative|doctor's\s+office)/,
  /\b(human|real\s+person|live\s+agent|agent|representative|operator|receptionist|customer\s+service)\b/,
  /\bstaff\s+please\b/,
];
const HUMAN_AR = ['موظف', 'موظفه', 'انسان', 'شخص حقيقي', 'خدمه العملاء', 'ممثل', 'اكلم احد', 'اتكلم مع احد', 'الاستقبال'];

/** "Talk to a human", "agent", "موظف" … */
export function wantsHuman(text: string): boolean {
  const folded = foldForMatching(text);
  return HUMAN_EN.some((re) => re.test(folded)) || HUMAN_AR.some((w) => folded.includes(foldForMatching(w)));
}

const MEDICAL_EN = [
  /\b(dose|dosage|doses)\b/,
  /\bhow\s+(many|much)\s+(mg|ml|pills?|tablets?|capsules?|drops)\b/,
  /\b(which|what)\s+(medicine|medication|drug|pill|tablet|antibiotic|painkiller|cream)s?\b/,
  /\b(should|can|could|may)\s+i\s+(take|use|stop|mix)\b.*\b(medicine|medication|drug|pills?|tablets?|antibiotics?|paracetamol|panadol|ibuprofen|brufen|aspirin|insulin|[a-z]+(cillin|mycin|pril|olol|statin|prazole))\b/,
  /\b(prescribe|prescription\s+for)\b/,
  /\b(diagnose|diagnosis)\b/,
  /\bwhat\s+(do|could|might)\s+i\s+have\b/,
  /\bwhat'?s\s+wrong\s+with\s+me\b/,
  /\bis\s+(it|this)\s+(cancer|serious|contagious|an?\s+infection)\b/,
  /\bside\s+effects?\b/,
];
const MEDICAL_AR = ['جرعه', 'اي دواء', 'ما الدواء', 'ما هو الدواء', 'شو الدواء', 'ايش الدواء', 'دواء مناسب', 'هل اخذ', 'هل يمكنني اخذ', 'مضاد حيوي', 'مسكن', 'تشخيص', 'شخص حالتي', 'وصفه طبيه', 'اعراض جانبيه', 'ماذا عندي', 'شو عندي'];

/** Questions for a physician, not for the assistant: medication, doses, diagnoses. */
export function asksMedicalAdvice(text: string): boolean {
  const folded = foldForMatching(text);
  return MEDICAL_EN.some((re) => re.test(folded)) || MEDICAL_AR.some((w) => folded.includes(foldForMatching(w)));
}
