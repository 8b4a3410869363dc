import { describe, expect, it } from 'vitest';
import { reminderDueAt } from './reminders.ts';

describe('reminderDueAt', () => {
  const start = new Date('2026-03-10T10:00:00Z');
  it('is the lead time before the start', () => {
    expect(reminderDueAt(start, new Date('2026-03-09T10:00:00Z'), 180)?.toISOString()).toBe('2026-03-10T07:00:00.000Z');
  });
  it('is never when the booking is made inside the lead time', () => {
    expect(reminderDueAt(start, new Date('2026-03-10T07:30:00Z'), 180)).toBeNull();
    expect(reminderDueAt(start, new Date('2026-03-10T07:00:00Z'), 180)).toBeNull();
  });
});
