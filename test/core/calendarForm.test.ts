import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../src/core/calendar.js';
import {
  CALENDAR_FORM_LABELS,
  calendarFormValues,
  checkCalendarForm,
  calendarTooLongMessage,
  newCalendarFormValues,
  parseCalendarForm,
  parseHolidayText,
  parseIntervalText,
  weeklyMinutes,
  weeklySummary,
} from '../../src/core/calendarForm.js';
import { errorOf } from '../support/errors.js';

/** A valid calendar form (Berlin office, weekdays 9–17), with any field replaced. */
function form(over: Record<string, string> = {}): Record<string, string> {
  return { ...newCalendarFormValues(), name: 'Berlin office', time_zone: 'Europe/Berlin', ...over };
}

describe('parseIntervalText', () => {
  it.each<[string, [string, string][] | 'problem']>([
    ['', []],
    ['   ', []],
    ['09:00-17:00', [['09:00', '17:00']]],
    ['09:00-12:00, 13:00-17:00', [['09:00', '12:00'], ['13:00', '17:00']]],
    ['09:00 - 12:00;13:00–17:00', [['09:00', '12:00'], ['13:00', '17:00']]],
    ['9:00-17:30', [['09:00', '17:30']]],
    ['22:00-06:00', [['22:00', '06:00']]],
    ['09:00-12:00,', [['09:00', '12:00']]],
    // The value is parseCalendar's to judge: the text only has to be intervals.
    ['25:00-26:00', [['25:00', '26:00']]],
    ['09:00', 'problem'],
    ['9-17', 'problem'],
    ['09:00-17:00 13:00-14:00', 'problem'],
    ['closed', 'problem'],
    ['09.00-17.00', 'problem'],
  ])('%j', (text, expected) => {
    const parsed = parseIntervalText(text);
    if (expected === 'problem') expect(parsed).toMatch(/is not an interval: write them such as 09:00-12:00, 13:00-17:00/);
    else expect(parsed).toEqual(expected);
  });
});

describe('parseHolidayText', () => {
  it('reads dates, ranges and “yearly”, skips blank lines and remembers each holiday’s line', () => {
    expect(parseHolidayText('2026-05-01\n\n  2026-12-24..2026-12-26 yearly \r\n2026-10-03 YEARLY\n2026-01-01 .. 2026-01-02')).toEqual({
      holidays: [
        { from: '2026-05-01', to: '2026-05-01', yearly: false },
        { from: '2026-12-24', to: '2026-12-26', yearly: true },
        { from: '2026-10-03', to: '2026-10-03', yearly: true },
        { from: '2026-01-01', to: '2026-01-02', yearly: false },
      ],
      lines: [1, 3, 4, 5],
    });
    expect(parseHolidayText('')).toEqual({ holidays: [], lines: [] });
  });

  it('names each line it cannot read', () => {
    expect(parseHolidayText('2026-05-01\n2026-12-24 to 2026-12-26\n2026-01-01 every year')).toBe(
      'Line 2: write a date (2026-05-01) or a range (2026-12-24..2026-12-26), optionally followed by “yearly”. ' +
        'Line 3: write a date (2026-05-01) or a range (2026-12-24..2026-12-26), optionally followed by “yearly”.',
    );
  });

  it('names the first ten lines it cannot read and counts the rest (a pasted page of text made a message of megabytes)', () => {
    const problem = (line: number) => `Line ${line}: write a date (2026-05-01) or a range (2026-12-24..2026-12-26), optionally followed by “yearly”.`;
    const lines = Array.from({ length: 10 }, (_, i) => problem(i + 1));
    expect(parseHolidayText('not a date\n'.repeat(10))).toBe(lines.join(' '));
    expect(parseHolidayText('not a date\n'.repeat(60_000))).toBe(`${lines.join(' ')} And 59,990 more lines like these.`);
  });

  it('lists the first ten holidays parseCalendar refuses and counts the rest', () => {
    const refused = checkCalendarForm(form({ holidays: '2026-02-30\n'.repeat(400) })).fields.holidays!;
    expect(refused).toMatch(/^Holidays \(closed all day\): line 1: Dates are YYYY-MM-DD\. Line 2: .* Line 10: Dates are YYYY-MM-DD\. And 390 more lines like these\.$/);
  });

  it('reads a long line of dots at once: the line pattern does not backtrack over it (a pasted line blocked the server for minutes)', () => {
    // 60,000 characters took ~30 s (quadratic backtracking); the form takes 256 kB, minutes of a blocked event loop.
    const started = performance.now();
    expect(parseHolidayText(`${'.'.repeat(60_000)} x`)).toMatch(/^Line 1: write a date/);
    expect(parseHolidayText(`2026-01-01${'..'.repeat(30_000)}`)).toMatch(/^Line 1: write a date/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('parseCalendarForm', () => {
  it('gives what parseCalendar gives for the same calendar in the API’s shape', () => {
    const parsed = parseCalendarForm(form({ hours_fri: '09:00-12:00, 22:00-06:00', holidays: '2026-12-24..2026-12-26 yearly\n2026-05-01' }));
    expect(parsed).toEqual(
      parseCalendar({
        name: 'Berlin office',
        time_zone: 'Europe/Berlin',
        hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '12:00'], ['22:00', '06:00']] },
        holidays: [
          { from: '2026-12-24', to: '2026-12-26', yearly: true },
          { from: '2026-05-01', to: '2026-05-01', yearly: false },
        ],
      }),
    );
  });

  it.each<[string, Record<string, string>, Record<string, RegExp>]>([
    ['an unknown zone', { time_zone: 'Mars/Olympus' }, { time_zone: /IANA time zone/ }],
    ['no name', { name: '  ' }, { name: /1 to 100 characters/ }],
    ['25:00', { hours_tue: '09:00-25:00' }, { hours_tue: /^Tuesday: times are HH:MM/ }],
    ['an empty interval', { hours_wed: '10:00-10:00' }, { hours_wed: /10:00–10:00 is empty/ }],
    ['overlapping intervals on one day', { hours_thu: '09:00-12:00, 11:00-14:00' }, { hours_thu: /^Thursday: intervals overlap/ }],
    ['a night into the next day’s hours', { hours_mon: '09:00-17:00, 22:00-10:00' }, { hours_tue: /^Tuesday: an interval overlaps one on mon/ }],
    ['no open hour at all', { hours_mon: '', hours_tue: '', hours_wed: '', hours_thu: '', hours_fri: '' }, { hours: /^Opening hours: the calendar must be open at least one interval a week/ }],
    ['a holiday ending before it starts, named by its line', { holidays: '2026-05-01\n\n2026-12-26..2026-12-24' }, { holidays: /^Holidays \(closed all day\): line 3: The holiday ends \(2026-12-24\) before it starts \(2026-12-26\)\.$/ }],
    ['an impossible date', { holidays: '2026-02-30' }, { holidays: /^Holidays \(closed all day\): line 1: Dates are YYYY-MM-DD\.$/ }],
    ['text that is not an interval', { hours_sat: 'ten to two' }, { hours_sat: /“ten to two” is not an interval/ }],
  ])('refuses %s, naming the form’s field', (_name, over, expected) => {
    const error = errorOf(() => parseCalendarForm(form(over)));
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.fields).sort()).toEqual(Object.keys(expected).sort());
    for (const [field, message] of Object.entries(expected)) {
      expect(error.fields[field]).toMatch(message);
      // Every message starts with the label its field shows (core/fieldErrors.ts).
      expect(error.fields[field]!.startsWith(`${CALENDAR_FORM_LABELS[field]}: `), error.fields[field]).toBe(true);
    }
  });

  it('lists every problem at once, and does not call a week closed when a day only failed to read', () => {
    const week = { hours_mon: 'nine to five', hours_tue: '', hours_wed: '', hours_thu: '', hours_fri: '' };
    const error = errorOf(() => parseCalendarForm(form({ ...week, time_zone: 'Nowhere', holidays: 'soon' })));
    expect(Object.keys(error.fields).sort()).toEqual(['holidays', 'hours_mon', 'time_zone']);
  });
});

