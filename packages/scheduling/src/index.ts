export * from './types.ts';
export { ScheduleRulesError, validateRules } from './rules.ts';
export { addLocalDays, localDateOf, localDayRange, toZonedIso, zonedToUtc } from './time-zone.ts';
export { DAY_MS } from './civil.ts';
export { checkSlot, freeSlots, nextFreeSlot } from './slots.ts';
export { reminderDueAt } from './reminders.ts';
