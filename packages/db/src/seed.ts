import { ObjectId } from 'mongodb';
import type { Role } from '@clinic/contracts';
import type { Database } from './client.ts';
import type { ClinicInfoDoc } from './documents.ts';

export interface SeedOptions {
  hashPassword(password: string): Promise<string>;
  /** Password given to every seeded account. */
  password: string;
  now?: Date;
  timeZone?: string;
}

export interface SeedReport {
  created: Record<string, number>;
  existing: Record<string, number>;
  accounts: { email: string; role: Role }[];
}

interface SeedUser {
  email: string;
  fullName: string;
  role: Role;
  phone: string;
  physician?: { title: string; specialty: string };
}

const USERS: SeedUser[] = [
  { email: 'admin@clinic.test', fullName: 'Aisha Al Mansoori', role: 'admin', phone: '+971501000001' },
  { email: 'reception@clinic.test', fullName: 'Maria Santos', role: 'staff', phone: '+971501000002' },
  { email: 'nurse@clinic.test', fullName: 'Priya Nair', role: 'staff', phone: '+971501000003' },
  { email: 'dr.khalid@clinic.test', fullName: 'Khalid Al Hashimi', role: 'doctor', phone: '+971501000011', physician: { title: 'Consultant Cardiologist', specialty: 'cardiology' } },
  { email: 'dr.sara@clinic.test', fullName: 'Sara Haddad', role: 'doctor', phone: '+971501000012', physician: { title: 'Specialist Pediatrician', specialty: 'pediatrics' } },
  { email: 'dr.rahul@clinic.test', fullName: 'Rahul Menon', role: 'doctor', phone: '+971501000013', physician: { title: 'Specialist Dermatologist', specialty: 'dermatology' } },
  { email: 'dr.fatima@clinic.test', fullName: 'Fatima Zahra', role: 'doctor', phone: '+971501000014', physician: { title: 'Consultant Obstetrician & Gynaecologist', specialty: 'obstetrics-gynaecology' } },
  { email: 'omar@patient.test', fullName: 'Omar Farouk', role: 'patient', phone: '+971551000001' },
  { email: 'jennifer@patient.test', fullName: 'Jennifer Cruz', role: 'patient', phone: '+971551000002' },
  { email: 'imran@patient.test', fullName: 'Imran Qureshi', role: 'patient', phone: '+971551000003' },
];

function clinicInfo(now: Date, timeZone: string): Omit<ClinicInfoDoc, '_id'> {
  const weekdays = [0, 1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '08:00', close: '21:00' }));
  return {
    name: 'Al Noor Family Clinic',
    address: { line1: 'Building 4, Dubai Healthcare City', area: 'Oud Metha', city: 'Dubai', emirate: 'Dubai', country: 'AE' },
    phone: '+97143000000',
    email: 'hello@alnoor-clinic.test',
    timeZone,
    openingHours: [...weekdays, { weekday: 6, open: '09:00', close: '14:00' }],
    createdAt: now,
    updatedAt: now,
  };
}

/** Idempotent: creates what is missing (matched by email / by owner) and leaves existing records alone. */
export async function seedDatabase(database: Database, opts: SeedOptions): Promise<SeedReport> {
  const now = opts.now ?? new Date();
  const { cols } = database;
  const report: SeedReport = { created: {}, existing: {}, accounts: [] };
  const count = (bucket: 'created' | 'existing', what: string) => (report[bucket][what] = (report[bucket][what] ?? 0) + 1);

  const passwordHash = await opts.hashPassword(opts.password);
  for (const u of USERS) {
    const res = await cols.users.findOneAndUpdate(
      { email: u.email },
      {
        $setOnInsert: {
          _id: new ObjectId(),
          email: u.email,
          passwordHash,
          fullName: u.fullName,
          phone: u.phone,
          role: u.role,
          emailVerifiedAt: now,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        },
      },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    count(res.lastErrorObject?.updatedExisting ? 'existing' : 'created', 'users');
    report.accounts.push({ email: u.email, role: u.role });
    if (u.physician && res.value) {
      const p = await cols.physicians.updateOne(
        { userId: res.value._id },
        {
          $setOnInsert: {
            _id: new ObjectId(),
            userId: res.value._id,
            fullName: `Dr. ${u.fullName}`,
            title: u.physician.title,
            specialty: u.physician.specialty,
            active: true,
            createdAt: now,
            updatedAt: now,
          },
        },
        { upsert: true },
      );
      count(p.upsertedCount ? 'created' : 'existing', 'physicians');
    }
  }

  const clinic = await cols.clinicInfo.updateOne({}, { $setOnInsert: { _id: new ObjectId(), ...clinicInfo(now, opts.timeZone ?? 'Asia/Dubai') } }, { upsert: true });
  count(clinic.upsertedCount ? 'created' : 'existing', 'clinic_info');
  return report;
}

export function formatSeedReport(r: SeedReport, password: string): string {
  const line = (b: Record<string, number>) => Object.entries(b).map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing';
  return [
    `Seed: created ${line(r.created)}; already present ${line(r.existing)}.`,
    `Accounts (password "${password}"):`,
    ...r.accounts.map((a) => `  ${a.role.padEnd(7)} ${a.email}`),
  ].join('\n');
}
