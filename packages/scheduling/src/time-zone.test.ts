import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkSlot, freeSlots } from './slots.ts';
import { localDateOf, toZonedIso, zonedToUtc } from './time-zone.ts';
import { DUBAI, at, dubaiRules, slotsOn, utcStarts } from './test-support.ts';

describe('Asia/Dubai', () => {
  it('renders instants as ISO 8601 with +04:00', () => {
    expect(toZonedIso(new Date('2026-12-01T05:30:00Z'), DUBAI)).toBe('2026-12-01T09:30:00+04:00');
    expect(toZonedIso(new Date('2026-12-01T20:00:00Z'), DUBAI)).toBe('2026-12-02T00:00:00+04:00');
  });

  it('converts clinic wall time to the instant and back', () => {
    const instant = zonedToUtc('2026-12-01', '09:30', DUBAI);
    expect(instant?.toISOString()).toBe('2026-12-01T05:30:00.000Z');
    expect(toZonedIso(instant!, DUBAI)).toBe('2026-12-01T09:30:00+04:00');
  });

  it('gives the clinic-local date, which can differ from the UTC date', () => {
    expect(localDateOf(new Date('2026-12-01T19:59:59Z'), DUBAI)).toBe('2026-12-01');
    expect(localDateOf(new Date('2026-12-01T20:00:00Z'), DUBAI)).toBe('2026-12-02');
  });

  it('treats "24:00" as the next local midnight', () => {
    expect(zonedToUtc('2026-12-31', '24:00', DUBAI)?.toISOString()).toBe('2026-12-31T20:00:00.000Z');
  });
});

describe('toZonedIso', () => {
  it('writes negative, zero and half-hour offsets and keeps milliseconds', () => {
    expect(toZonedIso(new Date('2026-07-01T12:00:00Z'), 'America/Los_Angeles')).toBe('2026-07-01T05:00:00-07:00');
    expect(toZonedIso(new Date('2026-07-01T12:00:00Z'), 'UTC')).toBe('2026-07-01T12:00:00+00:00');
    expect(toZonedIso(new Date('2026-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe('2026-07-01T17:30:00+05:30');
    expect(toZonedIso(new Date('2026-07-01T12:00:00.250Z'), DUBAI)).toBe('2026-07-01T16:00:00.250+04:00');
  });

  it('always denotes the same instant, parsed back by Date', () => {
    for (const zone of [DUBAI, 'Europe/London', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham']) {
      for (const iso of ['2026-03-29T00:30:00.000Z', '2026-10-25T01:15:00.000Z', '2026-11-01T06:45:00.000Z']) {
        expect(new Date(toZonedIso(new Date(iso), zone)).toISOString(), `${zone} ${iso}`).toBe(iso);
      }
    }
  });
});

describe('bad input', () => {
  it('throws on malformed dates and times instead of reporting a DST gap', () => {
    expect(() => zonedToUtc('2026-02-30', '09:00', DUBAI)).toThrow(RangeError);
    expect(() => zonedToUtc('2026-12-01', '9:00', DUBAI)).toThrow(RangeError);
    expect(() => zonedToUtc('2026-12-01', '25:00', DUBAI)).toThrow(RangeError);
  });

  it('throws on an unknown zone or an invalid Date', () => {
    expect(() => localDateOf(new Date('2026-12-01T00:00:00Z'), 'Asia/Dubay')).toThrow(RangeError);
    expect(() => toZonedIso(new Date('nope'), DUBAI)).toThrow(RangeError);
  });
});

describe('a patient in another time zone', () => {
  const now = at('2026-11-30', '08:00');

  it('gets the same instants, whatever zone their app sends times in', () => {
    const first = slotsOn(dubaiRules(), '2026-12-01', { now })[0]!;
    expect(first.start.toISOString()).toBe('2026-12-01T05:00:00.000Z');
    // 09:00 at the Dubai clinic is still Monday evening in Los Angeles.
    expect(toZonedIso(first.start, 'America/Los_Angeles')).toBe('2026-11-30T21:00:00-08:00');
    expect(localDateOf(first.start, 'America/Los_Angeles')).toBe('2026-11-30');
    for (const sent of ['2026-11-30T21:00:00-08:00', '2026-12-01T10:30:00+05:30', '2026-12-01T05:00:00Z']) {
      const result = checkSlot(dubaiRules(), new Date(sent), { now, busy: [] });
      expect(result.ok && result.slot.start.toISOString(), sent).toBe('2026-12-01T05:00:00.000Z');
    }
  });

  it('gets identical results whatever time zone the server process runs in', () => {
    // process.env.TZ cannot be changed reliably inside a running process, so ask fresh ones.
    const index = new URL('./index.ts', import.meta.url).href;
    const script = `
      import { freeSlots, localDateOf, toZonedIso, zonedToUtc } from ${JSON.stringify(index)};
      const rules = ${JSON.stringify(dubaiRules({ timeZone: 'Europe/London' }))};
      const slots = freeSlots(rules, { from: new Date('2026-03-27T00:00:00Z'), to: new Date('2026-03-31T00:00:00Z'),
        now: new Date('2026-03-01T00:00:00Z'), busy: [] });
      console.log(JSON.stringify({
        slots: slots.map((s) => s.start.toISOString()),
        local: localDateOf(new Date('2026-12-01T20:00:00Z'), 'Asia/Dubai'),
        iso: toZonedIso(new Date('2026-12-01T05:30:00Z'), 'Asia/Dubai'),
        instant: zonedToUtc('2026-10-25', '01:30', 'Europe/London').toISOString(),
      }));`;
    const expected = {
      slots: utcStarts(
        freeSlots(dubaiRules({ timeZone: 'Europe/London' }), {
          from: new Date('2026-03-27T00:00:00Z'),
          to: new Date('2026-03-31T00:00:00Z'),
          now: new Date('2026-03-01T00:00:00Z'),
          busy: [],
        }),
      ),
      local: '2026-12-02',
      iso: '2026-12-01T09:30:00+04:00',
      instant: '2026-10-25T00:30:00.000Z',
    };
    // Friday 27th and Monday 30th March in London; the clocks change on the Sunday in between.
    expect(expected.slots).toHaveLength(6 + 16);
    for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles']) {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout), tz).toEqual(expected);
    }
  });
});
