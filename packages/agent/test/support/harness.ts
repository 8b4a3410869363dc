import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { DEFAULT_AUTH_SETTINGS, createCaller, createHttpInsuranceProvider, createInternalContext, createServices, createStripeClient, type ApiDeps, type MailMessage } from '@clinic/api';
import type { PhysicianSchedule } from '@clinic/contracts';
import { ObjectId, connectDatabase, DEFAULT_CLINIC_POLICIES } from '@clinic/db';
import { createAssistant, patientForPhone, type AssistantOptions } from '../../src/index.ts';
import type { ScriptedLlm } from './scripted-llm.ts';

export const EVERY_DAY_8_TO_20: PhysicianSchedule = {
  weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, intervals: [{ start: '08:00', end: '13:00' }, { start: '14:00', end: '20:00' }] })),
  overrides: [],
  slotMinutes: 30,
  bufferMinutes: 0,
};

/** A Dubai wall-clock time as an instant (Dubai is UTC+4 all year). */
export const dubai = (date: string, time: string) => new Date(`${date}T${time}:00+04:00`);
/** The local date `days` after today in Dubai. */
export const dubaiDate = (days: number, from = new Date()) => new Date(from.getTime() + 4 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

/** Nothing listens on the discard port: insurance checks answer "unknown" at once. */
const NO_INSURER = 'http://127.0.0.1:9';
export const CLINIC_PHONE = '+97143334444';
export const PAY_BASE = 'https://clinic.test/pay';

export interface HarnessOptions {
  llm?: ScriptedLlm | null;
  insurerUrl?: string;
  maxTurns?: number;
  sessionTimeoutMinutes?: number;
}

/**
 * The assistant over the real services on a throw-away database (real FerretDB/MongoDB), Stripe through
 * stripe-mock, a scripted model; a clinic with two specialties and one physician taking bookings every day.
 */
export async function startHarness(opts: HarnessOptions = {}) {
  const database = await connectDatabase({ uri: inject('mongoUri'), dbName: `agent_${randomBytes(6).toString('hex')}` });
  const day1 = dubaiDate(1);
  let nowMs = dubai(day1, '07:00').getTime();
  const clock = () => new Date(nowMs);
  const mail: MailMessage[] = [];
  /** What staff sent the patient over WhatsApp (the "a person has joined" note and their replies). */
  const whatsappSent: { to: string; via: string | null; text: string; purpose: string }[] = [];
  const deps: ApiDeps = {
    db: database,
    mailer: { send: async (m) => void mail.push(m) },
    whatsappOut: {
      send: async (to, via, text, meta) => {
        whatsappSent.push({ to, via, text, purpose: meta.purpose });
        return { sid: `SM${whatsappSent.length.toString().padStart(32, '0')}`, mode: 'text' };
      },
    },
    clock,
    auth: { ...DEFAULT_AUTH_SETTINGS, secretKey: randomBytes(32).toString('hex') },
    insurance: { provider: createHttpInsuranceProvider({ baseUrl: opts.insurerUrl ?? NO_INSURER, timeoutMs: 2_000 }), encryptionKey: randomBytes(32) },
    payments: { stripe: createStripeClient({ secretKey: 'sk_test_agent', apiBaseUrl: inject('stripeApiUrl') }), webhookSecret: null },
    clinicName: 'Test Clinic',
    timeZone: 'Asia/Dubai',
  };
  const services = createServices(deps);
  const openingHours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, open: '08:00', close: '20:00' }));
  const clinicId = new ObjectId();
  await database.cols.clinics.insertOne({
    _id: clinicId,
    slug: 'al-noor-test-clinic',
    name: 'Al Noor Test Clinic',
    nameAr: 'عيادة النور',
    legalName: 'Al Noor Test Clinic L.L.C.',
    vatTrn: null,
    phone: CLINIC_PHONE,
    email: 'hello@clinic.test',
    timeZone: 'Asia/Dubai',
    currency: 'AED',
    vatRatePercent: 5,
    policies: { ...DEFAULT_CLINIC_POLICIES },
    locations: [{ id: 'dubai-healthcare-city', name: 'Dubai Healthcare City', nameAr: 'مدينة دبي الطبية', emirate: 'dubai', area: 'Oud Metha', address: 'Building 64, Dubai Healthcare City', lat: 25.2305, lng: 55.3235, openingHours }],
    specialties: ['cardiology', 'family-medicine'],
    status: 'active',
    createdAt: clock(),
    updatedAt: clock(),
  });
  await services.specialties.upsert({ slug: 'cardiology', name: 'Cardiology', nameAr: 'أمراض القلب', subSpecialties: [] });
  await services.specialties.upsert({ slug: 'family-medicine', name: 'Family Medicine', nameAr: 'طب الأسرة', subSpecialties: [] });
  const physician = await services.physicians.create({
    fullName: 'Dr. Salma Haddad',
    title: 'Consultant',
    gender: 'female',
    specialty: 'family-medicine',
    subSpecialties: [],
    languages: ['en', 'ar'],
    bio: 'Family physician.',
    yearsOfExperience: 12,
    price: { amount: 30000, currency: 'AED' },
    photoUrl: null,
    locationIds: ['dubai-healthcare-city'],
    userId: null,
    schedule: EVERY_DAY_8_TO_20,
  });

  const assistantOptions: AssistantOptions & { paymentLinkBase: string } = {
    services,
    llm: opts.llm ? { apiKey: 'sk-test', baseURL: opts.llm.url, model: 'scripted-model', ...(opts.maxTurns ? { maxTurns: opts.maxTurns } : {}) } : null,
    paymentLinkBase: PAY_BASE,
    ...(opts.sessionTimeoutMinutes ? { sessionTimeoutMinutes: opts.sessionTimeoutMinutes } : {}),
  };
  const assistant = createAssistant(assistantOptions);

  /** The app's procedures as a given phone's patient (to set up bookings the way the app would). */
  async function callerFor(phone: string) {
    const { userId } = await patientForPhone(services, phone, 'Other Patient');
    return { userId, caller: createCaller(createInternalContext(services, { userId, role: 'patient', sessionId: null }, 'test', 'test')) };
  }

  /** The app's procedures as a member of the clinic's staff (the staff inbox). */
  async function staffCaller() {
    const user = await services.users.createStaffUser({ email: `staff-${randomBytes(4).toString('hex')}@clinic.test`, password: 'staff-pass-123', fullName: 'Noura Staff', role: 'staff' }, clinicId.toHexString());
    return createCaller(createInternalContext(services, { userId: user.id, role: 'staff', sessionId: null, clinicId: clinicId.toHexString() }, 'test-staff', 'test'));
  }

  return {
    database,
    services,
    whatsappSent,
    staffCaller,
    physician,
    day1,
    day2: dubaiDate(2),
    day3: dubaiDate(3),
    mail,
    assistant,
    callerFor,
    clock: {
      now: clock,
      advance: (ms: number) => void (nowMs += ms),
      set: (at: Date) => void (nowMs = at.getTime()),
    },
    /** One WhatsApp message from `from` (default: the test patient). */
    say: (text: string, from = '+971501234567', profileName: string | null = 'Layla Test') => assistant.handle({ from, profileName, text, receivedAt: clock() }),
    conversation: (phone = '+971501234567') => database.cols.conversations.findOne({ _id: phone }),
    appointmentsOf: async (phone = '+971501234567') => {
      const user = await database.cols.users.findOne({ phoneIdentity: phone, email: null });
      return user ? database.cols.appointments.find({ patientId: user._id }).toArray() : [];
    },
    async close() {
      await database.db.dropDatabase();
      await database.close();
    },
  };
}
export type Harness = Awaited<ReturnType<typeof startHarness>>;
