/**
 * The calendar form of `/adminapp/calendars/` (§11) in plain text, and back. Pure.
 *
 * - A day's hours are one line of intervals: `09:00-12:00, 13:00-17:00` (commas or semicolons
 *   between intervals, a dash or en dash inside one; `9:00` is read as `09:00`; empty = closed).
 *   An end before the start runs past midnight (`22:00-06:00`).
 * - Holidays are one per line: `2026-05-01`, `2026-12-24..2026-12-26`, either followed by `yearly`.
 *
 * The text becomes the API's shape (CalendarJson) and goes through parseCalendar, so the form and
 * the API accept exactly the same calendars; errors come back under the form's field names
 * (`hours_mon`, `holidays` with the line number), or `hours` for the week as a whole.
 */
import { type FieldLabels, labelled } from './fieldErrors.js';
import { type CalendarDefinition, type CalendarJson, checkCalendar, formatTimeOfDay, MAX_HOLIDAYS, type OpeningInterval, type parseCalendar, WEEKDAYS, type Weekday } from './calendar.js';
import { accepted, Checked } from './checked.js';
import { canonicalTexts, type EditForm } from './formMerge.js';

export const DAY_NAMES: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/** The form field of a day's intervals: `hours_mon`. */
export const hoursField = (day: Weekday) => `hours_${day}`;

/** The calendar form's labels: its messages start with them (core/fieldErrors.ts). */
export const CALENDAR_FORM_LABELS: FieldLabels = {
  name: 'Name',
  time_zone: 'Time zone',
  hours: 'Opening hours',
  ...Object.fromEntries(WEEKDAYS.map((day) => [hoursField(day), DAY_NAMES[day]])),
  holidays: 'Holidays (closed all day)',
};

export const CALENDAR_FORM_FIELDS = ['name', 'time_zone', ...WEEKDAYS.map(hoursField), 'holidays'] as const;

const INTERVAL = /^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})$/;
// A date holds no dot, so each part ends where `..` or a space begins: one way to read any line.
// (`\S+?` for the parts backtracked quadratically over a long line of dots: a 250 kB paste blocked
// the server for minutes.)
const HOLIDAY_LINE = /^([^\s.]+)(?:\s*\.\.\s*([^\s.]+))?(?:\s+(yearly))?$/i;

/** `9:00` → `09:00`; anything else as it is (parseCalendar judges the value). */
const padHour = (time: string) => (/^\d:/.test(time) ? `0${time}` : time);

/** One day's text → its intervals as the API writes them, or the problem with the text. */
export function parseIntervalText(text: string): [string, string][] | string {
  const parts = text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const intervals: [string, string][] = [];
  for (const part of parts) {
    const match = INTERVAL.exec(part);
    if (!match) return `“${part}” is not an interval: write them such as 09:00-12:00, 13:00-17:00 (empty: closed).`;
    intervals.push([padHour(match[1]!), padHour(match[2]!)]);
  }
  return intervals;
}

/** The holidays' lines (blank ones skipped) → the API's holidays and the line each came from, or the problems by line. */
export function parseHolidayText(text: string): { holidays: CalendarJson['holidays']; lines: number[] } | string {
  const holidays: CalendarJson['holidays'] = [];
  const lines: number[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const match = HOLIDAY_LINE.exec(line);
    if (!match) {
      problems.push(`Line ${index + 1}: write a date (2026-05-01) or a range (2026-12-24..2026-12-26), optionally followed by “yearly”.`);
      return;
    }
    holidays.push({ from: match[1]!, to: match[2] ?? match[1]!, yearly: match[3] !== undefined });
    lines.push(index + 1);
  });
  return problems.length ? linesInWords(problems) : { holidays, lines };
}

/** Holiday lines named one by one in a message, at most; the others are counted. */
const LISTED_LINES = 10;

/**
 * The problems of the holidays' lines as one message: the first LISTED_LINES, then how many more.
 * A page of pasted text has thousands of lines, and naming each made a message of megabytes.
 */
function linesInWords(problems: readonly string[]): string {
  const listed = problems.slice(0, LISTED_LINES).join(' ');
  const more = problems.length - LISTED_LINES;
  return more > 0 ? `${listed} And ${more.toLocaleString('en')} more ${more === 1 ? 'line' : 'lines'} like these.` : listed;
}

/**
 * The message by a field of the calendar form that was far longer than a form field may carry
 * (256 kB): the form was refused before it was read, and only the text's start comes back. For the
 * holidays (a pasted list of dates), what a calendar holds, so the admin knows what to cut.
 */
export function calendarTooLongMessage(field: string): string {
  const label = CALENDAR_FORM_LABELS[field] ?? field;
  if (field === 'holidays') return `${label}: far longer than a calendar holds (at most ${MAX_HOLIDAYS} holidays); only its start is kept below. Shorten it to the holidays you need.`;
  return `${label}: far longer than we accept.`;
}

/**
 * The form's fields → a checked calendar (what parseCalendar returns); throws `invalid_input`
 * keyed by the form's field names, every problem at once, and writes nothing.
 */
export function parseCalendarForm(body: Record<string, unknown>): ReturnType<typeof parseCalendar> {
  return accepted(checkCalendarForm(body), {});
}

/**
 * The form's fields read as far as they go (checkCalendar's shape): a labelled message per form
 * field that could not be read, so the service can add a name in use beside them.
 */
