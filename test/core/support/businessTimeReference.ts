/**
 * A brute-force reference for business time (test only), written for obviousness rather than
 * speed: it looks at one whole minute at a time, converts it to the calendar's local wall-clock
 * time with Luxon and reads the definition directly. It shares nothing with src/core/businessTime.ts
 * but the calendar types.
 */
import { DateTime } from 'luxon';
import { WEEKDAYS, type CalendarDefinition, type OpeningInterval } from '../../../src/core/calendar.js';

export const MINUTE = 60_000;

/** True when the local date `date` (YYYY-MM-DD) is a holiday; yearly ones compare month-days. */
export function isHolidayDate(definition: CalendarDefinition, date: string): boolean {
  return definition.holidays.some((holiday) => {
    if (!holiday.yearly) return holiday.from <= date && date <= holiday.to;
    const monthDay = date.slice(5);
    const from = holiday.from.slice(5);
    const to = holiday.to.slice(5);
    const sameYear = holiday.from.slice(0, 4) === holiday.to.slice(0, 4);
    return sameYear ? from <= monthDay && monthDay <= to : monthDay >= from || monthDay <= to;
  });
}

const previousDates = new Map<string, string>();

/** The local date before `date`, remembered (Luxon's date arithmetic is slow next to a map). */
function previousDate(date: string): string {
  let previous = previousDates.get(date);
  if (previous === undefined) {
    previous = DateTime.fromISO(date, { zone: 'UTC' }).minus({ days: 1 }).toISODate()!;
    previousDates.set(date, previous);
  }
  return previous;
}

function runsPastMidnight(interval: OpeningInterval): boolean {
  return interval.end <= interval.start;
}

/** Is the calendar open during the whole minute that starts at `ms` (a whole minute)? */
export function referenceOpen(definition: CalendarDefinition, ms: number): boolean {
  const local = DateTime.fromMillis(ms, { zone: definition.timeZone });
  const minuteOfDay = local.hour * 60 + local.minute;
  const today = local.toISODate()!;
  const yesterday = previousDate(today);
  const todayName = WEEKDAYS[local.weekday - 1]!;
  const yesterdayName = WEEKDAYS[(local.weekday + 5) % 7]!;

  const openToday =
    !isHolidayDate(definition, today) &&
    definition.hours[todayName].some((interval) =>
      runsPastMidnight(interval) ? minuteOfDay >= interval.start : interval.start <= minuteOfDay && minuteOfDay < interval.end,
    );
  const openFromYesterday =
    !isHolidayDate(definition, yesterday) &&
    definition.hours[yesterdayName].some((interval) => runsPastMidnight(interval) && minuteOfDay < interval.end);
  return openToday || openFromYesterday;
}

/** Open or closed for each minute of [from, from + minutes × 1 min), `from` a whole minute. */
export function referenceMinutes(definition: CalendarDefinition, from: number, minutes: number): boolean[] {
  if (from % MINUTE !== 0) throw new Error('The reference walks whole minutes.');
  return Array.from({ length: minutes }, (_, i) => referenceOpen(definition, from + i * MINUTE));
}
