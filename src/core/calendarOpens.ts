/**
 * Whether a calendar ever opens (§11). Pure.
 *
 * DECISION: a calendar must be open at least once in the ten years from its save (the horizon of
 * core/businessTime.ts). Its week must hold an interval (calendar.ts), but holidays can still close
 * every one of them: a range typed one year too far (`2026-01-01..2062-01-01`), or yearly holidays
 * that together cover the year. Every SLA target counting with such a calendar would silently get
 * no due time, never warn and never breach, so the save is refused by the holidays instead.
 */
import { nextOpening } from './businessTime.js';
import type { CalendarDefinition } from './calendar.js';

export const NEVER_OPEN =
  'With these holidays the calendar is never open in the next ten years, so SLA targets counting with it would never fall due: remove or shorten the holidays that cover its opening hours.';

/** The refusal of a calendar its holidays keep closed for the ten years from `now` (field `holidays`), or none. */
export function neverOpenFields(definition: CalendarDefinition, now: number): Record<string, string> {
  return nextOpening(definition, now) === null ? { holidays: NEVER_OPEN } : {};
}
