export const DEFAULT_TIME_ZONE = 'Asia/Dubai';
export const DEFAULT_SLOT_MINUTES = 30;

/** Local wall-clock "HH:mm"; start < end; "24:00" is allowed as an end. */
export interface TimeInterval {
  start: string;
  end: string;
}

/** 0 = Sunday … 6 = Saturday. Several intervals on one day leave breaks between them. */
export interface WeeklyHours {
  weekday: number;
  intervals: TimeInterval[];
}

/** Local "YYYY-MM-DD". No intervals = day off; otherwise these hours replace the weekly ones. */
export interface DateOverride {
  date: string;
  intervals: TimeInterval[];
}

export interface ScheduleRules {
  /** IANA time zone the wall-clock hours are in. */
  timeZone: string;
  weekly: WeeklyHours[];
  overrides: DateOverride[];
  /** Grid step and consultation length. */
  slotMinutes: number;
  /** Gap required between an existing booking and a new one, on both sides. */
  bufferMinutes: number;
  /** Earliest bookable start = now + notice. */
  minNoticeMinutes: number;
  /** Latest bookable start < now + horizonDays × 24 h. */
  horizonDays: number;
}

/** A booked or held appointment; half-open [start, end). */
export interface Busy {
  start: Date;
  end: Date;
}

export interface Slot {
  start: Date;
  end: Date;
}

export type SlotRejection =
  | 'IN_PAST'
  | 'INSIDE_NOTICE'
  | 'BEYOND_HORIZON'
  | 'DAY_OFF'
  | 'OUTSIDE_HOURS'
  | 'NOT_ON_GRID'
  | 'TAKEN';

export type SlotCheck =
  | { ok: true; slot: Slot }
  | { ok: false; reason: SlotRejection; message: string };
