import { describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import { localDateOf } from '@clinic/scheduling';
import type { MedicalPackageDoc, PhysicianDoc, UserDoc } from './documents.ts';
import {
  SECOND_CLINIC_APPOINTMENT_TARGETS,
  SEED_SECOND_CLINIC_SLUG,
  SEED_USERS,
  appointmentDocs,
  clinicDoc,
  isHeldStatus,
  packageDocs,
  physicianDocs,
  secondClinicDoc,
  secondClinicPackageDocs,
  secondClinicPhysicianDocs,
  specialtyDocs,
  userDoc,
} from './seed-data.ts';
import { formatSeedReport } from './seed.ts';

const CLINIC_ID = new ObjectId();
const LANGS = ['en', 'ar', 'hi', 'ur', 'tl', 'ml', 'fr', 'ru'];

function world(now: Date, timeZone: string) {
  const users: (UserDoc & { email: string })[] = SEED_USERS.map((u) => ({ _id: new ObjectId(), ...userDoc(u, 'x', now, CLINIC_ID) }));
  const userIds = new Map(users.map((u) => [u.email, u._id]));
  const physicians: PhysicianDoc[] = physicianDocs(now, timeZone, userIds, CLINIC_ID).map((s) => ({ _id: new ObjectId(), ...s.doc }));
  const packages: MedicalPackageDoc[] = packageDocs(now, CLINIC_ID).map((p) => ({ _id: new ObjectId(), ...p }));
  const patients = users.filter((u) => u.role === 'patient');
  return { users, physicians, packages, patients };
}

/** Local weekday and minutes since midnight, read straight from Intl. */
function local(instant: Date, timeZone: string): { weekday: number; minutes: number; date: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? '');
  return { weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute), date: `${parts.year}-${parts.month}-${parts.day}` };
}
const mins = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

