import { describe, expect, it } from 'vitest';
import { calendarJson, canonicalTimeZone, RENAMED_ZONES, parseCalendar, parseLocalDate, parseTimeOfDay, type CalendarDefinition } from '../../src/core/calendar.js';
import { DomainError } from '../../src/core/errors.js';

const closedWeek = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const nineToFive: [string, string][] = [['09:00', '17:00']];

function input(overrides: Record<string, unknown>): Record<string, unknown> {
  return { name: 'Office', time_zone: 'Europe/Berlin', hours: { mon: nineToFive }, holidays: [], ...overrides };
}

/** The fields a refused calendar names; fails when it is accepted or when the input was changed. */
function refusedFields(raw: Record<string, unknown>): Record<string, string> {
  const before = structuredClone(raw);
  try {
    parseCalendar(raw);
  } catch (error) {
    expect(raw).toEqual(before);
    if (error instanceof DomainError && error.code === 'invalid_input') return error.fields;
    throw error;
  }
  throw new Error('the calendar was accepted');
}

describe('parseCalendar: accepted', () => {
  it('reads name, zone, split shifts (sorted), a night shift and holidays', () => {
    const parsed = parseCalendar({
      name: ' Office ',
      time_zone: ' Europe/Berlin ',
      hours: { mon: [['13:00', '17:00'], ['09:00', '12:00']], fri: [['22:00', '06:00']] },
      holidays: [{ from: '2026-12-24', to: '2026-12-26', yearly: true }, { from: '2026-05-01', yearly: null }, { from: '2026-06-01' }],
    });
    expect(parsed).toEqual({
      name: 'Office',
      definition: {
        timeZone: 'Europe/Berlin',
        hours: { ...closedWeek, mon: [{ start: 540, end: 720 }, { start: 780, end: 1020 }], fri: [{ start: 1320, end: 360 }] },
        holidays: [{ from: '2026-12-24', to: '2026-12-26', yearly: true }, { from: '2026-05-01', to: '2026-05-01', yearly: false }, { from: '2026-06-01', to: '2026-06-01', yearly: false }],
      },
    });
  });

  it.each<[string, Record<string, unknown>, Partial<CalendarDefinition['hours']>]>([
    ['a whole day 00:00–24:00', { sat: [['00:00', '24:00']] }, { sat: [{ start: 0, end: 1440 }] }],
    ['a night ending at midnight written 00:00', { fri: [['22:00', '00:00']] }, { fri: [{ start: 1320, end: 0 }] }],
    ['a night ending at midnight written 24:00', { fri: [['22:00', '24:00']] }, { fri: [{ start: 1320, end: 1440 }] }],
    ['Sunday night ending where Monday starts', { sun: [['22:00', '06:00']], mon: [['06:00', '09:00']] }, { sun: [{ start: 1320, end: 360 }], mon: [{ start: 360, end: 540 }] }],
    ['touching intervals on one day', { tue: [['09:00', '12:00'], ['12:00', '17:00']] }, { tue: [{ start: 540, end: 720 }, { start: 720, end: 1020 }] }],
    ['Lord Howe style half hours', { wed: [['01:30', '02:45']] }, { wed: [{ start: 90, end: 165 }] }],
  ])('%s', (_what, hours, expected) => {
    expect(parseCalendar(input({ hours })).definition.hours).toEqual({ ...closedWeek, ...expected });
  });

  it('holidays may be left out, and a yearly one may cross new year', () => {
    expect(parseCalendar(input({ holidays: undefined })).definition.holidays).toEqual([]);
    expect(parseCalendar(input({ holidays: [{ from: '2026-12-24', to: '2027-01-01', yearly: true }] })).definition.holidays).toEqual([
      { from: '2026-12-24', to: '2027-01-01', yearly: true },
    ]);
  });
});

