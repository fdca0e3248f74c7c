/**
 * Business-hours calendars (§11): the shape every layer shares. Pure.
 *
 * A calendar is a time zone, weekly opening intervals and holidays. Times of day are minutes after
 * local midnight. An interval whose end is not after its start runs past midnight into the next
 * day (Friday 22:00–06:00 is `{ start: 1320, end: 360 }` on `fri`; an interval whose end equals its
 * start is empty and refused); it belongs to the day it
 * starts on, so a holiday on that day closes the whole interval, including its hours after midnight,
 * and a holiday on the next day does not shorten it.
 *
 * The calendar is open at an instant when the instant's local wall-clock time (in `timeZone`) lies
 * in one of the intervals of a local day that is not a holiday. "Local wall-clock time" is what a
 * clock on the office wall shows: on a day when clocks jump forward the skipped hour never happens,
 * and on a day when they fall back the repeated hour is open twice if it lies in an interval.
 *
 * The built-in calendar `24/7` is always open; it is not stored, and code that sees it skips all
 * calendar arithmetic (so SLA clocks behave exactly as before calendars existed).
 */
import { Checked } from './checked.js';
import { invalidInput } from './errors.js';

/** Days in the order the API and the pages list them. Luxon's weekday is index + 1. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening interval in minutes after local midnight, 0..1439 for start, 0..1440 for end. */
export interface OpeningInterval {
  start: number;
  /** Before `start`: the interval runs past midnight and ends at `end` the next day. */
  end: number;
}

/**
 * A holiday: the local dates `from`..`to` inclusive (`YYYY-MM-DD`), every year when `yearly`. A
 * yearly holiday repeats by month and day in every year (before `from`'s year too); one whose `to`
 * lies in the next year crosses new year (Dec 24 – Jan 1); Feb 29 exists only in leap years.
 */
export interface Holiday {
  from: string;
  to: string;
  yearly: boolean;
}

export interface CalendarDefinition {
  /** An IANA zone such as `Europe/Berlin`. */
  timeZone: string;
  hours: Record<Weekday, OpeningInterval[]>;
  holidays: Holiday[];
}

/** The id and name of the calendar that is always open. */
export const ALWAYS_OPEN = '24/7';

/** A calendar as SLA code receives it: a definition, or null for `24/7`. */
export type SlaCalendar = CalendarDefinition | null;

/** A calendar as stored and listed: its id, name and definition. */
export interface Calendar {
  id: number;
  name: string;
  definition: CalendarDefinition;
}

/** The calendar fields of the API and the form (§11), as JSON carries them. */
export interface CalendarJson {
  name: string;
  time_zone: string;
  hours: Record<Weekday, [string, string][]>;
  holidays: { from: string; to: string; yearly: boolean }[];
}

export const MAX_INTERVALS_PER_DAY = 12;
export const MAX_HOLIDAYS = 500;
const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/**
 * The canonical name of `zone` when it is an IANA time zone this runtime knows, in any letter case
 * (`australia/sydney` → `Australia/Sydney`, `utc` → `UTC`; a link may resolve to its zone, such as
 * `US/Eastern` → `America/New_York`, as this runtime's Intl says; a zone IANA renamed under its
 * current name, `Europe/Kiev` → `Europe/Kyiv`: RENAMED_ZONES), else null. Stored so, a calendar
 * shows the zone as everyone writes it. An offset such as `+01:00` is refused on every Node: newer
 * ones (ECMA-402 2024, Node 22+) accept it as a zone, but an offset knows no daylight saving time,
 * so a calendar on it would be an hour off half the year.
 */
export function canonicalTimeZone(zone: string): string | null {
  if (zone.trim() === '' || zone.length > 64 || !/^[A-Za-z]/.test(zone)) return null;
  try {
    return currentZoneName(new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone);
  } catch {
    return null;
  }
}

/**
 * Zones IANA renamed whose old name ICU (so Node's Intl, up to Node 22 at least) still gives as the
 * canonical one: old → current. A calendar saved as `Europe/Kyiv` came back as `Europe/Kiev`.
 */
export const RENAMED_ZONES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Louisville': 'America/Kentucky/Louisville',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The name IANA gives today to a zone the runtime's Intl names `resolved` (RENAMED_ZONES), if the runtime knows that name too. */
export function currentZoneName(resolved: string): string {
  const current = RENAMED_ZONES[resolved];
  if (current === undefined) return resolved;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: current });
    return current;
  } catch {
    return resolved;
  }
}