export function checkCalendarForm(body: Record<string, unknown>): Checked<ReturnType<typeof parseCalendar>> {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  const fields: Record<string, string> = {};
  const hours = {} as CalendarJson['hours'];
  for (const day of WEEKDAYS) {
    const parsed = parseIntervalText(text(hoursField(day)));
    if (typeof parsed === 'string') fields[hoursField(day)] = parsed;
    hours[day] = typeof parsed === 'string' ? [] : parsed;
  }
  const holidayText = parseHolidayText(text('holidays'));
  if (typeof holidayText === 'string') fields.holidays = holidayText;
  const input = { name: body.name, time_zone: body.time_zone, hours, holidays: typeof holidayText === 'string' ? [] : holidayText.holidays };
  const calendar = checkCalendar(input);
  const dayProblems = WEEKDAYS.some((day) => fields[hoursField(day)] !== undefined);
  const all = { ...formFields(calendar.fields, typeof holidayText === 'string' ? [] : holidayText.lines, dayProblems), ...fields };
  return new Checked(calendar.value, labelled(all, CALENDAR_FORM_LABELS));
}

/** parseCalendar's field names → the form's; a day with a text problem leaves the week's verdict open. */
function formFields(apiFields: Record<string, string>, holidayLines: number[], dayProblems: boolean): Record<string, string> {
  const fields: Record<string, string> = {};
  const holidayProblems: string[] = [];
  for (const [key, message] of Object.entries(apiFields)) {
    const [field, index] = key.split('.') as [string, string | undefined];
    if (field === 'hours' && index !== undefined) fields[hoursField(index as Weekday)] = message;
    else if (field === 'hours') {
      if (!dayProblems) fields.hours = message;
    } else if (field === 'holidays' && index !== undefined) holidayProblems.push(`Line ${holidayLines[Number(index)] ?? Number(index) + 1}: ${message}`);
    else fields[field] = message;
  }
  if (holidayProblems.length) fields.holidays = linesInWords(holidayProblems);
  return fields;
}

/** `09:00-12:00, 13:00-17:00`: a day's intervals as the form shows them. */
export function intervalText(intervals: readonly OpeningInterval[]): string {
  return intervals.map((i) => `${formatTimeOfDay(i.start)}-${formatTimeOfDay(i.end)}`).join(', ');
}

/** A stored calendar as the form's values. */
export function calendarFormValues(name: string, definition: CalendarDefinition): Record<string, string> {
  const values: Record<string, string> = { name, time_zone: definition.timeZone };
  for (const day of WEEKDAYS) values[hoursField(day)] = intervalText(definition.hours[day]);
  values.holidays = definition.holidays.map((h) => `${h.from === h.to ? h.from : `${h.from}..${h.to}`}${h.yearly ? ' yearly' : ''}`).join('\n');
  return values;
}

/** The form of a new calendar: weekdays 09:00-17:00 in UTC, no holidays. */
export function newCalendarFormValues(): Record<string, string> {
  const values: Record<string, string> = { name: '', time_zone: 'UTC', holidays: '' };
  for (const day of WEEKDAYS) values[hoursField(day)] = day === 'sat' || day === 'sun' ? '' : '09:00-17:00';
  return values;
}

const SHORT_DAY = (day: Weekday) => DAY_NAMES[day].slice(0, 3);

/** Open minutes a week. */
export function weeklyMinutes(definition: CalendarDefinition): number {
  return WEEKDAYS.reduce((sum, day) => sum + definition.hours[day].reduce((s, i) => s + (i.end > i.start ? i.end - i.start : 1440 - i.start + i.end), 0), 0);
}

/**
 * The week in a line, days with the same hours grouped: `Mon–Fri 09:00-17:00 · Sat 10:00-14:00
 * (42 h a week)`. Closed days are left out.
 */
export function weeklySummary(definition: CalendarDefinition): string {
  const groups: { first: Weekday; last: Weekday; text: string }[] = [];
  for (const day of WEEKDAYS) {
    const text = intervalText(definition.hours[day]);
    const previous = groups[groups.length - 1];
    if (previous && previous.text === text && WEEKDAYS.indexOf(previous.last) === WEEKDAYS.indexOf(day) - 1) previous.last = day;
    else groups.push({ first: day, last: day, text });
  }
  const open = groups.filter((g) => g.text !== '').map((g) => `${g.first === g.last ? SHORT_DAY(g.first) : `${SHORT_DAY(g.first)}–${SHORT_DAY(g.last)}`} ${g.text}`);
  const minutes = weeklyMinutes(definition);
  const total = minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${open.join(' · ')} (${total} a week)`;
}

/** The calendar form in a merge (core/formMerge.ts): each day's hours are one field, the holidays one. */
export const CALENDAR_EDIT_FORM: EditForm = {
  fields: CALENDAR_FORM_FIELDS,
  textsOf: (body) => Object.fromEntries(CALENDAR_FORM_FIELDS.flatMap((name) => (typeof body[name] === 'string' ? [[name, body[name]]] : []))),
  canonical: (texts) => canonicalTexts(texts, checkCalendarForm, (calendar) => calendarFormValues(calendar.name, calendar.definition)),
  wording: { what: 'this calendar', labels: CALENDAR_FORM_LABELS },
};