describe('parseCalendar: refused, naming the field', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['no name', { name: '  ' }, 'name'],
    ['the built-in name', { name: '24/7' }, 'name'],
    ['an unknown zone', { time_zone: 'Mars/Olympus_Mons' }, 'time_zone'],
    ['an empty zone', { time_zone: '' }, 'time_zone'],
    ['an offset instead of a zone', { time_zone: '+01:00' }, 'time_zone'],
    ['25:00', { hours: { mon: [['09:00', '25:00']] } }, 'hours.mon'],
    ['minute 60', { hours: { mon: [['09:60', '17:00']] } }, 'hours.mon'],
    ['24:00 as a start', { hours: { mon: [['24:00', '06:00']] } }, 'hours.mon'],
    ['a one-digit hour', { hours: { mon: [['9:00', '17:00']] } }, 'hours.mon'],
    ['an empty interval', { hours: { tue: [['09:00', '09:00']] } }, 'hours.tue'],
    ['an empty interval at midnight', { hours: { tue: [['00:00', '00:00']] } }, 'hours.tue'],
    ['an interval that is not a pair', { hours: { mon: [['09:00']] } }, 'hours.mon'],
    ['a day that is not a list', { hours: { mon: '09:00-17:00' } }, 'hours.mon'],
    ['13 intervals on one day', { hours: { mon: Array.from({ length: 13 }, (_, i) => [`${String(i + 8).padStart(2, '0')}:00`, `${String(i + 8).padStart(2, '0')}:30`]) } }, 'hours.mon'],
    ['overlapping intervals on one day', { hours: { wed: [['09:00', '12:00'], ['11:00', '13:00']] } }, 'hours.wed'],
    ['the same interval twice', { hours: { wed: [nineToFive[0], nineToFive[0]] } }, 'hours.wed'],
    ['a night shift overlapping the next morning', { hours: { fri: [['22:00', '06:00']], sat: [['05:00', '09:00']] } }, 'hours.sat'],
    ['a Sunday night overlapping Monday morning', { hours: { sun: [['22:00', '06:00']], mon: [['05:00', '09:00']] } }, 'hours.sun'],
    ['a whole day overlapping the night before', { hours: { mon: [['00:00', '24:00']], sun: [['23:00', '01:00']] } }, 'hours.sun'],
    ['a week with no open hour', { hours: closedWeek }, 'hours'],
    ['no days at all', { hours: {} }, 'hours'],
    ['hours as a list', { hours: [nineToFive] }, 'hours'],
    ['no hours', { hours: undefined }, 'hours'],
    ['an unknown day key', { hours: { mon: nineToFive, monday: nineToFive } }, 'hours.monday'],
    ['a holiday ending before it starts', { holidays: [{ from: '2026-12-26', to: '2026-12-24', yearly: false }] }, 'holidays.0'],
    ['2026-02-30', { holidays: [{ from: '2026-05-01', to: '2026-05-01', yearly: false }, { from: '2026-02-30', to: '2026-03-01', yearly: false }] }, 'holidays.1'],
    ['2025-02-29 (not a leap year)', { holidays: [{ from: '2025-02-29', yearly: true }] }, 'holidays.0'],
    ['a date without leading zeros', { holidays: [{ from: '2026-5-1', yearly: false }] }, 'holidays.0'],
    ['a yearly holiday of a whole year', { holidays: [{ from: '2024-01-01', to: '2024-12-31', yearly: true }] }, 'holidays.0'],
    ['a holiday that is not an object', { holidays: ['2026-12-24'] }, 'holidays.0'],
    ['holidays that are not a list', { holidays: { from: '2026-12-24' } }, 'holidays'],
    // JSON types are strict: a word or a number that reads as a boolean is refused, not guessed.
    ['yearly "on"', { holidays: [{ from: '2026-12-24', yearly: 'on' }] }, 'holidays.0.yearly'],
    ['yearly "true"', { holidays: [{ from: '2026-12-24', yearly: 'true' }] }, 'holidays.0.yearly'],
    ['yearly "yes"', { holidays: [{ from: '2026-12-24', yearly: 'yes' }] }, 'holidays.0.yearly'],
    ['yearly 1', { holidays: [{ from: '2026-12-24', yearly: 1 }] }, 'holidays.0.yearly'],
    ['yearly 0', { holidays: [{ from: '2026-12-24', yearly: 0 }] }, 'holidays.0.yearly'],
    ['an unknown key of a holiday', { holidays: [{ from: '2026-12-24', yearly: true, color: 'red' }] }, 'holidays.0.color'],
    ['a holiday that is a list', { holidays: [['2026-12-24']] }, 'holidays.0'],
  ])('%s', (_what, overrides, field) => {
    const fields = refusedFields(input(overrides));
    expect(Object.keys(fields)).toEqual([field]);
    expect(fields[field]).toMatch(/\w/);
  });

  it('names every problem of one holiday at once', () => {
    expect(Object.keys(refusedFields(input({ holidays: [{ from: 'soon', yearly: 'yes', colour: 'red' }] }))).sort()).toEqual(['holidays.0', 'holidays.0.colour', 'holidays.0.yearly']);
  });

  it('names every bad field at once', () => {
    const fields = refusedFields({ name: '', time_zone: 'Nowhere', hours: { mon: [['25:00', '26:00']] }, holidays: [{ from: 'soon' }] });
    expect(Object.keys(fields).sort()).toEqual(['holidays.0', 'hours.mon', 'name', 'time_zone']);
  });

  it('says which day an overlap comes from', () => {
    expect(refusedFields(input({ hours: { fri: [['22:00', '06:00']], sat: [['05:00', '09:00']] } }))['hours.sat']).toMatch(/fri/);
  });

  it('refuses input that is not an object', () => {
    expect(Object.keys(refusedFields(null as unknown as Record<string, unknown>)).sort()).toEqual(['hours', 'name', 'time_zone']);
  });
});

