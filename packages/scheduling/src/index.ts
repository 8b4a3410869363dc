export * from './types.ts';
export { ScheduleRulesError, validateRules } from './rules.ts';
export { localDateOf, toZonedIso, zonedToUtc } from './time-zone.ts';
export { checkSlot, freeSlots, nextFreeSlot } from './slots.ts';
