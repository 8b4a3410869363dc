import { describe, expect, it } from 'vitest';
import { ObjectId, type AppointmentDoc } from '@clinic/db';
import { confirmationFor, formatWhen, reminderFor } from './appointments.messages.ts';

const clinic = { name: 'Al Noor Clinic', phone: '+97143334444', timeZone: 'Asia/Dubai' };
const at = new Date('2026-03-10T11:30:00Z'); // 15:30 in Dubai
/** ICU versions differ in the joiner ("…March, 15:30" / "…March at 15:30"); the parts are what matter. */
const when = formatWhen(at, 'Asia/Dubai');

function appointment(history: AppointmentDoc['history']): AppointmentDoc {
  const patientId = new ObjectId();
  return {
    _id: new ObjectId(),
    clinicId: new ObjectId(),
    physicianId: new ObjectId(),
    physicianName: 'Dr. Salma Haddad',
    patientId,
    patient: { name: 'Layla', phone: '+971501234567', email: 'layla@example.test' },
    slotKey: 'k',
    patientSlotKey: 'p',
    startsAt: at,
    endsAt: new Date(at.getTime() + 30 * 60_000),
    status: 'confirmed',
    reason: 'Check-up',
    packageId: null,
    price: { amount: 30000, currency: 'AED' },
    holdExpiresAt: null,
    reminderDueAt: null,
    reminderSentAt: null,
    confirmationDueAt: null,
    cancellation: null,
    history,
    createdAt: at,
    updatedAt: at,
  };
}

describe('patient messages about an appointment', () => {
  it('shows the start on the clinic wall clock, whatever the server zone', () => {
    expect(when).toMatch(/^Tuesday 10 March\b.*\b15:30$/);
    expect(formatWhen(at, 'Europe/London')).toMatch(/^Tuesday 10 March\b.*\b11:30$/);
  });

  it('a confirmation names the physician and the clinic time, and carries the same template variables as the reminder', () => {
    const a = appointment([{ status: 'confirmed', at, by: null, note: 'paid' }]);
    const n = confirmationFor(a, clinic);
    expect(n.kind).toBe('booking_confirmed');
    expect(n.subject).toBe(`Al Noor Clinic: your appointment with Dr. Salma Haddad on ${when} is confirmed`);
    expect(n.text).toContain(`Your appointment with Dr. Salma Haddad on ${when} (clinic time) is confirmed.`);
    expect(n.text).toContain('call us on +97143334444');
    expect(n.to).toEqual({ userId: a.patientId.toHexString(), name: 'Layla', phone: '+971501234567', email: 'layla@example.test' });
    expect(n.data).toEqual({ patientName: 'Layla', physicianName: 'Dr. Salma Haddad', when, appointmentId: a._id.toHexString() });
    expect(Object.keys(n.data)).toEqual(Object.keys(reminderFor(a, clinic).data));
    expect(n.subject).not.toMatch(/reminder/i);
  });

  it('after a reschedule it says the appointment moved', () => {
    const a = appointment([
      { status: 'confirmed', at, by: null },
      { status: 'confirmed', at, by: null, note: 'rescheduled from 2026-03-09T11:30:00.000Z' },
    ]);
    const n = confirmationFor(a, clinic);
    expect(n.subject).toBe(`Al Noor Clinic: your appointment with Dr. Salma Haddad has moved to ${when}`);
    expect(n.text).toContain(`has moved to ${when} (clinic time) and is confirmed for that time.`);
  });

  it('a hold moved and then paid is confirmed, not "moved"', () => {
    const a = appointment([
      { status: 'pending_payment', at, by: null },
      { status: 'pending_payment', at, by: null, note: 'rescheduled from 2026-03-09T11:30:00.000Z' },
      { status: 'confirmed', at, by: null, note: 'paid' },
    ]);
    expect(confirmationFor(a, clinic).subject).toMatch(/is confirmed$/);
  });
});