/** `HH:MM` → minutes after midnight; `24:00` only where `allowEndOfDay`. Null for anything else. */
export function parseTimeOfDay(raw: unknown, allowEndOfDay = false): number | null {
  if (typeof raw !== 'string') return null;
  const match = /^(\d{2}):(\d{2})$/.exec(raw.trim());
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (Number(match[2]) > 59) return null;
  if (minutes < MINUTES_PER_DAY) return minutes;
  return allowEndOfDay && minutes === MINUTES_PER_DAY ? minutes : null;
}

/** Minutes after midnight → `HH:MM` (1440 → `24:00`). */
export function formatTimeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A real calendar date `YYYY-MM-DD`, or null. */
export function parseLocalDate(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? text : null;
}

/** The interval's minutes of the week, [from, to), for day index `day` (0 = Monday); `to` may pass the week's end. */
function weekSpan(day: number, interval: OpeningInterval): [number, number] {
  const from = day * MINUTES_PER_DAY + interval.start;
  const length = interval.end > interval.start ? interval.end - interval.start : MINUTES_PER_DAY - interval.start + interval.end;
  return [from, from + length];
}

/** The first pair of intervals that overlap across the whole week (Sunday's night runs into Monday), or null. */
function firstOverlap(hours: Record<Weekday, OpeningInterval[]>): [Weekday, Weekday] | null {
  const spans = WEEKDAYS.flatMap((day, index) => hours[day].map((interval) => ({ day, span: weekSpan(index, interval) })));
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a, b] = [spans[i]!, spans[j]!];
      // Compare b shifted by a whole week either way too: the week wraps.
      for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) {
        if (a.span[0] < b.span[1] + shift && b.span[0] + shift < a.span[1]) return [a.day, b.day];
      }
    }
  }
  return null;
}

/**
 * Validates a calendar from the API or the form (§11) and returns its name and definition; throws
 * `invalid_input` naming each bad field (`name`, `time_zone`, `hours.mon`, `holidays.0`) and
 * writes nothing. Days left out are closed. Refused: an unknown zone, a time such as `25:00`,
 * an empty interval (start = end), intervals that overlap (also across midnight and from Sunday
 * night into Monday), a week with no open hour at all, a holiday that ends before it starts.
 */
export function parseCalendar(raw: unknown): { name: string; definition: CalendarDefinition } {
  const checked = checkCalendar(raw);
  if (Object.keys(checked.fields).length > 0) throw invalidInput({ ...checked.fields });
  return checked.value;
}

/**
 * parseCalendar's reading without the refusal: the calendar as far as it could be read, and a
 * message per field that could not (a field with one holds a stand-in: `name` is then empty),
 * so a service can add what the database says (a name in use) and refuse everything at once.
 */
export function checkCalendar(raw: unknown): Checked<{ name: string; definition: CalendarDefinition }> {
  const input = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 100) fields.name = 'Enter a name of 1 to 100 characters.';
  else if (name === ALWAYS_OPEN) fields.name = `The name ${ALWAYS_OPEN} belongs to the built-in calendar.`;
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(name)) fields.name = 'One line of text, please.';
  const timeZone = canonicalTimeZone(typeof input.time_zone === 'string' ? input.time_zone.trim() : '') ?? '';
  if (timeZone === '') fields.time_zone = 'Enter an IANA time zone such as Europe/Berlin or America/New_York.';

  const hours = Object.fromEntries(WEEKDAYS.map((day) => [day, [] as OpeningInterval[]])) as Record<Weekday, OpeningInterval[]>;
  const rawHours = input.hours;
  if (typeof rawHours !== 'object' || rawHours === null || Array.isArray(rawHours)) {
    fields.hours = 'Give the opening hours per day, such as { "mon": [["09:00", "17:00"]] }.';
  } else {
    for (const key of Object.keys(rawHours)) {
      if (!(WEEKDAYS as readonly string[]).includes(key)) fields[`hours.${key}`] = `Unknown day; use ${WEEKDAYS.join(', ')}.`;
    }
    for (const day of WEEKDAYS) {
      const list = (rawHours as Record<string, unknown>)[day];
      if (list === undefined) continue;
      const problem = parseDayHours(list, hours[day]);
      if (problem) fields[`hours.${day}`] = problem;
    }
    if (!Object.keys(fields).some((key) => key.startsWith('hours'))) {
      const overlap = firstOverlap(hours);
      if (overlap) fields[`hours.${overlap[1]}`] = overlap[0] === overlap[1] ? 'Intervals overlap.' : `An interval overlaps one on ${overlap[0]}.`;
      else if (WEEKDAYS.every((day) => hours[day].length === 0)) fields.hours = 'The calendar must be open at least one interval a week.';
    }
  }

  const holidays: Holiday[] = [];
  const rawHolidays = input.holidays ?? [];
  if (!Array.isArray(rawHolidays)) fields.holidays = 'Give a list of holidays such as [{ "from": "2026-12-24", "to": "2026-12-26", "yearly": true }].';
  else if (rawHolidays.length > MAX_HOLIDAYS) fields.holidays = `At most ${MAX_HOLIDAYS} holidays.`;
  else {
    rawHolidays.forEach((entry: unknown, index) => {
      const holiday = parseHoliday(entry);
      if ('problems' in holiday) for (const [key, message] of Object.entries(holiday.problems)) fields[key === '' ? `holidays.${index}` : `holidays.${index}.${key}`] = message;
      else holidays.push(holiday);
    });
  }
  return new Checked({ name: fields.name === undefined ? name : '', definition: { timeZone, hours, holidays } }, fields);
}

