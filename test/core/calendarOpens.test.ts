import { describe, expect, it } from 'vitest';
import { parseCalendar, type Holiday } from '../../src/core/calendar.js';
import { NEVER_OPEN, neverOpenFields } from '../../src/core/calendarOpens.js';

/** Weekdays 09:00–17:00 in Berlin with these holidays. */
const office = (holidays: Partial<Holiday>[]) =>
  parseCalendar({ name: 'x', time_zone: 'Europe/Berlin', hours: { mon: [['09:00', '17:00']], fri: [['22:00', '06:00']] }, holidays }).definition;

const at = (date: string) => Date.parse(`${date}T12:00:00Z`);

describe('neverOpenFields', () => {
  it.each<[string, Partial<Holiday>[], string, Record<string, string>]>([
    ['no holidays', [], '2026-12-07', {}],
    ['the usual holidays', [{ from: '2026-12-24', to: '2026-12-26', yearly: true }], '2026-12-07', {}],
    ['a range typed decades too far', [{ from: '2026-01-01', to: '2099-12-31' }], '2026-12-07', { holidays: NEVER_OPEN }],
    ['yearly halves covering the whole year', [{ from: '2026-01-01', to: '2026-06-30', yearly: true }, { from: '2026-07-01', to: '2026-12-31', yearly: true }], '2026-12-07', { holidays: NEVER_OPEN }],
    ['yearly halves with a single day left open (a Monday in 2030)', [{ from: '2026-01-01', to: '2026-05-05', yearly: true }, { from: '2026-05-07', to: '2026-12-31', yearly: true }], '2026-12-07', {}],
    ['closed until 2040, checked ten years and more before', [{ from: '2026-01-01', to: '2039-12-31' }], '2026-12-07', { holidays: NEVER_OPEN }],
    ['closed until 2040, checked within ten years of it', [{ from: '2026-01-01', to: '2039-12-31' }], '2031-01-01', {}],
    ['closed for years, open again in the past', [{ from: '2000-01-01', to: '2020-12-31' }], '2026-12-07', {}],
  ])('%s', (_what, holidays, now, expected) => {
    expect(neverOpenFields(office(holidays), at(now))).toEqual(expected);
  });
});
