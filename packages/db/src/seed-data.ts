// The demo data the seed writes: a mid-sized multi-specialty clinic in Dubai (Al Noor) and a small family
// practice in Abu Dhabi (Al Reem), whose patients are platform accounts booking at both. Pure functions of
// `now`, the clinic's time zone and the ids the database already has, so the same `now` always
// gives the same documents (a seeded PRNG stands in for randomness). The writes live in seed.ts.
import { ObjectId } from 'mongodb';
import type { Role } from '@clinic/contracts';
import { addLocalDays, freeSlots, localDateOf, localDayRange, reminderDueAt } from '@clinic/scheduling';
import type {
  AppointmentDoc,
  AppointmentStatus,
  ClinicDoc,
  ClinicLocationDoc,
  ClinicPolicies,
  MedicalPackageDoc,
  PhysicianDoc,
  PhysicianScheduleDoc,
  SpecialtyDoc,
  TimeIntervalDoc,
  UserDoc,
} from './documents.ts';

export const DEFAULT_SEED_TIME_ZONE = 'Asia/Dubai';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

// ---------------------------------------------------------------------------------------------
// Calendar helpers (zone maths comes from @clinic/scheduling)
// ---------------------------------------------------------------------------------------------

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOfDate(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * Slot starts on a local date, from the same slot engine the booking API uses, so seeded
 * appointments always sit where a patient could have booked them (past days included).
 */
export function slotStartsOnDate(schedule: PhysicianScheduleDoc, date: string, timeZone: string): Date[] {
  const { from, to } = localDayRange(date, timeZone);
  const rules = { ...schedule, bufferMinutes: 0, timeZone, minNoticeMinutes: 0, horizonDays: 100_000 };
  return freeSlots(rules, { from, to, now: new Date(0), busy: [] }).map((s) => s.start);
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

export interface Prng {
  /** [0, 1) */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast and good enough for demo data. */
export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    chance: (p) => next() < p,
  };
}

/** An ObjectId whose timestamp is `at` and whose other 8 bytes come from the PRNG. */
function deterministicId(rng: Prng, at: Date): ObjectId {
  const bytes = new Uint8Array(12);
  const seconds = Math.floor(at.getTime() / 1000);
  bytes[0] = (seconds >>> 24) & 0xff;
  bytes[1] = (seconds >>> 16) & 0xff;
  bytes[2] = (seconds >>> 8) & 0xff;
  bytes[3] = seconds & 0xff;
  for (let i = 4; i < 12; i++) bytes[i] = Math.floor(rng.next() * 256);
  return new ObjectId(bytes);
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

export interface SeedUser {
  email: string;
  fullName: string;
  role: Role;
  phone: string;
  /** The clinic of an admin, staff or doctor account (by slug); absent: Al Noor. Patients and the operator have none. */
  clinicSlug?: string;
}

export const SEED_USERS: readonly SeedUser[] = [
  { email: 'admin@clinic.test', fullName: 'Aisha Al Mansoori', role: 'admin', phone: '+971501000001' },
  { email: 'reception@clinic.test', fullName: 'Maria Santos', role: 'staff', phone: '+971501000002' },
  { email: 'nurse@clinic.test', fullName: 'Priya Nair', role: 'staff', phone: '+971501000003' },
  { email: 'dr.khalid@clinic.test', fullName: 'Khalid Al Hashimi', role: 'doctor', phone: '+971501000011' },
  { email: 'dr.sara@clinic.test', fullName: 'Sara Haddad', role: 'doctor', phone: '+971501000012' },
  { email: 'dr.rahul@clinic.test', fullName: 'Rahul Menon', role: 'doctor', phone: '+971501000013' },
  { email: 'dr.fatima@clinic.test', fullName: 'Fatima Zahra', role: 'doctor', phone: '+971501000014' },
  { email: 'omar@patient.test', fullName: 'Omar Farouk', role: 'patient', phone: '+971551000001' },
  { email: 'jennifer@patient.test', fullName: 'Jennifer Cruz', role: 'patient', phone: '+971551000002' },
  { email: 'imran@patient.test', fullName: 'Imran Qureshi', role: 'patient', phone: '+971551000003' },
  { email: 'noura@patient.test', fullName: 'Noura Al Marri', role: 'patient', phone: '+971551000004' },
  { email: 'rajesh@patient.test', fullName: 'Rajesh Kumar', role: 'patient', phone: '+971551000005' },
  { email: 'anna@patient.test', fullName: 'Anna Petrova', role: 'patient', phone: '+971551000006' },
  { email: 'mohammed@patient.test', fullName: 'Mohammed Al Suwaidi', role: 'patient', phone: '+971551000007' },
  { email: 'sophie@patient.test', fullName: 'Sophie Laurent', role: 'patient', phone: '+971551000008' },
  { email: 'ayesha@patient.test', fullName: 'Ayesha Siddiqui', role: 'patient', phone: '+971551000009' },
  { email: 'joseph@patient.test', fullName: 'Joseph Mathew', role: 'patient', phone: '+971551000010' },
  // Al Reem Family Practice (Abu Dhabi): its own admin, reception and doctors.
  { email: 'admin@alreem.test', fullName: 'Mariam Al Dhaheri', role: 'admin', phone: '+971502000001', clinicSlug: 'al-reem-family-practice' },
  { email: 'reception@alreem.test', fullName: 'Grace Okafor', role: 'staff', phone: '+971502000002', clinicSlug: 'al-reem-family-practice' },
  { email: 'dr.hessa@alreem.test', fullName: 'Hessa Al Kaabi', role: 'doctor', phone: '+971502000011', clinicSlug: 'al-reem-family-practice' },
  { email: 'dr.lina@alreem.test', fullName: 'Lina Barakat', role: 'doctor', phone: '+971502000012', clinicSlug: 'al-reem-family-practice' },
  { email: 'dr.rashid@alreem.test', fullName: 'Rashid Al Nuaimi', role: 'doctor', phone: '+971502000013', clinicSlug: 'al-reem-family-practice' },
  // The platform's operator: steers clinics (lists, suspends, reactivates); belongs to none.
  { email: 'operator@platform.test', fullName: 'Platform Operator', role: 'operator', phone: '+971501000099' },
];

/**
 * A verified email account, as the seed, the test fixtures and the bench insert it. `clinicId` is the clinic of
 * an admin, staff or doctor account; patients and the platform's operator belong to none.
 */
export function userDoc(u: SeedUser, passwordHash: string, now: Date, clinicId: ObjectId | null = null): Omit<UserDoc, '_id'> & { email: string } {
  return {
    email: u.email,
    phoneIdentity: '',
    passwordHash,
    fullName: u.fullName,
    phone: u.phone,
    role: u.role,
    clinicId: u.role === 'patient' || u.role === 'operator' ? null : clinicId,
    emailVerifiedAt: now,
    passwordChangedAt: now,
    createdAt: now,
    updatedAt: now,
  };
}

// ---------------------------------------------------------------------------------------------
// Clinic
// ---------------------------------------------------------------------------------------------

export const DEFAULT_CLINIC_POLICIES: ClinicPolicies = {
  cancellationCutoffHours: 24,
  minNoticeMinutes: 120,
  horizonDays: 60,
  holdMinutes: 15,
  paymentRequired: false,
  reminderLeadMinutes: 180,
  noShowAfterMinutes: 15,
};

type Branch = 'Dubai Healthcare City' | 'Jumeirah' | 'Al Barsha';

const LOCATIONS: Record<Branch, Omit<ClinicLocationDoc, 'openingHours'>> = {
  'Dubai Healthcare City': { id: 'dubai-healthcare-city', name: 'Dubai Healthcare City', nameAr: 'مدينة دبي الطبية', emirate: 'dubai', area: 'Oud Metha', address: 'Building 4, Dubai Healthcare City, Oud Metha, Dubai', lat: 25.2305, lng: 55.3235 },
  Jumeirah: { id: 'jumeirah', name: 'Jumeirah', nameAr: 'جميرا', emirate: 'dubai', area: 'Jumeirah 1', address: 'Villa 12, Jumeirah Beach Road, Jumeirah 1, Dubai', lat: 25.2163, lng: 55.2583 },
  'Al Barsha': { id: 'al-barsha', name: 'Al Barsha', nameAr: 'البرشاء', emirate: 'dubai', area: 'Al Barsha 1', address: 'Al Barsha Mall Road, Al Barsha 1, Dubai', lat: 25.1131, lng: 55.1958 },
};

export const SEED_CLINIC_SLUG = 'al-noor-family-clinic';
/** The second seeded clinic: a family practice on Al Reem Island, Abu Dhabi. */
export const SEED_SECOND_CLINIC_SLUG = 'al-reem-family-practice';

/** The seeded clinic: Al Noor Family Clinic, three Dubai locations, every seeded specialty. */
export function clinicDoc(now: Date, timeZone: string): Omit<ClinicDoc, '_id'> {
  const weekdays = [0, 1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '08:00', close: '21:00' }));
  const openingHours = [...weekdays, { weekday: 6, open: '09:00', close: '14:00' }];
  return {
    slug: SEED_CLINIC_SLUG,
    name: 'Al Noor Family Clinic',
    nameAr: 'عيادة النور العائلية',
    legalName: 'Al Noor Family Clinic L.L.C.',
    vatTrn: '100234567800003',
    phone: '+97143000000',
    email: 'hello@alnoor-clinic.test',
    timeZone,
    currency: 'AED',
    vatRatePercent: 5,
    policies: { ...DEFAULT_CLINIC_POLICIES },
    locations: Object.values(LOCATIONS).map((l) => ({ ...l, openingHours })),
    specialties: SPECIALTIES.map((sp) => sp.slug),
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
}

type ReemBranch = 'Al Reem Island';
const REEM_LOCATIONS: Record<ReemBranch, Omit<ClinicLocationDoc, 'openingHours'>> = {
  'Al Reem Island': { id: 'al-reem-island', name: 'Al Reem Island', nameAr: 'جزيرة الريم', emirate: 'abu-dhabi', area: 'Al Reem Island', address: 'Shams Boutik Mall, Shams Abu Dhabi, Al Reem Island, Abu Dhabi', lat: 24.4989, lng: 54.404 },
};
const ALL_LOCATIONS: Record<Branch | ReemBranch, Omit<ClinicLocationDoc, 'openingHours'>> = { ...LOCATIONS, ...REEM_LOCATIONS };

/** The second seeded clinic: Al Reem Family Practice, one Abu Dhabi location, four specialties. */
export function secondClinicDoc(now: Date, timeZone: string): Omit<ClinicDoc, '_id'> {
  const openingHours = [...[0, 1, 2, 3, 4].map((weekday) => ({ weekday, open: '08:00', close: '20:00' })), { weekday: 6, open: '09:00', close: '14:00' }];
  return {
    slug: SEED_SECOND_CLINIC_SLUG,
    name: 'Al Reem Family Practice',
    nameAr: 'عيادة الريم لطب الأسرة',
    legalName: 'Al Reem Family Practice Medical Centre L.L.C.',
    vatTrn: '100398765400003',
    phone: '+97126000000',
    email: 'care@alreem-practice.test',
    // Its own WhatsApp sender (Al Noor uses the platform's shared number): `npm run whatsapp-sim -w @clinic/server -- --to +97126000001`.
    whatsappNumber: '+97126000001',
    timeZone,
    currency: 'AED',
    vatRatePercent: 5,
    policies: { ...DEFAULT_CLINIC_POLICIES },
    locations: Object.values(REEM_LOCATIONS).map((l) => ({ ...l, openingHours })),
    specialties: ['family-medicine', 'pediatrics', 'dentistry', 'internal-medicine'],
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
}

// ---------------------------------------------------------------------------------------------
// Specialties
// ---------------------------------------------------------------------------------------------

type Sub = [slug: string, name: string];
const SPECIALTIES: { slug: string; name: string; nameAr: string; subs: Sub[] }[] = [
  { slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subs: [['preventive-care', 'Preventive Care'], ['chronic-disease-management', 'Chronic Disease Management'], ['travel-medicine', 'Travel Medicine']] },
  { slug: 'internal-medicine', name: 'Internal Medicine', nameAr: 'الطب الباطني', subs: [['hypertension', 'Hypertension'], ['infectious-diseases', 'Infectious Diseases'], ['geriatrics', 'Geriatrics']] },
  { slug: 'pediatrics', name: 'Pediatrics', nameAr: 'طب الأطفال', subs: [['neonatology', 'Neonatology'], ['pediatric-allergy', 'Pediatric Allergy'], ['developmental-pediatrics', 'Developmental Pediatrics']] },
  { slug: 'cardiology', name: 'Cardiology', nameAr: 'أمراض القلب', subs: [['interventional-cardiology', 'Interventional Cardiology'], ['echocardiography', 'Echocardiography'], ['preventive-cardiology', 'Preventive Cardiology']] },
  { slug: 'dermatology', name: 'Dermatology', nameAr: 'الأمراض الجلدية', subs: [['cosmetic-dermatology', 'Cosmetic Dermatology'], ['pediatric-dermatology', 'Pediatric Dermatology'], ['hair-disorders', 'Hair & Scalp Disorders']] },
  { slug: 'obstetrics-gynaecology', name: 'Obstetrics & Gynaecology', nameAr: 'أمراض النساء والتوليد', subs: [['high-risk-pregnancy', 'High-risk Pregnancy'], ['fertility', 'Fertility'], ['minimally-invasive-gynaecology', 'Minimally Invasive Gynaecology']] },
  { slug: 'orthopaedics', name: 'Orthopaedics', nameAr: 'جراحة العظام', subs: [['sports-medicine', 'Sports Medicine'], ['spine', 'Spine'], ['joint-replacement', 'Joint Replacement']] },
  { slug: 'ent', name: 'Ear, Nose & Throat', nameAr: 'الأنف والأذن والحنجرة', subs: [['rhinology', 'Rhinology & Sinus'], ['otology', 'Otology & Hearing'], ['paediatric-ent', 'Paediatric ENT']] },
  { slug: 'ophthalmology', name: 'Ophthalmology', nameAr: 'طب العيون', subs: [['cataract', 'Cataract'], ['retina', 'Retina'], ['paediatric-ophthalmology', 'Paediatric Ophthalmology'], ['refractive-surgery', 'Refractive Surgery']] },
  { slug: 'dentistry', name: 'Dentistry', nameAr: 'طب الأسنان', subs: [['orthodontics', 'Orthodontics'], ['endodontics', 'Endodontics'], ['cosmetic-dentistry', 'Cosmetic Dentistry'], ['paediatric-dentistry', 'Paediatric Dentistry']] },
  { slug: 'psychiatry', name: 'Psychiatry', nameAr: 'الطب النفسي', subs: [['adult-psychiatry', 'Adult Psychiatry'], ['child-adolescent-psychiatry', 'Child & Adolescent Psychiatry'], ['addiction', 'Addiction Medicine']] },
  { slug: 'endocrinology', name: 'Endocrinology', nameAr: 'الغدد الصماء والسكري', subs: [['diabetes', 'Diabetes'], ['thyroid', 'Thyroid'], ['obesity-management', 'Obesity Management']] },
];

export function specialtyDocs(now: Date): SpecialtyDoc[] {
  return SPECIALTIES.map((s) => ({
    _id: s.slug,
    name: s.name,
    nameAr: s.nameAr,
    subSpecialties: s.subs.map(([slug, name]) => ({ slug, name })),
    createdAt: now,
    updatedAt: now,
  }));
}

// ---------------------------------------------------------------------------------------------
// Physicians
// ---------------------------------------------------------------------------------------------

const iv = (start: string, end: string): TimeIntervalDoc => ({ start, end });
const days = (weekdays: number[], intervals: TimeIntervalDoc[]) => weekdays.map((weekday) => ({ weekday, intervals: intervals.map((i) => ({ ...i })) }));
const SUN_THU = [0, 1, 2, 3, 4];
const MON_FRI = [1, 2, 3, 4, 5];

/**
 * Weekly templates, all inside the clinic's opening hours (Sun–Fri 08:00–21:00, Sat 09:00–14:00)
 * and all starting on the hour, so the slot grid is the same whichever way it is anchored.
 */
const TEMPLATES = {
  split: days(SUN_THU, [iv('09:00', '13:00'), iv('14:00', '18:00')]),
  splitSat: [...days(SUN_THU, [iv('09:00', '13:00'), iv('14:00', '18:00')]), ...days([6], [iv('09:00', '13:00')])],
  weekdays: days(MON_FRI, [iv('08:00', '12:00'), iv('13:00', '17:00')]),
  mornings: [...days(SUN_THU, [iv('08:00', '14:00')]), ...days([6], [iv('09:00', '14:00')])],
  evenings: days(SUN_THU, [iv('16:00', '21:00')]),
  eveningsSat: [...days(SUN_THU, [iv('16:00', '21:00')]), ...days([6], [iv('09:00', '14:00')])],
  long: days([0, 1, 2, 3, 4, 5], [iv('10:00', '14:00'), iv('17:00', '21:00')]),
  short: days([0, 2, 4], [iv('09:00', '13:00'), iv('15:00', '19:00')]),
  afternoons: days(SUN_THU, [iv('14:00', '20:00')]),
} as const;
type Template = keyof typeof TEMPLATES;

interface PhysicianSeed {
  /** The doctor's login, for the four physicians who have one. */
  userEmail: string | null;
  fullName: string;
  title: string;
  gender: 'female' | 'male';
  specialty: string;
  subs: string[];
  languages: string[];
  years: number;
  /** AED minor units. */
  price: number;
  rating: [sum: number, count: number];
  branch: Branch | ReemBranch;
  template: Template;
  slotMinutes: number;
  bufferMinutes: number;
  photo: boolean;
  active: boolean;
  bio: string;
}

const PHYSICIANS: PhysicianSeed[] = [
  { userEmail: 'dr.khalid@clinic.test', fullName: 'Dr. Khalid Al Hashimi', title: 'Consultant Cardiologist', gender: 'male', specialty: 'cardiology', subs: ['interventional-cardiology', 'echocardiography'], languages: ['en', 'ar'], years: 22, price: 75000, rating: [461, 98], branch: 'Dubai Healthcare City', template: 'split', slotMinutes: 30, bufferMinutes: 0, photo: true, active: true, bio: 'Interventional cardiologist with two decades of experience in coronary angioplasty and heart-failure care, trained in Dubai and London.' },
  { userEmail: 'dr.sara@clinic.test', fullName: 'Dr. Sara Haddad', title: 'Specialist Pediatrician', gender: 'female', specialty: 'pediatrics', subs: ['neonatology', 'pediatric-allergy'], languages: ['en', 'ar', 'fr'], years: 11, price: 35000, rating: [412, 87], branch: 'Jumeirah', template: 'splitSat', slotMinutes: 20, bufferMinutes: 0, photo: true, active: true, bio: 'Pediatrician with a special interest in newborn care, childhood allergies and asthma.' },
  { userEmail: 'dr.rahul@clinic.test', fullName: 'Dr. Rahul Menon', title: 'Specialist Dermatologist', gender: 'male', specialty: 'dermatology', subs: ['cosmetic-dermatology', 'hair-disorders'], languages: ['en', 'hi', 'ml'], years: 9, price: 40000, rating: [298, 64], branch: 'Al Barsha', template: 'evenings', slotMinutes: 15, bufferMinutes: 0, photo: false, active: true, bio: 'Dermatologist treating acne, eczema, pigmentation and hair loss, with evening clinics for working patients.' },
  { userEmail: 'dr.fatima@clinic.test', fullName: 'Dr. Fatima Zahra', title: 'Consultant Obstetrician & Gynaecologist', gender: 'female', specialty: 'obstetrics-gynaecology', subs: ['high-risk-pregnancy', 'fertility'], languages: ['en', 'ar', 'fr'], years: 19, price: 65000, rating: [585, 121], branch: 'Dubai Healthcare City', template: 'weekdays', slotMinutes: 30, bufferMinutes: 10, photo: true, active: true, bio: 'Consultant obstetrician caring for high-risk pregnancies and couples on their fertility journey.' },
  { userEmail: null, fullName: 'Dr. Ahmed Al Marzouqi', title: 'Consultant Family Physician', gender: 'male', specialty: 'family-medicine', subs: ['preventive-care', 'chronic-disease-management'], languages: ['en', 'ar'], years: 20, price: 45000, rating: [372, 79], branch: 'Jumeirah', template: 'split', slotMinutes: 30, bufferMinutes: 0, photo: true, active: true, bio: 'Family physician focused on long-term care of diabetes, hypertension and whole-family health.' },
  { userEmail: null, fullName: 'Dr. Maricel Reyes', title: 'General Practitioner', gender: 'female', specialty: 'family-medicine', subs: ['preventive-care', 'travel-medicine'], languages: ['en', 'tl'], years: 8, price: 15000, rating: [388, 86], branch: 'Al Barsha', template: 'eveningsSat', slotMinutes: 15, bufferMinutes: 0, photo: false, active: true, bio: 'General practitioner for everyday illnesses, vaccinations and travel health advice.' },
  { userEmail: null, fullName: 'Dr. Imran Sheikh', title: 'General Practitioner', gender: 'male', specialty: 'family-medicine', subs: ['chronic-disease-management'], languages: ['en', 'ur', 'hi', 'ar'], years: 6, price: 18000, rating: [0, 0], branch: 'Dubai Healthcare City', template: 'mornings', slotMinutes: 20, bufferMinutes: 0, photo: false, active: false, bio: 'General practitioner joining the clinic soon, with experience in urgent and primary care.' },
  { userEmail: null, fullName: 'Dr. Layla Nasser', title: 'Specialist Internal Medicine', gender: 'female', specialty: 'internal-medicine', subs: ['hypertension', 'infectious-diseases'], languages: ['en', 'ar', 'ru'], years: 12, price: 30000, rating: [214, 47], branch: 'Dubai Healthcare City', template: 'mornings', slotMinutes: 30, bufferMinutes: 0, photo: true, active: true, bio: 'Internist managing blood pressure, infections and complex multi-system conditions in adults.' },
  { userEmail: null, fullName: 'Dr. Vikram Iyer', title: 'Consultant Internal Medicine', gender: 'male', specialty: 'internal-medicine', subs: ['geriatrics', 'hypertension'], languages: ['en', 'hi', 'ml'], years: 24, price: 55000, rating: [268, 57], branch: 'Jumeirah', template: 'long', slotMinutes: 30, bufferMinutes: 5, photo: true, active: true, bio: 'Senior internist with a focus on healthy ageing and the care of older adults.' },
  { userEmail: null, fullName: 'Dr. Hala Al Suwaidi', title: 'Consultant Pediatrician', gender: 'female', specialty: 'pediatrics', subs: ['developmental-pediatrics', 'neonatology'], languages: ['en', 'ar'], years: 18, price: 50000, rating: [330, 68], branch: 'Jumeirah', template: 'weekdays', slotMinutes: 30, bufferMinutes: 0, photo: true, active: true, bio: 'Consultant pediatrician assessing growth, development and behaviour from infancy to adolescence.' },
  { userEmail: null, fullName: 'Dr. Joseph Dela Cruz', title: 'Specialist Pediatrician', gender: 'male', specialty: 'pediatrics', subs: ['pediatric-allergy'], languages: ['en', 'tl'], years: 10, price: 30000, rating: [183, 41], branch: 'Al Barsha', template: 'evenings', slotMinutes: 20, bufferMinutes: 0, photo: false, active: true, bio: 'Pediatrician offering after-school evening clinics for fevers, allergies and routine check-ups.' },
  { userEmail: null, fullName: 'Dr. Sergei Volkov', title: 'Specialist Cardiologist', gender: 'male', specialty: 'cardiology', subs: ['preventive-cardiology', 'echocardiography'], languages: ['en', 'ru'], years: 14, price: 45000, rating: [151, 33], branch: 'Al Barsha', template: 'short', slotMinutes: 30, bufferMinutes: 0, photo: true, active: false, bio: 'Cardiologist specialising in echocardiography and cardiovascular risk prevention.' },
  { userEmail: null, fullName: 'Dr. Amira Khoury', title: 'Consultant Dermatologist', gender: 'female', specialty: 'dermatology', subs: ['pediatric-dermatology', 'cosmetic-dermatology'], languages: ['en', 'ar', 'fr'], years: 21, price: 60000, rating: [402, 84], branch: 'Jumeirah', template: 'split', slotMinutes: 30, bufferMinutes: 5, photo: true, active: true, bio: 'Consultant dermatologist treating skin conditions in children and adults, and laser procedures.' },
  { userEmail: null, fullName: 'Dr. Nadia Rahman', title: 'Specialist Obstetrician & Gynaecologist', gender: 'female', specialty: 'obstetrics-gynaecology', subs: ['minimally-invasive-gynaecology'], languages: ['en', 'ur', 'hi'], years: 13, price: 40000, rating: [277, 59], branch: 'Al Barsha', template: 'splitSat', slotMinutes: 30, bufferMinutes: 0, photo: false, active: true, bio: 'Gynaecologist offering antenatal care, well-woman checks and keyhole gynaecological surgery.' },
  { userEmail: null, fullName: 'Dr. Grace Thomas', title: 'Specialist Obstetrician & Gynaecologist', gender: 'female', specialty: 'obstetrics-gynaecology', subs: ['high-risk-pregnancy'], languages: ['en', 'ml', 'hi'], years: 9, price: 35000, rating: [142, 31], branch: 'Jumeirah', template: 'long', slotMinutes: 30, bufferMinutes: 10, photo: true, active: true, bio: 'Obstetrician supporting mothers through pregnancy, birth planning and postnatal recovery.' },
  { userEmail: null, fullName: 'Dr. Tariq Mahmood', title: 'Consultant Orthopaedic Surgeon', gender: 'male', specialty: 'orthopaedics', subs: ['spine', 'joint-replacement'], languages: ['en', 'ur', 'ar'], years: 25, price: 90000, rating: [438, 92], branch: 'Dubai Healthcare City', template: 'short', slotMinutes: 30, bufferMinutes: 10, photo: true, active: true, bio: 'Orthopaedic surgeon specialising in spinal disorders and hip and knee replacement.' },
  { userEmail: null, fullName: 'Dr. Pierre Dubois', title: 'Specialist Orthopaedic Surgeon', gender: 'male', specialty: 'orthopaedics', subs: ['sports-medicine'], languages: ['en', 'fr'], years: 11, price: 45000, rating: [0, 0], branch: 'Al Barsha', template: 'eveningsSat', slotMinutes: 30, bufferMinutes: 0, photo: false, active: true, bio: 'Sports-medicine surgeon treating ligament, tendon and cartilage injuries in active adults.' },
  { userEmail: null, fullName: 'Dr. Yousef Al Ali', title: 'Specialist ENT Surgeon', gender: 'male', specialty: 'ent', subs: ['rhinology', 'otology'], languages: ['en', 'ar'], years: 10, price: 35000, rating: [196, 44], branch: 'Dubai Healthcare City', template: 'split', slotMinutes: 20, bufferMinutes: 0, photo: true, active: true, bio: 'ENT specialist treating sinus problems, hearing loss and recurrent ear infections.' },
  { userEmail: null, fullName: 'Dr. Anjali Sharma', title: 'Consultant ENT Surgeon', gender: 'female', specialty: 'ent', subs: ['paediatric-ent', 'otology'], languages: ['en', 'hi'], years: 17, price: 55000, rating: [247, 52], branch: 'Jumeirah', template: 'weekdays', slotMinutes: 30, bufferMinutes: 5, photo: true, active: true, bio: 'Consultant ENT surgeon with a special interest in children’s tonsil, adenoid and hearing problems.' },
  { userEmail: null, fullName: 'Dr. Mariam Al Falasi', title: 'Specialist Ophthalmologist', gender: 'female', specialty: 'ophthalmology', subs: ['paediatric-ophthalmology', 'refractive-surgery'], languages: ['en', 'ar'], years: 8, price: 35000, rating: [169, 36], branch: 'Jumeirah', template: 'mornings', slotMinutes: 20, bufferMinutes: 0, photo: false, active: true, bio: 'Ophthalmologist caring for children’s eyes and assessing adults for LASIK and lens surgery.' },
  { userEmail: null, fullName: 'Dr. Suresh Pillai', title: 'Consultant Ophthalmologist', gender: 'male', specialty: 'ophthalmology', subs: ['cataract', 'retina'], languages: ['en', 'ml', 'hi'], years: 26, price: 70000, rating: [355, 73], branch: 'Dubai Healthcare City', template: 'split', slotMinutes: 30, bufferMinutes: 0, photo: true, active: true, bio: 'Consultant eye surgeon with over 5,000 cataract operations and a retina practice for diabetic eye disease.' },
  { userEmail: null, fullName: 'Dr. Rania Saleh', title: 'Specialist Orthodontist', gender: 'female', specialty: 'dentistry', subs: ['orthodontics', 'cosmetic-dentistry'], languages: ['en', 'ar'], years: 9, price: 30000, rating: [221, 46], branch: 'Al Barsha', template: 'long', slotMinutes: 30, bufferMinutes: 10, photo: true, active: true, bio: 'Orthodontist providing braces and clear aligners for teenagers and adults.' },
  { userEmail: null, fullName: 'Dr. Ramon Villanueva', title: 'General Dental Practitioner', gender: 'male', specialty: 'dentistry', subs: ['endodontics', 'paediatric-dentistry'], languages: ['en', 'tl'], years: 7, price: 20000, rating: [158, 35], branch: 'Al Barsha', template: 'eveningsSat', slotMinutes: 30, bufferMinutes: 0, photo: false, active: true, bio: 'Family dentist for check-ups, fillings, root canals and gentle care for young children.' },
  { userEmail: null, fullName: 'Dr. Zainab Hussain', title: 'Consultant Psychiatrist', gender: 'female', specialty: 'psychiatry', subs: ['adult-psychiatry', 'child-adolescent-psychiatry'], languages: ['en', 'ur', 'hi', 'ar'], years: 16, price: 80000, rating: [189, 39], branch: 'Dubai Healthcare City', template: 'short', slotMinutes: 30, bufferMinutes: 10, photo: true, active: true, bio: 'Consultant psychiatrist treating anxiety, depression and ADHD in adults and adolescents.' },
  { userEmail: null, fullName: 'Dr. Mohammed Al Zarooni', title: 'Consultant Endocrinologist', gender: 'male', specialty: 'endocrinology', subs: ['diabetes', 'thyroid'], languages: ['en', 'ar'], years: 23, price: 65000, rating: [310, 66], branch: 'Dubai Healthcare City', template: 'weekdays', slotMinutes: 30, bufferMinutes: 5, photo: true, active: true, bio: 'Endocrinologist managing type 1 and type 2 diabetes, thyroid disease and obesity.' },
];

/** Al Reem Family Practice's physicians: its three doctors, each with a login (inside its hours, Sun–Thu 08:00–20:00, Sat 09:00–14:00). */
const REEM_PHYSICIANS: PhysicianSeed[] = [
  { userEmail: 'dr.hessa@alreem.test', fullName: 'Dr. Hessa Al Kaabi', title: 'Consultant Family Physician', gender: 'female', specialty: 'family-medicine', subs: ['preventive-care', 'chronic-disease-management'], languages: ['en', 'ar'], years: 17, price: 40000, rating: [356, 76], branch: 'Al Reem Island', template: 'mornings', slotMinutes: 20, bufferMinutes: 0, photo: true, active: true, bio: 'Family physician caring for whole families on Al Reem Island, from diabetes and blood pressure to preventive check-ups.' },
  { userEmail: 'dr.lina@alreem.test', fullName: 'Dr. Lina Barakat', title: 'Specialist Pediatrician', gender: 'female', specialty: 'pediatrics', subs: ['pediatric-allergy', 'developmental-pediatrics'], languages: ['en', 'ar', 'fr'], years: 10, price: 35000, rating: [264, 57], branch: 'Al Reem Island', template: 'afternoons', slotMinutes: 20, bufferMinutes: 0, photo: true, active: true, bio: 'Pediatrician with after-school clinics for fevers, allergies, vaccinations and growth checks.' },
  { userEmail: 'dr.rashid@alreem.test', fullName: 'Dr. Rashid Al Nuaimi', title: 'General Dental Practitioner', gender: 'male', specialty: 'dentistry', subs: ['paediatric-dentistry', 'cosmetic-dentistry'], languages: ['en', 'ar', 'ur'], years: 12, price: 25000, rating: [198, 43], branch: 'Al Reem Island', template: 'split', slotMinutes: 30, bufferMinutes: 5, photo: false, active: true, bio: 'Family dentist for check-ups, fillings, whitening and gentle first visits for children.' },
];

/** The next local date on or after `from` whose weekday is in `weekdays`. */
function nextDateOn(from: string, weekdays: readonly number[]): string {
  let d = from;
  for (let i = 0; i < 7 && !weekdays.includes(weekdayOfDate(d)); i++) d = addLocalDays(d, 1);
  return d;
}

/** Overrides relative to today's local date: a day off for every third physician; one extra Saturday. */
function overridesFor(index: number, weekly: PhysicianScheduleDoc['weekly'], today: string): PhysicianScheduleDoc['overrides'] {
  const overrides: PhysicianScheduleDoc['overrides'] = [];
  const workingDays = weekly.map((w) => w.weekday);
  if (index % 3 === 1) overrides.push({ date: nextDateOn(addLocalDays(today, 3 + ((index * 7) % 24)), workingDays), intervals: [] });
  // Dr. Khalid (Sun–Thu) does an extra Saturday clinic.
  if (index === 0) overrides.push({ date: nextDateOn(addLocalDays(today, 8), [6]), intervals: [iv('09:00', '13:00')] });
  return overrides.sort((a, b) => a.date.localeCompare(b.date));
}

/** Every seeded physician's name in Arabic script, as an Arabic-speaking patient reads it on WhatsApp and in the app. */
export const PHYSICIAN_NAMES_AR: Readonly<Record<string, string>> = {
  'Dr. Khalid Al Hashimi': 'د. خالد الهاشمي',
  'Dr. Sara Haddad': 'د. سارة حداد',
  'Dr. Rahul Menon': 'د. راهول مينون',
  'Dr. Fatima Zahra': 'د. فاطمة زهراء',
  'Dr. Ahmed Al Marzouqi': 'د. أحمد المرزوقي',
  'Dr. Maricel Reyes': 'د. ماريسيل رييس',
  'Dr. Imran Sheikh': 'د. عمران شيخ',
  'Dr. Layla Nasser': 'د. ليلى ناصر',
  'Dr. Vikram Iyer': 'د. فيكرام آيير',
  'Dr. Hala Al Suwaidi': 'د. هالة السويدي',
  'Dr. Joseph Dela Cruz': 'د. جوزيف ديلا كروز',
  'Dr. Sergei Volkov': 'د. سيرغي فولكوف',
  'Dr. Amira Khoury': 'د. أميرة خوري',
  'Dr. Nadia Rahman': 'د. نادية رحمن',
  'Dr. Grace Thomas': 'د. غريس توماس',
  'Dr. Tariq Mahmood': 'د. طارق محمود',
  'Dr. Pierre Dubois': 'د. بيير دوبوا',
  'Dr. Yousef Al Ali': 'د. يوسف العلي',
  'Dr. Anjali Sharma': 'د. أنجالي شارما',
  'Dr. Mariam Al Falasi': 'د. مريم الفلاسي',
  'Dr. Suresh Pillai': 'د. سوريش بيلاي',
  'Dr. Rania Saleh': 'د. رانيا صالح',
  'Dr. Ramon Villanueva': 'د. رامون فيلانويفا',
  'Dr. Zainab Hussain': 'د. زينب حسين',
  'Dr. Mohammed Al Zarooni': 'د. محمد الزروني',
  'Dr. Hessa Al Kaabi': 'د. حصة الكعبي',
  'Dr. Lina Barakat': 'د. لينا بركات',
  'Dr. Rashid Al Nuaimi': 'د. راشد النعيمي',
};

export interface PhysicianSeedDoc {
  /** Set for physicians who log in: they are matched by `userId`; the others by `fullName` (with `userId: null`). */
  userEmail: string | null;
  doc: Omit<PhysicianDoc, '_id'>;
}

/** Al Noor's physicians in a fixed order, all of clinic `clinicId`; `userIds` maps the doctors' emails to their user ids. */
export function physicianDocs(now: Date, timeZone: string, userIds: ReadonlyMap<string, ObjectId>, clinicId: ObjectId): PhysicianSeedDoc[] {
  return toPhysicianDocs(PHYSICIANS, now, timeZone, userIds, clinicId);
}

/** Al Reem Family Practice's physicians (its three doctors), all of clinic `clinicId`. */
export function secondClinicPhysicianDocs(now: Date, timeZone: string, userIds: ReadonlyMap<string, ObjectId>, clinicId: ObjectId): PhysicianSeedDoc[] {
  return toPhysicianDocs(REEM_PHYSICIANS, now, timeZone, userIds, clinicId);
}

function toPhysicianDocs(list: readonly PhysicianSeed[], now: Date, timeZone: string, userIds: ReadonlyMap<string, ObjectId>, clinicId: ObjectId): PhysicianSeedDoc[] {
  const today = localDateOf(now, timeZone);
  return list.map((p, index) => {
    const weekly = TEMPLATES[p.template].map((w) => ({ weekday: w.weekday, intervals: w.intervals.map((i) => ({ ...i })) }));
    const [sum, count] = p.rating;
    const userId = p.userEmail ? (userIds.get(p.userEmail) ?? null) : null;
    if (p.userEmail && !userId) throw new Error(`seed: no user id for ${p.userEmail}`);
    const initials = p.fullName.replace(/^Dr\. /, '').split(' ').filter((w) => /^[A-Z]/.test(w)).map((w) => w[0]).join('');
    return {
      userEmail: p.userEmail,
      doc: {
        userId,
        fullName: p.fullName,
        fullNameAr: PHYSICIAN_NAMES_AR[p.fullName] ?? p.fullName,
        title: p.title,
        gender: p.gender,
        specialty: p.specialty,
        subSpecialties: [...p.subs],
        languages: [...p.languages],
        bio: p.bio,
        yearsOfExperience: p.years,
        price: { amount: p.price, currency: 'AED' },
        photoUrl: p.photo ? `https://placehold.co/400x400/png?text=${encodeURIComponent(initials)}` : null,
        rating: { sum, count },
        ratingAverage: count === 0 ? null : Math.round((sum / count) * 10) / 10,
        clinicId,
        locationIds: [ALL_LOCATIONS[p.branch].id],
        schedule: { weekly, overrides: overridesFor(index, weekly, today), slotMinutes: p.slotMinutes, bufferMinutes: p.bufferMinutes },
        active: p.active,
        createdAt: now,
        updatedAt: now,
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Medical packages
// ---------------------------------------------------------------------------------------------

interface PackageSeed {
  name: string;
  description: string;
  price: number;
  includedServices: string[];
  /** Specialties whose appointments may be booked as this package. */
  specialties: string[];
}

const PACKAGES: PackageSeed[] = [
  {
    name: 'Executive Health Check',
    description: 'A comprehensive half-day check-up for busy professionals, with results reviewed by an internist.',
    price: 150000,
    includedServices: ['Consultation with an internal medicine physician', 'Complete blood count', 'Lipid profile', 'HbA1c', 'Liver and kidney function tests', 'Thyroid function (TSH)', 'Vitamin D and B12', 'Resting ECG', 'Chest X-ray', 'Urinalysis'],
    specialties: ['internal-medicine', 'family-medicine'],
  },
  {
    name: "Women's Wellness",
    description: 'Annual well-woman screening with a gynaecologist, including cervical and breast screening.',
    price: 95000,
    includedServices: ['Gynaecology consultation', 'Pap smear (liquid-based cytology)', 'Pelvic ultrasound', 'Breast ultrasound', 'Complete blood count', 'Iron studies', 'Thyroid function (TSH)', 'Vitamin D'],
    specialties: ['obstetrics-gynaecology'],
  },
  {
    name: 'Diabetes Screening',
    description: 'Checks for diabetes and pre-diabetes and for early signs of kidney involvement.',
    price: 35000,
    includedServices: ['Fasting blood glucose', 'HbA1c', 'Lipid profile', 'Kidney function tests', 'Urine microalbumin', 'Follow-up consultation'],
    specialties: ['endocrinology', 'internal-medicine', 'family-medicine'],
  },
  {
    name: 'Pre-employment Medical',
    description: 'The medical examination employers ask for before a new hire starts work.',
    price: 30000,
    includedServices: ['GP examination', 'Vision and colour-vision test', 'Blood group', 'Complete blood count', 'Hepatitis B surface antigen', 'Chest X-ray', 'Fitness certificate'],
    specialties: ['family-medicine'],
  },
  {
    name: 'Child Vaccination Bundle',
    description: 'The first-year vaccines of the UAE national immunisation schedule with well-baby reviews.',
    price: 120000,
    includedServices: ['Hexavalent vaccine (3 doses)', 'Pneumococcal conjugate vaccine (3 doses)', 'Rotavirus vaccine (2 doses)', 'MMR vaccine', 'Growth and development checks with a pediatrician'],
    specialties: ['pediatrics'],
  },
  {
    name: 'Cardiac Risk Assessment',
    description: 'A cardiologist-led review of heart health for adults with risk factors or a family history.',
    price: 110000,
    includedServices: ['Cardiology consultation', 'Resting ECG', 'Echocardiogram', 'Treadmill stress test', 'Lipid profile', 'hs-CRP'],
    specialties: ['cardiology'],
  },
];

/** Al Reem Family Practice's own packages (names of their own: Al Noor's are found by name). */
const REEM_PACKAGES: PackageSeed[] = [
  {
    name: 'Al Reem Family Check-up',
    description: 'A yearly check-up for adults with a family physician, with the blood tests reviewed at a follow-up visit.',
    price: 60000,
    includedServices: ['Family medicine consultation', 'Complete blood count', 'Lipid profile', 'HbA1c', 'Thyroid function (TSH)', 'Vitamin D', 'Follow-up consultation'],
    specialties: ['family-medicine', 'internal-medicine'],
  },
  {
    name: 'Back-to-School Child Check',
    description: 'The school health check with a pediatrician, with vision and hearing screening and the certificate schools ask for.',
    price: 45000,
    includedServices: ['Pediatric consultation', 'Growth and development review', 'Vision screening', 'Hearing screening', 'Vaccination record review', 'School fitness certificate'],
    specialties: ['pediatrics'],
  },
  {
    name: 'Dental Check & Clean',
    description: 'A dental examination with scaling and polishing and bite-wing X-rays.',
    price: 35000,
    includedServices: ['Dental examination', 'Scaling and polishing', 'Bite-wing X-rays', 'Fluoride varnish'],
    specialties: ['dentistry'],
  },
];

export function packageDocs(now: Date, clinicId: ObjectId): Omit<MedicalPackageDoc, '_id'>[] {
  return toPackageDocs(PACKAGES, now, clinicId);
}

export function secondClinicPackageDocs(now: Date, clinicId: ObjectId): Omit<MedicalPackageDoc, '_id'>[] {
  return toPackageDocs(REEM_PACKAGES, now, clinicId);
}

function toPackageDocs(list: readonly PackageSeed[], now: Date, clinicId: ObjectId): Omit<MedicalPackageDoc, '_id'>[] {
  return list.map((p) => ({
    clinicId,
    name: p.name,
    description: p.description,
    price: { amount: p.price, currency: 'AED' },
    includedServices: [...p.includedServices],
    active: true,
    createdAt: now,
    updatedAt: now,
  }));
}

// ---------------------------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------------------------

const REASONS: Record<string, string[]> = {
  'family-medicine': ['Fever and sore throat', 'Persistent cough', 'Blood pressure follow-up', 'Annual check-up', 'Travel vaccinations', 'Back pain'],
  'internal-medicine': ['Hypertension review', 'Fatigue and weight loss', 'Abnormal blood test results', 'Recurrent urinary infections', 'Follow-up after hospital discharge'],
  pediatrics: ['Child has a fever', 'Well-baby check', 'Vaccinations due', 'Ear pain', 'Asthma review', 'Skin rash'],
  cardiology: ['Chest pain on exertion', 'Palpitations', 'High cholesterol', 'ECG follow-up', 'Shortness of breath'],
  dermatology: ['Acne treatment', 'Eczema flare-up', 'Mole check', 'Hair loss', 'Pigmentation on face'],
  'obstetrics-gynaecology': ['Antenatal visit', 'Irregular periods', 'Pregnancy confirmation', 'Pelvic pain', 'Fertility consultation'],
  orthopaedics: ['Knee pain after running', 'Lower back pain', 'Shoulder injury', 'Ankle sprain follow-up', 'Hip pain'],
  ent: ['Blocked nose and sinus pain', 'Ear infection', 'Hearing loss', 'Snoring', 'Recurrent tonsillitis'],
  ophthalmology: ['Blurred vision', 'Eye test for glasses', 'Red, itchy eyes', 'Cataract assessment', 'Diabetic eye screening'],
  dentistry: ['Toothache', 'Routine cleaning', 'Braces adjustment', 'Broken filling', 'Wisdom tooth pain'],
  psychiatry: ['Anxiety and poor sleep', 'Low mood', 'ADHD assessment', 'Medication review'],
  endocrinology: ['Diabetes follow-up', 'Thyroid nodule', 'Weight management', 'High blood sugar on test'],
};
const PATIENT_CANCEL_REASONS = ['Feeling better', 'Travelling that week', 'Work commitment', 'Booked with another doctor', 'Child is unwell', 'Transport problem'];
const CLINIC_CANCEL_REASONS = ['Doctor called into surgery', 'Doctor on sick leave', 'Clinic schedule change', 'Equipment maintenance'];

export const SEED_APPOINTMENT_TARGETS = { past: 125, upcoming: 75, pastDays: 30, upcomingDays: 21 } as const;
/** The rest of the past ones are completed, the rest of the upcoming ones confirmed (or checked in when under way). */
const SEED_STATUS_QUOTAS: AppointmentTargets['quotas'] = {
  past: { expired: 6, no_show: 13, cancelled: 15 },
  upcoming: { pending_payment: 5, cancelled: 9 },
};

export interface AppointmentTargets {
  past: number;
  upcoming: number;
  /** The rest of the past ones are completed, the rest of the upcoming ones confirmed (or checked in when under way). */
  quotas: { past: { expired: number; no_show: number; cancelled: number }; upcoming: { pending_payment: number; cancelled: number } };
}
/** Al Reem Family Practice's bookings: about 35 over the same days. */
export const SECOND_CLINIC_APPOINTMENT_TARGETS: AppointmentTargets = {
  past: 20,
  upcoming: 15,
  quotas: { past: { expired: 1, no_show: 2, cancelled: 3 }, upcoming: { pending_payment: 1, cancelled: 2 } },
};

export interface AppointmentSeedInput {
  now: Date;
  timeZone: string;
  /** In a stable order (the generated data depends on it). */
  physicians: readonly PhysicianDoc[];
  patients: readonly Pick<UserDoc, '_id' | 'fullName' | 'phone' | 'email'>[];
  packages: readonly MedicalPackageDoc[];
  seed?: number;
  /** How many, and of which statuses; default about 200 (Al Noor's). */
  targets?: AppointmentTargets;
  /** Patients' bookings already made (at another clinic): held ones are never overlapped. */
  patientsBusy?: readonly Pick<AppointmentDoc, 'patientId' | 'startsAt' | 'endsAt' | 'status'>[];
}

const HELD: ReadonlySet<AppointmentStatus> = new Set(['pending_payment', 'confirmed', 'checked_in', 'completed', 'no_show']);
export const isHeldStatus = (s: AppointmentStatus) => HELD.has(s);

interface Candidate {
  physician: PhysicianDoc;
  start: Date;
  end: Date;
}

/** Picks `n` distinct items, in a random but reproducible way. */
function sample<T>(rng: Prng, items: T[], n: number): T[] {
  const a = [...items];
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (a.length - i));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a.slice(0, k);
}

/**
 * About 200 appointments over the past 30 and the next 21 local days, on the physicians' slot grids.
 * Held appointments never share a physician slot, never sit closer than the physician's buffer, and
 * never overlap for one patient.
 */
export function appointmentDocs(input: AppointmentSeedInput): AppointmentDoc[] {
  const { now, timeZone, physicians, patients, packages } = input;
  const targets = input.targets ?? { past: SEED_APPOINTMENT_TARGETS.past, upcoming: SEED_APPOINTMENT_TARGETS.upcoming, quotas: SEED_STATUS_QUOTAS };
  const rng = createPrng(input.seed ?? 0x5eed_c11c);
  const nowMs = now.getTime();
  const today = localDateOf(now, timeZone);
  if (patients.length === 0 || physicians.length === 0) return [];

  const past: Candidate[] = [];
  const upcoming: Candidate[] = [];
  const earliest = nowMs - SEED_APPOINTMENT_TARGETS.pastDays * DAY_MS;
  const latest = nowMs + SEED_APPOINTMENT_TARGETS.upcomingDays * DAY_MS;
  for (let d = -SEED_APPOINTMENT_TARGETS.pastDays - 1; d <= SEED_APPOINTMENT_TARGETS.upcomingDays + 1; d++) {
    const date = addLocalDays(today, d);
    for (const physician of physicians) {
      const s = physician.schedule;
      // Inactive physicians have no bookings; override dates (days off, extra clinics) are left empty so
      // that every booking is also inside the weekly hours.
      if (!physician.active || !s || s.overrides.some((o) => o.date === date)) continue;
      for (const start of slotStartsOnDate(s, date, timeZone)) {
        const end = new Date(start.getTime() + s.slotMinutes * MINUTE_MS);
        if (start.getTime() < earliest || start.getTime() >= latest) continue;
        if (end.getTime() <= nowMs) past.push({ physician, start, end });
        else upcoming.push({ physician, start, end });
      }
    }
  }

  // Statuses by quota (not by dice) so every kind shows up whatever `now` is.
  const pastPicks = sample(rng, past, targets.past);
  // A couple of patients are already in the waiting room when there is a clinic going on at `now`.
  const soon = (c: Candidate) => c.start.getTime() <= nowMs + 30 * MINUTE_MS;
  const soonPicks = sample(rng, upcoming.filter(soon), 2);
  const upcomingPicks = [...soonPicks, ...sample(rng, upcoming.filter((c) => !soon(c)), targets.upcoming - soonPicks.length)];
  const planned = new Map<Candidate, AppointmentStatus>();
  pastPicks.forEach((c, i) => {
    const q = targets.quotas.past;
    planned.set(c, i < q.expired ? 'expired' : i < q.expired + q.no_show ? 'no_show' : i < q.expired + q.no_show + q.cancelled ? 'cancelled' : 'completed');
  });
  let holds = 0;
  let cancels = 0;
  for (const c of upcomingPicks) {
    const startMs = c.start.getTime();
    let status: AppointmentStatus = 'confirmed';
    if (soon(c)) {
      status = 'checked_in';
    } else if (holds < targets.quotas.upcoming.pending_payment && startMs > nowMs + DEFAULT_CLINIC_POLICIES.minNoticeMinutes * MINUTE_MS) {
      // Unpaid holds only where the clinic's notice period still allows a new booking.
      status = 'pending_payment';
      holds++;
    } else if (cancels < targets.quotas.upcoming.cancelled) {
      status = 'cancelled';
      cancels++;
    }
    planned.set(c, status);
  }

  const chosen = [...pastPicks, ...upcomingPicks].sort(
    (a, b) => a.start.getTime() - b.start.getTime() || a.physician.fullName.localeCompare(b.physician.fullName),
  );

  const heldByPhysician = new Map<string, { start: number; end: number }[]>();
  const heldByPatient = new Map<string, { start: number; end: number }[]>();
  const clashes = (list: { start: number; end: number }[] | undefined, start: number, end: number, gap: number) =>
    (list ?? []).some((b) => start < b.end + gap && b.start < end + gap);
  const remember = (map: Map<string, { start: number; end: number }[]>, key: string, start: number, end: number) => {
    const list = map.get(key) ?? [];
    list.push({ start, end });
    map.set(key, list);
  };

  for (const b of input.patientsBusy ?? []) {
    if (isHeldStatus(b.status)) remember(heldByPatient, b.patientId.toHexString(), b.startsAt.getTime(), b.endsAt.getTime());
  }

  const out: AppointmentDoc[] = [];
  for (const c of chosen) {
    const { physician, start, end } = c;
    const startMs = start.getTime();
    const endMs = end.getTime();
    const physKey = physician._id.toHexString();

    let status = planned.get(c) ?? 'confirmed';
    let held = isHeldStatus(status);
    if (held && clashes(heldByPhysician.get(physKey), startMs, endMs, physician.schedule.bufferMinutes * MINUTE_MS)) {
      // Too close to another booking of this physician: make it a released one instead.
      status = 'cancelled';
      held = false;
    }

    // A patient who is free then (for held appointments); otherwise anyone.
    const offset = rng.int(0, patients.length - 1);
    let patient: AppointmentSeedInput['patients'][number] | undefined;
    for (let i = 0; i < patients.length && !patient; i++) {
      const p = patients[(offset + i) % patients.length]!;
      if (!held || !clashes(heldByPatient.get(p._id.toHexString()), startMs, endMs, 0)) patient = p;
    }
    if (!patient) continue;

    if (held) {
      remember(heldByPhysician, physKey, startMs, endMs);
      remember(heldByPatient, patient._id.toHexString(), startMs, endMs);
    }

    // Booked some time before the start (and never after now).
    const bookedBefore = Math.min(startMs, nowMs) - rng.int(60, 14 * 24 * 60) * MINUTE_MS;
    let createdAt = new Date(status === 'pending_payment' ? nowMs : bookedBefore);
    if (status === 'expired') createdAt = new Date(startMs - rng.int(60, 5 * 24 * 60) * MINUTE_MS);

    const history: AppointmentDoc['history'] = [];
    let cancellation: AppointmentDoc['cancellation'] = null;
    const at = (ms: number) => new Date(Math.min(ms, nowMs));
    switch (status) {
      case 'pending_payment':
        history.push({ status, at: createdAt, by: null });
        break;
      case 'confirmed':
        history.push({ status, at: createdAt, by: null });
        break;
      case 'checked_in':
        history.push({ status: 'confirmed', at: createdAt, by: null }, { status, at: at(startMs - 10 * MINUTE_MS), by: null });
        break;
      case 'completed':
        history.push(
          { status: 'confirmed', at: createdAt, by: null },
          { status: 'checked_in', at: at(startMs - rng.int(5, 20) * MINUTE_MS), by: null },
          { status, at: at(endMs), by: null },
        );
        break;
      case 'no_show':
        history.push({ status: 'confirmed', at: createdAt, by: null }, { status, at: at(endMs + 15 * MINUTE_MS), by: null });
        break;
      case 'expired':
        history.push({ status: 'pending_payment', at: createdAt, by: null }, { status, at: new Date(createdAt.getTime() + DEFAULT_CLINIC_POLICIES.holdMinutes * MINUTE_MS), by: null });
        break;
      case 'cancelled': {
        const until = Math.min(startMs, nowMs);
        const cancelledAt = new Date(createdAt.getTime() + Math.floor(rng.next() * (until - createdAt.getTime())));
        const byPatient = rng.chance(0.7);
        cancellation = {
          by: byPatient ? 'patient' : 'clinic',
          byUserId: null,
          reason: rng.pick(byPatient ? PATIENT_CANCEL_REASONS : CLINIC_CANCEL_REASONS),
          at: cancelledAt,
        };
        history.push({ status: 'confirmed', at: createdAt, by: null }, { status, at: cancelledAt, by: null });
        break;
      }
    }

    const matchingPackages = packages.filter((pk) => [...PACKAGES, ...REEM_PACKAGES].find((s) => s.name === pk.name)?.specialties.includes(physician.specialty));
    const pkg = matchingPackages.length > 0 && rng.chance(0.15) ? rng.pick(matchingPackages) : null;
    const reasons = REASONS[physician.specialty] ?? ['Consultation'];
    const id = deterministicId(rng, createdAt);
    const startIso = start.toISOString();

    out.push({
      _id: id,
      clinicId: physician.clinicId,
      physicianId: physician._id,
      physicianName: physician.fullName,
      ...(physician.fullNameAr ? { physicianNameAr: physician.fullNameAr } : {}),
      patientId: patient._id,
      patient: { name: patient.fullName, phone: patient.phone, email: patient.email },
      slotKey: held ? `${physKey}|${startIso}` : `released|${id.toHexString()}`,
      patientSlotKey: held ? `${patient._id.toHexString()}|${startIso}` : `released|${id.toHexString()}`,
      startsAt: start,
      endsAt: end,
      status,
      reason: pkg ? pkg.name : rng.pick(reasons),
      packageId: pkg ? pkg._id : null,
      price: pkg ? { ...pkg.price } : { ...physician.price },
      holdExpiresAt: status === 'pending_payment' ? new Date(nowMs + DEFAULT_CLINIC_POLICIES.holdMinutes * MINUTE_MS) : null,
      reminderDueAt: status === 'confirmed' || status === 'pending_payment' ? reminderDueAt(start, new Date(nowMs), DEFAULT_CLINIC_POLICIES.reminderLeadMinutes) : null,
      reminderSentAt: null,
      cancellation,
      history,
      createdAt,
      updatedAt: history[history.length - 1]?.at ?? createdAt,
    });
  }
  return out;
}