/** Reads one day's `[["09:00", "17:00"], …]` into `into`; returns the problem, or null. */
function parseDayHours(list: unknown, into: OpeningInterval[]): string | null {
  if (!Array.isArray(list)) return 'Give a list of intervals such as [["09:00", "12:00"], ["13:00", "17:00"]].';
  if (list.length > MAX_INTERVALS_PER_DAY) return `At most ${MAX_INTERVALS_PER_DAY} intervals a day.`;
  for (const pair of list) {
    if (!Array.isArray(pair) || pair.length !== 2) return 'Each interval is a pair of times such as ["09:00", "17:00"].';
    const start = parseTimeOfDay(pair[0]);
    const end = parseTimeOfDay(pair[1], true);
    if (start === null || end === null) return 'Times are HH:MM from 00:00 to 23:59 (24:00 may end an interval).';
    // 00:00–24:00 is a whole day, not empty: only equal times make an empty interval.
    if (start === end) return `The interval ${formatTimeOfDay(start)}–${formatTimeOfDay(end)} is empty.`;
    into.push({ start, end: end === MINUTES_PER_DAY ? MINUTES_PER_DAY : end });
  }
  into.sort((a, b) => a.start - b.start);
  return null;
}

const HOLIDAY_KEYS = ['from', 'to', 'yearly'];

/**
 * One holiday entry, or its problems keyed by its field (`''`: the entry as a whole). JSON types
 * are strict (README, JSON API): `yearly` is true or false (absent or null: false), never a word
 * or a number that reads as one, and a key other than `from`, `to` and `yearly` is refused rather
 * than dropped.
 */
function parseHoliday(entry: unknown): Holiday | { problems: Record<string, string> } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { problems: { '': 'Each holiday is { "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "yearly": false }.' } };
  const problems: Record<string, string> = {};
  for (const key of Object.keys(entry)) if (!HOLIDAY_KEYS.includes(key)) problems[key] = 'Unknown field.';
  const { from: rawFrom, to: rawTo, yearly: rawYearly } = entry as Record<string, unknown>;
  if (rawYearly !== undefined && rawYearly !== null && typeof rawYearly !== 'boolean') problems.yearly = 'Use true or false.';
  const yearly = rawYearly === true;
  const from = parseLocalDate(rawFrom);
  const to = rawTo === undefined || rawTo === null || rawTo === '' ? from : parseLocalDate(rawTo);
  if (from === null || to === null) problems[''] = 'Dates are YYYY-MM-DD.';
  else if (to < from) problems[''] = `The holiday ends (${to}) before it starts (${from}).`;
  else if (yearly && Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) >= 365 * 86_400_000) problems[''] = 'A yearly holiday lasts less than a year.';
  return Object.keys(problems).length > 0 || from === null || to === null ? { problems } : { from, to, yearly };
}

/** The definition in the API's shape (§11). */
export function calendarJson(name: string, definition: CalendarDefinition): CalendarJson {
  const hours = Object.fromEntries(
    WEEKDAYS.map((day) => [day, definition.hours[day].map((i): [string, string] => [formatTimeOfDay(i.start), formatTimeOfDay(i.end)])]),
  ) as Record<Weekday, [string, string][]>;
  return { name, time_zone: definition.timeZone, hours, holidays: definition.holidays.map((h) => ({ ...h })) };
}
