import {
  DAY_MS,
  MINUTE_MS,
  MINUTES_PER_DAY,
  formatWallTime,
  parseCivilDate,
  parseWallTime,
  weekdayName,
  weekdayOf,
} from './civil.ts';
import { isKnownTimeZone } from './time-zone.ts';
import type { ScheduleRules, TimeInterval } from './types.ts';

/** Working hours as minutes since local midnight, half-open [start, end). */
export interface MinuteInterval {
  start: number;
  end: number;
}

/** Rules parsed once per call so the slot loops do integer arithmetic only. */
export interface PreparedRules {
  timeZone: string;
  slotMinutes: number;
  slotMs: number;
  bufferMs: number;
  noticeMs: number;
  horizonMs: number;
  /** Index = weekday; intervals sorted by start. */
  weekly: MinuteInterval[][];
  /** Key = day number of the local date. */
  overrides: Map<number, MinuteInterval[]>;
}

/** Thrown by the slot functions when given rules that validateRules would reject. */
export class ScheduleRulesError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid schedule rules: ${problems.join(' ')}`);
    this.name = 'ScheduleRulesError';
    this.problems = problems;
  }
}

/** Human-readable problems with the rules; [] when they are usable. */
export function validateRules(rules: ScheduleRules): string[] {
  return analyse(rules).problems;
}

/** Parses the rules, refusing invalid ones: a bad slot length would otherwise loop forever. */
export function prepareRules(rules: ScheduleRules): PreparedRules {
  const { problems, prepared } = analyse(rules);
  if (problems.length > 0) throw new ScheduleRulesError(problems);
  return prepared;
}

export function intervalsOn(rules: PreparedRules, day: number): MinuteInterval[] {
  return rules.overrides.get(day) ?? rules.weekly[weekdayOf(day)] ?? [];
}

export function describeIntervals(intervals: readonly MinuteInterval[]): string {
  return intervals.map((iv) => `${formatWallTime(iv.start)}–${formatWallTime(iv.end)}`).join(', ');
}

function analyse(rules: ScheduleRules): { problems: string[]; prepared: PreparedRules } {
  const problems: string[] = [];
  const weekly: MinuteInterval[][] = [[], [], [], [], [], [], []];
  const overrides = new Map<number, MinuteInterval[]>();
  const prepared: PreparedRules = {
    timeZone: '',
    slotMinutes: 0,
    slotMs: 0,
    bufferMs: 0,
    noticeMs: 0,
    horizonMs: 0,
    weekly,
    overrides,
  };
  if (rules === null || typeof rules !== 'object') {
    return { problems: ['The schedule rules are missing.'], prepared };
  }

  if (isKnownTimeZone(rules.timeZone)) prepared.timeZone = rules.timeZone;
  else problems.push(`timeZone: ${JSON.stringify(rules.timeZone)} is not a known IANA time zone.`);

  prepared.slotMinutes = wholeNumber(problems, 'slotMinutes', rules.slotMinutes, 1, MINUTES_PER_DAY);
  prepared.slotMs = prepared.slotMinutes * MINUTE_MS;
  prepared.bufferMs = wholeNumber(problems, 'bufferMinutes', rules.bufferMinutes, 0) * MINUTE_MS;
  prepared.noticeMs = wholeNumber(problems, 'minNoticeMinutes', rules.minNoticeMinutes, 0) * MINUTE_MS;
  prepared.horizonMs = wholeNumber(problems, 'horizonDays', rules.horizonDays, 1) * DAY_MS;

  if (!Array.isArray(rules.weekly)) {
    problems.push('weekly: must be a list of weekdays with their hours.');
  } else {
    // Several entries for one weekday are merged, so overlaps are checked across all of them.
    rules.weekly.forEach((entry, i) => {
      const path = `weekly[${i}]`;
      const weekday: unknown = entry?.weekday;
      const intervals = parseIntervals(problems, path, entry?.intervals);
      if (typeof weekday !== 'number' || !Number.isInteger(weekday) || weekday < 0 || weekday > 6) {
        problems.push(`${path}.weekday: ${JSON.stringify(weekday)} is out of range (0 = Sunday … 6 = Saturday).`);
        return;
      }
      weekly[weekday]!.push(...intervals);
    });
    weekly.forEach((intervals, weekday) => sortAndCheckOverlaps(problems, `weekly (${weekdayName(weekday)})`, intervals));
  }

  if (!Array.isArray(rules.overrides)) {
    problems.push('overrides: must be a list of dates with their hours.');
  } else {
    rules.overrides.forEach((entry, i) => {
      const path = `overrides[${i}]`;
      const date: unknown = entry?.date;
      const intervals = parseIntervals(problems, path, entry?.intervals);
      const day = parseCivilDate(date);
      if (day === null) {
        problems.push(`${path}.date: ${JSON.stringify(date)} is not a calendar date in YYYY-MM-DD form.`);
        return;
      }
      // Two overrides for one date would make the hours depend on list order.
      if (overrides.has(day)) {
        problems.push(`${path}.date: ${String(date)} has more than one override.`);
        return;
      }
      sortAndCheckOverlaps(problems, `${path} (${String(date)})`, intervals);
      overrides.set(day, intervals);
    });
  }

  return { problems, prepared };
}

function wholeNumber(problems: string[], field: string, value: unknown, min: number, max?: number): number {
  const ok =
    typeof value === 'number' && Number.isInteger(value) && value >= min && (max === undefined || value <= max);
  if (ok) return value;
  const range = max === undefined ? `${min} or more` : `from ${min} to ${max}`;
  problems.push(`${field}: must be a whole number ${range} (got ${JSON.stringify(value)}).`);
  return min;
}

function parseIntervals(problems: string[], path: string, list: TimeInterval[] | undefined): MinuteInterval[] {
  if (!Array.isArray(list)) {
    problems.push(`${path}.intervals: must be a list of {start, end} times.`);
    return [];
  }
  const parsed: MinuteInterval[] = [];
  list.forEach((iv, j) => {
    const here = `${path}.intervals[${j}]`;
    const startText: unknown = iv?.start;
    const endText: unknown = iv?.end;
    const start = parseWallTime(startText, false);
    const end = parseWallTime(endText, true);
    if (start === null) problems.push(`${here}.start: ${JSON.stringify(startText)} is not a time of day in HH:mm form.`);
    if (end === null) problems.push(`${here}.end: ${JSON.stringify(endText)} is not a time of day in HH:mm form.`);
    if (start === null || end === null) return;
    if (start >= end) {
      problems.push(`${here}: starts at ${formatWallTime(start)} but ends at ${formatWallTime(end)}; the start must come first.`);
      return;
    }
    parsed.push({ start, end });
  });
  return parsed;
}

function sortAndCheckOverlaps(problems: string[], label: string, intervals: MinuteInterval[]): void {
  intervals.sort((a, b) => a.start - b.start);
  for (let i = 1; i < intervals.length; i++) {
    const prev = intervals[i - 1]!;
    const cur = intervals[i]!;
    // Touching intervals (12:00–13:00, 13:00–14:00) are fine; only a real overlap is ambiguous.
    if (cur.start < prev.end) {
      problems.push(`${label}: ${describeIntervals([prev])} overlaps ${describeIntervals([cur])}.`);
    }
  }
}
