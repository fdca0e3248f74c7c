/**
 * Placeholder until the business-time arithmetic lands: the 24/7 calendar only.
 */
import type { SlaCalendar } from './calendar.js';

export function addBusinessTime(calendar: SlaCalendar, start: number, amountMs: number): number | null {
  if (calendar !== null) throw new Error('Business calendars are not supported yet.');
  return start + amountMs;
}

export function businessTimeBetween(calendar: SlaCalendar, from: number, to: number): number {
  if (calendar !== null) throw new Error('Business calendars are not supported yet.');
  return Math.max(0, to - from);
}
