import { describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import { localDateOf } from '@clinic/scheduling';
import type { MedicalPackageDoc, PhysicianDoc, UserDoc } from './documents.ts';
import {
  SEED_USERS,
  appointmentDocs,
  clinicDoc,
  isHeldStatus,
  packageDocs,
  physicianDocs,
  specialtyDocs,
  userDoc,
} from './seed-data.ts';

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