describe('seed data', () => {
  const now = new Date('2026-03-10T07:12:00Z');
  const tz = 'Asia/Dubai';
  const { users, physicians, packages, patients } = world(now, tz);
  const specialties = specialtyDocs(now);

  it('has the clinic policies and zone, three located Dubai locations, and every physician at one of them', () => {
    const c = clinicDoc(now, tz);
    expect(c.timeZone).toBe(tz);
    expect(c.policies).toEqual({ cancellationCutoffHours: 24, minNoticeMinutes: 120, horizonDays: 60, holdMinutes: 15, paymentRequired: false, reminderLeadMinutes: 180, noShowAfterMinutes: 15 });
    expect(c.locations.map((l) => l.id)).toEqual(['dubai-healthcare-city', 'jumeirah', 'al-barsha']);
    for (const l of c.locations) {
      expect(l.emirate).toBe('dubai');
      expect(l.nameAr).toMatch(/[\u0600-\u06FF]/);
      expect(l.lat).toBeGreaterThan(24.9);
      expect(l.lng).toBeGreaterThan(55);
    }
    for (const p of physicians) {
      expect(p.clinicId).toEqual(CLINIC_ID);
      expect(p.locationIds).toHaveLength(1);
      expect(c.locations.map((l) => l.id)).toContain(p.locationIds[0]);
    }
  });

  it('has 12 specialties with Arabic names and 2–4 sub-specialties', () => {
    expect(specialties).toHaveLength(12);
    for (const s of specialties) {
      expect(s._id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(s.nameAr).toMatch(/[\u0600-\u06FF]/);
      expect(s.subSpecialties.length).toBeGreaterThanOrEqual(2);
      expect(s.subSpecialties.length).toBeLessThanOrEqual(4);
    }
  });

  it('has ~25 consistent physicians, four of them with logins', () => {
    expect(physicians).toHaveLength(25);
    expect(new Set(physicians.map((p) => p.fullName)).size).toBe(25);
    const withLogin = physicians.filter((p) => p.userId);
    expect(withLogin.map((p) => users.find((u) => u._id.equals(p.userId!))?.email).sort()).toEqual(
      ['dr.fatima@clinic.test', 'dr.khalid@clinic.test', 'dr.rahul@clinic.test', 'dr.sara@clinic.test'],
    );
    const today = localDateOf(now, tz);
    const in30 = localDateOf(new Date(now.getTime() + 30 * 86_400_000), tz);
    for (const p of physicians) {
      const spec = specialties.find((s) => s._id === p.specialty);
      expect(spec, p.fullName).toBeDefined();
      for (const sub of p.subSpecialties) expect(spec!.subSpecialties.map((s) => s.slug)).toContain(sub);
      expect(p.languages).toContain('en');
      for (const l of p.languages) expect(LANGS).toContain(l);
      expect(p.price.amount).toBeGreaterThanOrEqual(15000);
      expect(p.price.amount).toBeLessThanOrEqual(90000);
      expect(p.ratingAverage).toBe(p.rating.count === 0 ? null : Math.round((p.rating.sum / p.rating.count) * 10) / 10);
      expect([15, 20, 30]).toContain(p.schedule.slotMinutes);
      expect([0, 5, 10]).toContain(p.schedule.bufferMinutes);
      for (const o of p.schedule.overrides) {
        expect(o.date > today && o.date <= in30, `${p.fullName} ${o.date}`).toBe(true);
      }
    }
    expect(physicians.filter((p) => !p.active).length).toBeGreaterThanOrEqual(1);
    expect(physicians.filter((p) => p.rating.count === 0).length).toBeGreaterThanOrEqual(2);
    expect(physicians.some((p) => p.schedule.overrides.some((o) => o.intervals.length === 0))).toBe(true);
    expect(physicians.some((p) => p.schedule.overrides.some((o) => o.intervals.length > 0))).toBe(true);
  });

  it('has 10 patients', () => {
    expect(patients).toHaveLength(10);
  });

  for (const zone of ['Asia/Dubai', 'Europe/London']) {
    it(`makes valid, reproducible appointments (${zone})`, () => {
      const w = zone === tz ? { physicians, patients, packages } : world(now, zone);
      const appts = appointmentDocs({ now, timeZone: zone, physicians: w.physicians, patients: w.patients, packages: w.packages });
      expect(appts.length).toBeGreaterThanOrEqual(180);
      expect(appts.length).toBeLessThanOrEqual(220);
      expect(appointmentDocs({ now, timeZone: zone, physicians: w.physicians, patients: w.patients, packages: w.packages })).toEqual(appts);

      const statuses = new Set(appts.map((a) => a.status));
      for (const s of ['completed', 'no_show', 'cancelled', 'expired', 'confirmed', 'pending_payment']) expect(statuses, s).toContain(s);
      // `now` is a Tuesday late morning in Dubai: some clinic is running.
      if (zone === tz) expect(statuses).toContain('checked_in');

      const slotKeys = new Set<string>();
      const patientKeys = new Set<string>();
      const heldByPhysician = new Map<string, { s: number; e: number }[]>();
      for (const a of appts) {
        const p = w.physicians.find((x) => x._id.equals(a.physicianId))!;
        expect(p.active).toBe(true);
        expect(a.endsAt.getTime() - a.startsAt.getTime()).toBe(p.schedule.slotMinutes * 60_000);
        const l = local(a.startsAt, zone);
        const intervals = p.schedule.weekly.filter((x) => x.weekday === l.weekday).flatMap((x) => x.intervals);
        const inside = intervals.find((iv) => l.minutes >= mins(iv.start) && l.minutes + p.schedule.slotMinutes <= mins(iv.end));
        expect(inside, `${p.fullName} ${a.startsAt.toISOString()}`).toBeDefined();
        expect((l.minutes - mins(inside!.start)) % p.schedule.slotMinutes).toBe(0);
        expect(p.schedule.overrides.map((o) => o.date)).not.toContain(l.date);
        expect(a.startsAt.getTime()).toBeGreaterThanOrEqual(now.getTime() - 30 * 86_400_000);
        expect(a.startsAt.getTime()).toBeLessThan(now.getTime() + 21 * 86_400_000);

        const held = isHeldStatus(a.status);
        const iso = a.startsAt.toISOString();
        expect(a.slotKey).toBe(held ? `${a.physicianId.toHexString()}|${iso}` : `released|${a._id.toHexString()}`);
        expect(a.patientSlotKey).toBe(held ? `${a.patientId.toHexString()}|${iso}` : `released|${a._id.toHexString()}`);
        expect(slotKeys.has(a.slotKey)).toBe(false);
        expect(patientKeys.has(a.patientSlotKey)).toBe(false);
        slotKeys.add(a.slotKey);
        patientKeys.add(a.patientSlotKey);
        if (held) {
          const list = heldByPhysician.get(a.physicianId.toHexString()) ?? [];
          const b = p.schedule.bufferMinutes * 60_000;
          for (const o of list) expect(a.startsAt.getTime() >= o.e + b || a.endsAt.getTime() + b <= o.s).toBe(true);
          list.push({ s: a.startsAt.getTime(), e: a.endsAt.getTime() });
          heldByPhysician.set(a.physicianId.toHexString(), list);
        }

        const past = a.endsAt.getTime() <= now.getTime();
        if (past) expect(['completed', 'no_show', 'cancelled', 'expired']).toContain(a.status);
        else expect(['confirmed', 'pending_payment', 'cancelled', 'checked_in']).toContain(a.status);
        expect(a.holdExpiresAt?.getTime() ?? null).toBe(a.status === 'pending_payment' ? now.getTime() + 15 * 60_000 : null);
        expect(a.cancellation !== null).toBe(a.status === 'cancelled');
        if (a.cancellation) expect(a.cancellation.at.getTime()).toBeLessThanOrEqual(Math.min(now.getTime(), a.startsAt.getTime()));
        expect(a.history.at(-1)?.status).toBe(a.status);
        for (const h of a.history) expect(h.at.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(a.createdAt.getTime()).toBeLessThanOrEqual(a.startsAt.getTime());
        const patient = w.patients.find((x) => x._id.equals(a.patientId))!;
        expect(a.patient).toEqual({ name: patient.fullName, phone: patient.phone, email: patient.email });
        const pkg = a.packageId ? w.packages.find((x) => x._id.equals(a.packageId!)) : undefined;
        expect(a.price).toEqual(pkg ? pkg.price : p.price);
      }
      // Patients never hold two overlapping bookings.
      for (const pt of w.patients) {
        const mine = appts.filter((a) => a.patientId.equals(pt._id) && isHeldStatus(a.status)).sort((x, y) => x.startsAt.getTime() - y.startsAt.getTime());
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.startsAt.getTime()).toBeGreaterThanOrEqual(mine[i - 1]!.endsAt.getTime());
      }
      expect(appts.some((a) => a.packageId !== null)).toBe(true);
    });
  }
});

describe('seed data: the second clinic, Al Reem Family Practice in Abu Dhabi', () => {
  const now = new Date('2026-03-10T07:12:00Z');
  const tz = 'Asia/Dubai';
  const NOOR = new ObjectId();
  const REEM = new ObjectId();
  const clinicIdOf = (u: (typeof SEED_USERS)[number]) => (u.clinicSlug === SEED_SECOND_CLINIC_SLUG ? REEM : NOOR);
  const users: (UserDoc & { email: string })[] = SEED_USERS.map((u) => ({ _id: new ObjectId(), ...userDoc(u, 'x', now, clinicIdOf(u)) }));
  const userIds = new Map(users.map((u) => [u.email, u._id]));
  const patients = users.filter((u) => u.role === 'patient');
  const noorPhysicians: PhysicianDoc[] = physicianDocs(now, tz, userIds, NOOR).map((s) => ({ _id: new ObjectId(), ...s.doc }));
  const reemPhysicians: PhysicianDoc[] = secondClinicPhysicianDocs(now, tz, userIds, REEM).map((s) => ({ _id: new ObjectId(), ...s.doc }));
  const noorPackages: MedicalPackageDoc[] = packageDocs(now, NOOR).map((p) => ({ _id: new ObjectId(), ...p }));
  const reemPackages: MedicalPackageDoc[] = secondClinicPackageDocs(now, REEM).map((p) => ({ _id: new ObjectId(), ...p }));
  const c = secondClinicDoc(now, tz);

  it('is an active Abu Dhabi practice of its own: slug, names, legal name and VAT TRN, one located Al Reem Island location', () => {
    const noor = clinicDoc(now, tz);
    expect(c).toMatchObject({ slug: 'al-reem-family-practice', name: 'Al Reem Family Practice', status: 'active', timeZone: tz, currency: 'AED' });
    expect(c.nameAr).toMatch(/[\u0600-\u06FF]/);
    expect(c.legalName).not.toBe(noor.legalName);
    expect(c.vatTrn).toMatch(/^\d{15}$/);
    expect(c.vatTrn).not.toBe(noor.vatTrn);
    expect(c.locations).toHaveLength(1);
    expect(c.locations[0]).toMatchObject({ id: 'al-reem-island', emirate: 'abu-dhabi', area: 'Al Reem Island', lat: 24.4989, lng: 54.404 });
    expect(c.locations[0]!.nameAr).toMatch(/[\u0600-\u06FF]/);
    const slugs = specialtyDocs(now).map((s) => s._id);
    expect(c.specialties.length).toBeGreaterThanOrEqual(2);
    for (const sp of c.specialties) expect(slugs).toContain(sp);
  });

  it('has its own admin, staff and doctors; patients and the operator belong to no clinic', () => {
    const reemStaff = users.filter((u) => u.clinicId?.equals(REEM));
    expect(reemStaff.map((u) => u.role).sort()).toEqual(['admin', 'doctor', 'doctor', 'doctor', 'staff']);
    expect(users.filter((u) => u.clinicId?.equals(NOOR)).map((u) => u.email)).toEqual(
      ['admin@clinic.test', 'reception@clinic.test', 'nurse@clinic.test', 'dr.khalid@clinic.test', 'dr.sara@clinic.test', 'dr.rahul@clinic.test', 'dr.fatima@clinic.test'],
    );
    for (const u of users.filter((x) => x.role === 'patient' || x.role === 'operator')) expect(u.clinicId).toBeNull();
  });

  it("its doctors are its physicians, at its location, with schedules inside its opening hours", () => {
    expect(reemPhysicians).toHaveLength(3);
    const locationIds = c.locations.map((l) => l.id);
    const doctors = users.filter((u) => u.role === 'doctor' && u.clinicId?.equals(REEM));
    expect(reemPhysicians.map((p) => p.userId!.toHexString()).sort()).toEqual(doctors.map((d) => d._id.toHexString()).sort());
    expect(new Set(reemPhysicians.map((p) => p.specialty)).size).toBe(3);
    for (const p of reemPhysicians) {
      expect(p.clinicId).toEqual(REEM);
      expect(p.active).toBe(true);
      expect(p.locationIds.length).toBeGreaterThan(0);
      for (const id of p.locationIds) expect(locationIds).toContain(id);
      expect(c.specialties).toContain(p.specialty);
      expect(p.schedule.weekly.length).toBeGreaterThanOrEqual(5);
      for (const day of p.schedule.weekly) {
        const hours = c.locations[0]!.openingHours.find((h) => h.weekday === day.weekday);
        expect(hours, `${p.fullName} weekday ${day.weekday}`).toBeDefined();
        for (const i of day.intervals) {
          expect(mins(i.start)).toBeGreaterThanOrEqual(mins(hours!.open));
          expect(mins(i.end)).toBeLessThanOrEqual(mins(hours!.close));
        }
      }
    }
    // No name is shared with Al Noor's physicians.
    for (const p of reemPhysicians) expect(noorPhysicians.map((x) => x.fullName)).not.toContain(p.fullName);
  });

  it('has packages of its own clinic, named apart from Al Noor’s', () => {
    expect(reemPackages.length).toBeGreaterThanOrEqual(2);
    for (const p of reemPackages) {
      expect(p.clinicId).toEqual(REEM);
      expect(noorPackages.map((x) => x.name)).not.toContain(p.name);
    }
    for (const p of noorPackages) expect(p.clinicId).toEqual(NOOR);
  });

  it("books patients at both clinics, each appointment at its physician's clinic, never overlapping a patient's other booking", () => {
    const noorAppts = appointmentDocs({ now, timeZone: tz, physicians: noorPhysicians, patients, packages: noorPackages });
    const reemAppts = appointmentDocs({ now, timeZone: tz, physicians: reemPhysicians, patients, packages: reemPackages, seed: 7, targets: SECOND_CLINIC_APPOINTMENT_TARGETS, patientsBusy: noorAppts });
    expect(reemAppts.length).toBeGreaterThanOrEqual(25);
    expect(reemAppts.length).toBeLessThanOrEqual(SECOND_CLINIC_APPOINTMENT_TARGETS.past + SECOND_CLINIC_APPOINTMENT_TARGETS.upcoming);
    for (const a of reemAppts) {
      expect(a.clinicId).toEqual(REEM);
      expect(reemPhysicians.map((p) => p._id.toHexString())).toContain(a.physicianId.toHexString());
      if (a.packageId) expect(reemPackages.map((p) => p._id.toHexString())).toContain(a.packageId.toHexString());
      const held = isHeldStatus(a.status);
      expect(a.slotKey).toBe(held ? `${a.physicianId.toHexString()}|${a.startsAt.toISOString()}` : `released|${a._id.toHexString()}`);
    }
    for (const a of noorAppts) expect(a.clinicId).toEqual(NOOR);
    const atBoth = patients.filter((pt) => noorAppts.some((a) => a.patientId.equals(pt._id)) && reemAppts.some((a) => a.patientId.equals(pt._id)));
    expect(atBoth.length).toBeGreaterThanOrEqual(1);
    const all = [...noorAppts, ...reemAppts];
    expect(new Set(all.map((a) => a.patientSlotKey)).size).toBe(all.length);
    for (const pt of patients) {
      const mine = all.filter((a) => a.patientId.equals(pt._id) && isHeldStatus(a.status)).sort((x, y) => x.startsAt.getTime() - y.startsAt.getTime());
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.startsAt.getTime()).toBeGreaterThanOrEqual(mine[i - 1]!.endsAt.getTime());
    }
  });

  it('the seed report lists the accounts clinic by clinic, then the platform’s', () => {
    const accounts = SEED_USERS.map((u) => ({
      email: u.email,
      role: u.role,
      clinic: u.role === 'patient' || u.role === 'operator' ? null : u.clinicSlug === SEED_SECOND_CLINIC_SLUG ? { slug: c.slug, name: c.name } : { slug: 'al-noor-family-clinic', name: 'Al Noor Family Clinic' },
    }));
    const text = formatSeedReport({ created: { clinics: 2 }, existing: {}, accounts }, 'pw');
    const lines = text.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(at('Al Noor Family Clinic (al-noor-family-clinic):')).toBeGreaterThan(0);
    expect(at('Al Reem Family Practice (al-reem-family-practice):')).toBeGreaterThan(at('Al Noor Family Clinic ('));
    expect(at('Platform')).toBeGreaterThan(at('Al Reem Family Practice ('));
    expect(at('admin@clinic.test')).toBeGreaterThan(at('Al Noor Family Clinic ('));
    expect(at('admin@clinic.test')).toBeLessThan(at('Al Reem Family Practice ('));
    for (const e of ['admin@alreem.test', 'reception@alreem.test', 'dr.hessa@alreem.test']) {
      expect(at(e)).toBeGreaterThan(at('Al Reem Family Practice ('));
      expect(at(e)).toBeLessThan(at('Platform'));
    }
    expect(at('operator@platform.test')).toBeGreaterThan(at('Platform'));
    expect(at('omar@patient.test')).toBeGreaterThan(at('Platform'));
    expect(text).toContain('Accounts (password "pw")');
  });
});