describe('calendarFormValues', () => {
  it('writes a calendar as the form shows it, and the form reads it back to the same calendar', () => {
    const parsed = parseCalendarForm(form({ hours_fri: '09:00-12:00, 22:00-06:00', hours_sun: '10:00-24:00', holidays: '2026-12-24..2026-12-26 yearly\n2026-05-01' }));
    const values = calendarFormValues(parsed.name, parsed.definition);
    expect(values).toMatchObject({ hours_fri: '09:00-12:00, 22:00-06:00', hours_sat: '', hours_sun: '10:00-24:00', holidays: '2026-12-24..2026-12-26 yearly\n2026-05-01' });
    expect(parseCalendarForm(values)).toEqual(parsed);
  });
});

describe('weeklySummary', () => {
  it.each<[Record<string, string>, string, number]>([
    [{}, 'Mon–Fri 09:00-17:00 (40 h a week)', 40 * 60],
    [{ hours_sat: '10:00-14:00' }, 'Mon–Fri 09:00-17:00 · Sat 10:00-14:00 (44 h a week)', 44 * 60],
    [{ hours_wed: '', hours_fri: '22:00-06:30' }, 'Mon–Tue 09:00-17:00 · Thu 09:00-17:00 · Fri 22:00-06:30 (32 h 30 min a week)', 32 * 60 + 30],
    [{ hours_mon: '00:00-24:00', hours_tue: '00:00-24:00', hours_wed: '', hours_thu: '', hours_fri: '' }, 'Mon–Tue 00:00-24:00 (48 h a week)', 48 * 60],
  ])('%j', (over, summary, minutes) => {
    const { definition } = parseCalendarForm(form(over));
    expect(weeklySummary(definition)).toBe(summary);
    expect(weeklyMinutes(definition)).toBe(minutes);
  });
});

describe('calendarTooLongMessage', () => {
  it.each([
    ['holidays', 'Holidays (closed all day): far longer than a calendar holds (at most 500 holidays); only its start is kept below. Shorten it to the holidays you need.'],
    ['hours_mon', 'Monday: far longer than we accept.'],
    ['name', 'Name: far longer than we accept.'],
    ['colour', 'colour: far longer than we accept.'],
  ])('%s', (field, message) => {
    expect(calendarTooLongMessage(field)).toBe(message);
  });
});