describe('times and dates', () => {
  it.each<[unknown, boolean, number | null]>([
    ['00:00', false, 0],
    ['23:59', false, 1439],
    ['24:00', false, null],
    ['24:00', true, 1440],
    ['24:01', true, null],
    ['12:5', false, null],
    [900, false, null],
  ])('parseTimeOfDay(%j, end of day %s) is %s', (raw, endOfDay, expected) => {
    expect(parseTimeOfDay(raw, endOfDay)).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['2024-02-29', '2024-02-29'],
    ['2026-02-29', null],
    ['2026-02-30', null],
    ['2026-13-01', null],
    ['2026-12-31', '2026-12-31'],
    [20261231, null],
  ])('parseLocalDate(%j) is %s', (raw, expected) => {
    expect(parseLocalDate(raw)).toBe(expected);
  });
});

describe('calendarJson round trips through parseCalendar', () => {
  it.each<[string, Record<string, unknown>]>([
    ['office hours with a lunch break and holidays', input({ hours: { mon: [['09:00', '12:00'], ['13:00', '17:00']], fri: nineToFive }, holidays: [{ from: '2026-12-24', to: '2027-01-01', yearly: true }, { from: '2026-05-01', to: '2026-05-01', yearly: false }] })],
    ['a whole day and a night ending at 24:00', input({ hours: { sat: [['00:00', '24:00']], fri: [['22:00', '24:00']] } })],
    ['night shifts ending after midnight, Sunday into Monday', input({ time_zone: 'Australia/Lord_Howe', hours: { fri: [['22:00', '06:00']], sun: [['23:30', '00:00']], mon: [['00:00', '01:00']] } })],
  ])('%s', (_what, raw) => {
    const { name, definition } = parseCalendar(raw);
    const json = calendarJson(name, definition);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(parseCalendar(json)).toEqual({ name, definition });
  });

  it('gives the API shape (§11)', () => {
    const { name, definition } = parseCalendar(input({ hours: { fri: [['22:00', '06:00']] }, holidays: [{ from: '2026-12-24', yearly: true }] }));
    expect(calendarJson(name, definition)).toEqual({
      name: 'Office',
      time_zone: 'Europe/Berlin',
      hours: { ...closedWeek, fri: [['22:00', '06:00']] },
      holidays: [{ from: '2026-12-24', to: '2026-12-24', yearly: true }],
    });
  });
});

describe('canonicalTimeZone: the zone as stored', () => {
  it.each<[string, string | null]>([
    ['Europe/Berlin', 'Europe/Berlin'],
    ['australia/sydney', 'Australia/Sydney'],
    ['AUSTRALIA/SYDNEY', 'Australia/Sydney'],
    ['america/new_york', 'America/New_York'],
    ['asia/tokyo', 'Asia/Tokyo'],
    ['utc', 'UTC'],
    ['UTC', 'UTC'],
    ['', null],
    ['Mars/Olympus_Mons', null],
    ['+01:00', null],
    ['-05:00', null],
    ['Europe/Berlin'.padEnd(65, 'x'), null],
    // Zones IANA renamed, which Node's Intl (ICU) still calls by their old name: the current one.
    ['Europe/Kyiv', 'Europe/Kyiv'],
    ['europe/kyiv', 'Europe/Kyiv'],
    ['America/Nuuk', 'America/Nuuk'],
    ['Pacific/Kanton', 'Pacific/Kanton'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['asia/ho_chi_minh', 'Asia/Ho_Chi_Minh'],
    // The old name is an alias like US/Eastern: it becomes the zone's current name.
    ['Europe/Kiev', 'Europe/Kyiv'],
    ['America/Godthab', 'America/Nuuk'],
  ])('%j → %j', (zone, expected) => {
    expect(canonicalTimeZone(zone)).toBe(expected);
  });

  it.each(Object.entries(RENAMED_ZONES))('%s is the runtime\'s name for %s, or the runtime knows the current name as it is', (old, current) => {
    const resolved = (zone: string) => new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    expect([old, current]).toContain(resolved(current));
    expect(resolved(old)).toBe(resolved(current));
    expect(canonicalTimeZone(old.toLowerCase())).toBe(current);
  });

  it('parseCalendar stores the canonical name of a zone typed in another letter case', () => {
    expect(parseCalendar(input({ time_zone: ' australia/sydney ' })).definition.timeZone).toBe('Australia/Sydney');
  });
});
