import { describe, expect, it } from 'vitest';
import type { AppointmentStatus } from '@clinic/contracts';
import { anyZoneRange, groupByLocalDay, localDatesOf, statsOf } from './appointments.calendar.ts';

const at = (iso: string) => new Date(iso);

describe('localDatesOf', () => {
  it('lists every date of the range, both ends included, across month and year ends', () => {
    expect(localDatesOf({ from: '2026-12-30', to: '2027-01-02' }, 31)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(localDatesOf({ from: '2028-02-28', to: '2028-03-01' }, 31)).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(localDatesOf({ from: '2026-05-01', to: '2026-05-01' }, 31)).toEqual(['2026-05-01']);
  });

  it('refuses reversed, too long and impossible ranges, naming the field', () => {
    const fieldsOf = (from: string, to: string, max = 31) => {
      try {
        localDatesOf({ from, to }, max);
        return null;
      } catch (e) {
        return Object.keys((e as { fieldErrors: Record<string, string[]> }).fieldErrors);
      }
    };
    expect(fieldsOf('2026-05-02', '2026-05-01')).toEqual(['to']);
    expect(fieldsOf('2026-05-01', '2026-06-01')).toEqual(['to']); // 32 days
    expect(fieldsOf('2026-05-01', '2026-05-31')).toBeNull(); // 31 days
    expect(fieldsOf('2026-02-30', '2026-03-02')).toEqual(['from']);
    expect(fieldsOf('2026-03-01', '2026-13-01')).toEqual(['to']);
    expect(fieldsOf('2026-01-01', '2026-04-02', 92)).toBeNull();
    expect(fieldsOf('2026-01-01', '2026-04-03', 92)).toEqual(['to']);
  });
});

describe('groupByLocalDay', () => {
  it('files an instant under its local date in the zone, not its UTC date', () => {
    const items = [{ startsAt: at('2026-03-09T21:00:00Z') }, { startsAt: at('2026-03-09T19:59:00Z') }];
    const dubai = groupByLocalDay(['2026-03-09', '2026-03-10'], items, 'Asia/Dubai');
    expect(dubai.get('2026-03-09')).toEqual([items[1]]);
    expect(dubai.get('2026-03-10')).toEqual([items[0]]); // 01:00 in Dubai
    const utc = groupByLocalDay(['2026-03-09', '2026-03-10'], items, 'UTC');
    expect(utc.get('2026-03-09')).toHaveLength(2);
    expect(utc.get('2026-03-10')).toEqual([]);
  });

  it('follows a DST zone: 23:30 local on the day clocks spring forward', () => {
    // New York springs forward on 2026-03-08; 23:30 EDT is 03:30 UTC the next day.
    const grouped = groupByLocalDay(['2026-03-08', '2026-03-09'], [{ startsAt: at('2026-03-09T03:30:00Z') }], 'America/New_York');
    expect(grouped.get('2026-03-08')).toHaveLength(1);
    expect([...grouped.keys()]).toEqual(['2026-03-08', '2026-03-09']);
  });

  it("files each item under its own zone's local date when the zone is per item", () => {
    // 22:30 UTC on the 9th: 02:30 on the 10th in Dubai, still 22:30 on the 9th in London (GMT in March before the 29th).
    const items = [{ startsAt: at('2026-03-09T22:30:00Z'), tz: 'Asia/Dubai' }, { startsAt: at('2026-03-09T22:30:00Z'), tz: 'Europe/London' }];
    const grouped = groupByLocalDay(['2026-03-09', '2026-03-10'], items, (i) => i.tz);
    expect(grouped.get('2026-03-09')).toEqual([items[1]]);
    expect(grouped.get('2026-03-10')).toEqual([items[0]]);
  });
});

describe('anyZoneRange', () => {
  it('covers the local dates in the zones furthest ahead of and behind UTC', () => {
    const { from, to } = anyZoneRange('2026-03-09', '2026-03-10');
    // Midnight on the 9th at +14:00, and the end of the 10th at -12:00.
    expect(from.toISOString()).toBe('2026-03-08T10:00:00.000Z');
    expect(to.toISOString()).toBe('2026-03-11T12:00:00.000Z');
  });
});

describe('statsOf', () => {
  const item = (status: AppointmentStatus, iso: string) => ({ status, startsAt: at(iso) });

  it('counts every status, the no-show rate over known outcomes and bookings per local day', () => {
    const stats = statsOf(
      ['2026-05-01', '2026-05-02', '2026-05-03'],
      [
        item('completed', '2026-05-01T06:00:00Z'),
        item('completed', '2026-05-01T06:30:00Z'),
        item('checked_in', '2026-05-01T07:00:00Z'),
        item('no_show', '2026-05-01T07:30:00Z'),
        item('cancelled', '2026-05-01T08:00:00Z'),
        item('expired', '2026-05-02T08:00:00Z'),
        item('confirmed', '2026-05-02T21:00:00Z'), // 01:00 on the 3rd in Dubai
      ],
      'Asia/Dubai',
    );
    expect(stats.byStatus).toEqual({ pending_payment: 0, confirmed: 1, checked_in: 1, completed: 2, cancelled: 1, no_show: 1, expired: 1 });
    expect(stats.total).toBe(7);
    expect(stats.noShowRate).toBe(0.25);
    expect(stats.bookingsPerDay).toEqual([
      { date: '2026-05-01', count: 4 },
      { date: '2026-05-02', count: 0 },
      { date: '2026-05-03', count: 1 },
    ]);
    expect(stats.averagePerDay).toBe(1.67);
  });

  it('has no no-show rate while no outcome is known', () => {
    const stats = statsOf(['2026-05-01'], [item('confirmed', '2026-05-01T06:00:00Z')], 'Asia/Dubai');
    expect(stats.noShowRate).toBeNull();
    expect(statsOf(['2026-05-01'], [], 'Asia/Dubai')).toMatchObject({ total: 0, noShowRate: null, averagePerDay: 0, bookingsPerDay: [{ date: '2026-05-01', count: 0 }] });
  });
});
