/**
 * The calendars' routes of the JSON API (§11) as zod schemas, beside api-schemas.ts (same role:
 * validation, serialisation and the OpenAPI document from one source).
 */
import { z } from 'zod';
import { parseCalendar, WEEKDAYS } from '../core/calendar.js';
import { pageCursor, pageLimit, required, withCoreRules } from './api-schemas.js';

// ---------------------------------------------------------------- calendars (§11)

const TIME_OF_DAY_DOC = { type: 'string', pattern: '^\\d{2}:\\d{2}$', example: '09:00' };
const INTERVAL_DOC = 'An interval [start, end] in local time, HH:MM (24:00 may end one); an end before the start runs past midnight into the next day';
const HOLIDAY_DOC = 'Closed all day from `from` to `to` (local dates, inclusive; `to` defaults to `from`), every year when `yearly`';

const Interval = z.tuple([z.string(), z.string()]).meta({ description: INTERVAL_DOC, example: ['09:00', '17:00'] });
const dayHours = z.array(Interval);
const Holiday = z.object({ from: z.string().meta({ example: '2026-12-24' }), to: z.string().meta({ example: '2026-12-26' }), yearly: z.boolean() }).meta({ description: HOLIDAY_DOC });

export const CalendarSchema = z
  .object({
    id: z.number().int(),
    name: z.string().meta({ example: 'Berlin office' }),
    time_zone: z.string().meta({ description: 'IANA time zone the hours and holidays are in', example: 'Europe/Berlin' }),
    hours: z
      .object({ mon: dayHours, tue: dayHours, wed: dayHours, thu: dayHours, fri: dayHours, sat: dayHours, sun: dayHours })
      .meta({ description: 'Opening intervals per weekday, by start time; an empty list: closed that day' }),
    holidays: z.array(Holiday),
  })
  .meta({ id: 'Calendar', description: 'Business hours (§11). The built-in calendar `24/7` is always open; it is not stored and not listed.' });
export type CalendarApiJson = z.infer<typeof CalendarSchema>;

export const CalendarList = z
  .object({ items: z.array(CalendarSchema), next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }) })
  .meta({ id: 'CalendarList' });

export const CalendarListQuery = z.strictObject({ limit: pageLimit('Calendars'), cursor: pageCursor });

export const CalendarParams = z.object({ id: z.string().meta({ description: 'The calendar id', example: '3' }) });

/**
 * The body of POST and PUT: parseCalendar (src/core/calendar.ts) checks all of it, so the API and
 * the page accept the same calendars and name the same fields (`hours.mon`, `holidays.0`); the
 * shapes below document it.
 */
export const CalendarBody = withCoreRules(
  z.strictObject({
    name: z.string({ error: required('Name') }).meta({ minLength: 1, maxLength: 100, description: 'Unique in any letter case; not `24/7`', example: 'Berlin office' }),
    time_zone: z.string({ error: required('Time zone') }).meta({ description: 'An IANA time zone', example: 'Europe/Berlin' }),
    // Optional for zod only, so that a missing `hours` gets parseCalendar's message; the document says required.
    hours: z.unknown().optional().meta({
      type: 'object',
      description: 'Opening intervals per weekday (`mon` … `sun`); a day left out or empty is closed. Intervals of the week may not overlap, and at least one is needed.',
      properties: Object.fromEntries(WEEKDAYS.map((day) => [day, { type: 'array', items: { type: 'array', prefixItems: [TIME_OF_DAY_DOC, TIME_OF_DAY_DOC], minItems: 2, maxItems: 2, description: INTERVAL_DOC } }])),
      additionalProperties: false,
      example: { mon: [['09:00', '12:00'], ['13:00', '17:00']], fri: [['22:00', '06:00']], sun: [] },
    }),
    holidays: z
      .unknown()
      .optional()
      .meta({
        type: 'array',
        description: 'Default: none. Holidays that keep the calendar closed for the ten years from the save (it would never open, so no SLA target counting with it would fall due) are refused on `holidays`.',
        items: { type: 'object', description: HOLIDAY_DOC, properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, yearly: { type: 'boolean', description: 'true or false (JSON booleans only); default false' } }, required: ['from'], additionalProperties: false },
        example: [{ from: '2026-12-24', to: '2026-12-26', yearly: true }],
      }),
  }),
  parseCalendar,
).meta({ id: 'CalendarRequest', description: 'A whole calendar: PUT replaces every field', required: ['name', 'time_zone', 'hours'] });
