import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { addBusinessTime, businessTimeBetween, HORIZON_MS, isOpenAt, nextOpening, openStretches } from '../../src/core/businessTime.js';
import { formatTimeOfDay, parseCalendar, WEEKDAYS, type CalendarDefinition, type CalendarJson, type SlaCalendar, type Weekday } from '../../src/core/calendar.js';
import { MINUTE, referenceMinutes } from './support/businessTimeReference.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Hours = Partial<Record<Weekday, [string, string][]>>;

function calendar(timeZone: string, hours: Hours, holidays: CalendarJson['holidays'] = []): CalendarDefinition {
  return parseCalendar({ name: 'Test', time_zone: timeZone, hours, holidays }).definition;
}

/** Monday to Friday with the same intervals. */
function weekdays(intervals: [string, string][]): Hours {
  return { mon: intervals, tue: intervals, wed: intervals, thu: intervals, fri: intervals };
}

/** A local time in `zone`; an ISO string with an offset names one of a fall-back day's two 02:30s. */
function local(iso: string, zone: string): number {
  const time = /[+-]\d\d:\d\d$/.test(iso) ? DateTime.fromISO(iso, { setZone: true }) : DateTime.fromISO(iso, { zone });
  if (!time.isValid) throw new Error(`bad test time ${iso}`);
  return time.toMillis();
}

const office = calendar('Europe/Berlin', weekdays([['09:00', '17:00']]));
const monToThu = calendar('America/New_York', { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']] });
const lunchBreak = calendar('Europe/Berlin', weekdays([['09:00', '12:00'], ['13:00', '17:00']]));
const fridayNight = (holidays: CalendarJson['holidays'] = []) => calendar('Europe/Berlin', { fri: [['22:00', '06:00']] }, holidays);
const nights = (zone: string) => calendar(zone, Object.fromEntries(WEEKDAYS.map((d) => [d, [['00:00', '06:00']]])) as Hours);
const yearEnd = calendar('Europe/Berlin', weekdays([['09:00', '17:00']]), [{ from: '2025-12-24', to: '2026-01-01', yearly: true }]);
const monToSat = (holidays: CalendarJson['holidays']) => calendar('Europe/Berlin', { ...weekdays([['09:00', '17:00']]), sat: [['09:00', '17:00']] }, holidays);
const yearTurn = calendar('Europe/Berlin', { thu: [['22:00', '06:00']] }, [{ from: '2020-01-01', to: '2020-01-01', yearly: true }]);

describe('addBusinessTime: worked examples', () => {
  // [what, calendar, start (local), amount, due (local)]; January 2026: the 12th is a Monday.
  const rows: [string, CalendarDefinition, string, number, string][] = [
    ['osTicket #6739, only Mon–Thu defined: Thursday 16:30 + 1 h is Monday 09:30', monToThu, '2026-01-15T16:30', HOUR, '2026-01-19T09:30'],
    ['osTicket #6847, lunch 12:00–13:00: 11:30 + 1 h is 13:30', lunchBreak, '2026-01-14T11:30', HOUR, '2026-01-14T13:30'],
    ['a ticket during lunch starts counting at 13:00', lunchBreak, '2026-01-14T12:15', 30 * MINUTE, '2026-01-14T13:30'],
    ['a target that ends with the day ends at 17:00, not at the next opening', office, '2026-01-12T16:00', HOUR, '2026-01-12T17:00'],
    ['a ticket on Saturday starts counting on Monday 09:00', office, '2026-01-17T10:00', 2 * HOUR, '2026-01-19T11:00'],
    ['Friday 22:00–06:00 night shift: Friday 21:00 + 3 h is Saturday 01:00', fridayNight(), '2026-01-16T21:00', 3 * HOUR, '2026-01-17T01:00'],
    ['night shift: Friday 23:00 + 8 h is the next Friday 23:00', fridayNight(), '2026-01-16T23:00', 8 * HOUR, '2026-01-23T23:00'],
    ['night shift: Saturday 05:00 + 1 h ends with the shift at 06:00', fridayNight(), '2026-01-17T05:00', HOUR, '2026-01-17T06:00'],
    ['a holiday on the Friday closes its whole night shift', fridayNight([{ from: '2026-01-16', to: '2026-01-16', yearly: false }]), '2026-01-16T21:00', HOUR, '2026-01-23T23:00'],
    ['a holiday on the Saturday does not shorten Friday’s shift', fridayNight([{ from: '2026-01-17', to: '2026-01-17', yearly: false }]), '2026-01-16T21:00', 3 * HOUR, '2026-01-17T01:00'],
    ['a Saturday holiday on a Mon–Sat calendar: Friday 16:00 + 2 h is Monday 10:00', monToSat([{ from: '2026-01-17', to: '2026-01-17', yearly: false }]), '2026-01-16T16:00', 2 * HOUR, '2026-01-19T10:00'],
    ['without it, Saturday counts', monToSat([]), '2026-01-16T16:00', 2 * HOUR, '2026-01-17T10:00'],
    ['a Saturday holiday on a Mon–Fri calendar changes nothing', calendar('Europe/Berlin', weekdays([['09:00', '17:00']]), [{ from: '2026-01-17', to: '2026-01-18', yearly: false }]), '2026-01-16T16:00', 2 * HOUR, '2026-01-19T10:00'],
    ['yearly Dec 24–Jan 1 (given for 2025) closes 2026’s too: Wed Dec 23 16:00 + 2 h is Mon Jan 4 10:00', yearEnd, '2026-12-23T16:00', 2 * HOUR, '2027-01-04T10:00'],
    ['a yearly Feb 20–29 holiday ends on Feb 28 in years without a Feb 29: Fri Feb 19 2027 16:00 + 2 h is Mon Mar 1 10:00', calendar('Europe/Berlin', weekdays([['09:00', '17:00']]), [{ from: '2024-02-20', to: '2024-02-29', yearly: true }]), '2027-02-19T16:00', 2 * HOUR, '2027-03-01T10:00'],
    ['a Thursday night shift runs into New Year’s Day, a holiday that does not shorten it', yearTurn, '2026-12-31T23:00', 5 * HOUR, '2027-01-01T04:00'],
    ['Berlin spring forward over the weekend: Friday 16:00 CET + 2 h is Monday 10:00 CEST', office, '2026-03-27T16:00', 2 * HOUR, '2026-03-30T10:00'],
    ['Berlin spring forward: 01:30 + 1 h is 03:30 (02:00–03:00 never happens)', nights('Europe/Berlin'), '2026-03-29T01:30+01:00', HOUR, '2026-03-29T03:30+02:00'],
    ['Berlin fall back: 01:30 + 2 h is the second 02:30', nights('Europe/Berlin'), '2026-10-25T01:30+02:00', 2 * HOUR, '2026-10-25T02:30+01:00'],
    ['New York spring forward: 01:30 + 1 h is 03:30', nights('America/New_York'), '2026-03-08T01:30-05:00', HOUR, '2026-03-08T03:30-04:00'],
    ['New York fall back: 01:30 + 1 h is the second 01:30', nights('America/New_York'), '2026-11-01T01:30-04:00', HOUR, '2026-11-01T01:30-05:00'],
    ['New York: a Saturday 22:00–06:00 shift across spring forward holds 7 h', calendar('America/New_York', { sat: [['22:00', '06:00']] }), '2026-03-07T22:00', 7 * HOUR, '2026-03-08T06:00'],
    ['Lord Howe fall back by 30 min: 01:45 + 30 min is the second 01:45', nights('Australia/Lord_Howe'), '2026-04-05T01:45+11:00', 30 * MINUTE, '2026-04-05T01:45+10:30'],
    ['Lord Howe spring forward by 30 min: 01:45 + 30 min is 02:45', nights('Australia/Lord_Howe'), '2026-10-04T01:45+10:30', 30 * MINUTE, '2026-10-04T02:45+11:00'],
  ];
  it.each(rows)('%s', (_what, definition, start, amount, due) => {
    const from = local(start, definition.timeZone);
    expect(new Date(addBusinessTime(definition, from, amount)!).toISOString()).toBe(new Date(local(due, definition.timeZone)).toISOString());
    expect(businessTimeBetween(definition, from, local(due, definition.timeZone))).toBe(amount);
  });
});

describe('businessTimeBetween: worked examples', () => {
  const rows: [string, CalendarDefinition, string, string, number][] = [
    ['Berlin, 00:00–06:00 on the spring-forward day holds 5 h', nights('Europe/Berlin'), '2026-03-29T00:00', '2026-03-29T12:00', 5 * HOUR],
    ['Berlin, 00:00–06:00 on the fall-back day holds 7 h', nights('Europe/Berlin'), '2026-10-25T00:00', '2026-10-25T12:00', 7 * HOUR],
    ['New York, spring forward: 5 h', nights('America/New_York'), '2026-03-08T00:00', '2026-03-08T12:00', 5 * HOUR],
    ['New York, fall back: 7 h', nights('America/New_York'), '2026-11-01T00:00', '2026-11-01T12:00', 7 * HOUR],
    ['Lord Howe, fall back by 30 min: 6.5 h', nights('Australia/Lord_Howe'), '2026-04-05T00:00', '2026-04-05T12:00', 6.5 * HOUR],
    ['Lord Howe, spring forward by 30 min: 5.5 h', nights('Australia/Lord_Howe'), '2026-10-04T00:00', '2026-10-04T12:00', 5.5 * HOUR],
    ['the year 2026 on 9–17 weekdays less Dec 24–Jan 1: 254 days of 8 h', yearEnd, '2026-01-01T00:00', '2027-01-01T00:00', 254 * 8 * HOUR],
    ['a span that ends before it starts is 0', office, '2026-01-12T12:00', '2026-01-12T10:00', 0],
  ];
  it.each(rows)('%s', (_what, definition, from, to, expected) => {
    expect(businessTimeBetween(definition, local(from, definition.timeZone), local(to, definition.timeZone))).toBe(expected);
  });
});

describe('isOpenAt and nextOpening: worked examples', () => {
  it('opens at 09:00 sharp and closes at 17:00 sharp', () => {
    expect(isOpenAt(office, local('2026-01-12T08:59:59.999', 'Europe/Berlin'))).toBe(false);
    expect(isOpenAt(office, local('2026-01-12T09:00', 'Europe/Berlin'))).toBe(true);
    expect(isOpenAt(office, local('2026-01-12T16:59:59.999', 'Europe/Berlin'))).toBe(true);
    expect(isOpenAt(office, local('2026-01-12T17:00', 'Europe/Berlin'))).toBe(false);
  });
  it('answers the instant itself when open, else the next opening', () => {
    const open = local('2026-01-12T10:00:00.123', 'Europe/Berlin');
    expect(nextOpening(office, open)).toBe(open);
    expect(nextOpening(office, local('2026-01-17T10:00', 'Europe/Berlin'))).toBe(local('2026-01-19T09:00', 'Europe/Berlin'));
    expect(nextOpening(yearEnd, local('2026-12-23T17:00', 'Europe/Berlin'))).toBe(local('2027-01-04T09:00', 'Europe/Berlin'));
  });
  it('a yearly break across new year holds in every day of its second half too', () => {
    const winterBreak = calendar('Europe/Berlin', weekdays([['09:00', '17:00']]), [{ from: '2025-12-20', to: '2026-02-05', yearly: true }]);
    expect(isOpenAt(winterBreak, local('2026-01-28T10:00', 'Europe/Berlin'))).toBe(false);
    expect(nextOpening(winterBreak, local('2027-01-04T10:00', 'Europe/Berlin'))).toBe(local('2027-02-08T09:00', 'Europe/Berlin'));
  });
  it('a spring-forward gap inside an interval is skipped, not counted as closed', () => {
    const nyNights = nights('America/New_York');
    expect(isOpenAt(nyNights, local('2026-03-08T01:59:59.999-05:00', 'America/New_York'))).toBe(true);
    expect(isOpenAt(nyNights, local('2026-03-08T03:00-04:00', 'America/New_York'))).toBe(true);
    expect(isOpenAt(nyNights, local('2026-11-01T01:30-05:00', 'America/New_York'))).toBe(true);
  });
});

describe('the horizon: ten years of calendar days', () => {
  // Open one hour a week: a year of business time would take 168 years.
  const tiny = calendar('America/New_York', { wed: [['10:00', '11:00']] });
  const start = Date.UTC(2026, 3, 1); // Tuesday evening in New York
  const wednesdayEleven = (weeks: number) => DateTime.fromISO('2026-04-01T11:00', { zone: 'America/New_York' }).plus({ weeks }).toMillis();

  it('finds a due time hundreds of weeks ahead, exactly', () => {
    expect(addBusinessTime(tiny, start, 400 * HOUR)).toBe(wednesdayEleven(399));
    expect(addBusinessTime(tiny, start, 522 * HOUR)).toBe(wednesdayEleven(521));
    expect(wednesdayEleven(521)).toBeLessThanOrEqual(start + HORIZON_MS);
  });
  it('answers null past the horizon', () => {
    expect(wednesdayEleven(522)).toBeGreaterThan(start + HORIZON_MS);
    expect(addBusinessTime(tiny, start, 523 * HOUR)).toBeNull();
    expect(addBusinessTime(tiny, start, 365 * 24 * HOUR)).toBeNull();
  });
  it('a calendar closed all year by a yearly holiday never opens', () => {
    const closed = calendar('Europe/Berlin', weekdays([['09:00', '17:00']]), [{ from: '2025-01-01', to: '2025-12-31', yearly: true }]);
    expect(nextOpening(closed, start)).toBeNull();
    expect(addBusinessTime(closed, start, MINUTE)).toBeNull();
    expect(businessTimeBetween(closed, start, start + 400 * DAY)).toBe(0);
  });
});

describe('the 24/7 calendar (null)', () => {
  it('is plain arithmetic', () => {
    expect(addBusinessTime(null, 1_000, 60_000)).toBe(61_000);
    expect(businessTimeBetween(null, 1_000, 61_000)).toBe(60_000);
    expect(businessTimeBetween(null, 61_000, 1_000)).toBe(0);
    expect(isOpenAt(null, 5)).toBe(true);
    expect(nextOpening(null, 5)).toBe(5);
  });
});

describe('bad input', () => {
  it('refuses an unknown zone, a non-finite instant and a negative amount', () => {
    const mars = { ...office, timeZone: 'Mars/Olympus_Mons' };
    expect(() => isOpenAt(mars, 0)).toThrow(/Mars\/Olympus_Mons/);
    expect(() => businessTimeBetween(office, Number.NaN, 0)).toThrow(/from/);
    expect(() => addBusinessTime(office, 0, -1)).toThrow(/amountMs/);
    expect(addBusinessTime(office, 123, 0)).toBe(123);
  });
});

// ---- Properties against the minute-by-minute reference ----

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC', 'Pacific/Chatham'];

const anchorsByZone = new Map<string, number[]>();
/** Instants near each offset change and each local new year of 2025–2027 in `zone` (found with Luxon). */
function anchors(zone: string): number[] {
  let found = anchorsByZone.get(zone);
  if (!found) {
    found = [2026, 2027, 2028].map((year) => DateTime.fromObject({ year, month: 1, day: 1 }, { zone }).toMillis());
    for (let t = Date.UTC(2025, 0, 1, 12); t < Date.UTC(2028, 0, 1); t += DAY) {
      if (DateTime.fromMillis(t, { zone }).offset !== DateTime.fromMillis(t - DAY, { zone }).offset) found.push(t - 12 * HOUR);
    }
    anchorsByZone.set(zone, found);
  }
  return found;
}

/** Distinct cut points on a circle paired into intervals [start, length]; `shifted` pairs the last cut with the first. */
function circleIntervals(cuts: number[], circle: number, shifted: boolean): [number, number][] {
  const sorted = [...new Set(cuts)].sort((a, b) => a - b);
  const points = shifted ? [...sorted.slice(1), sorted[0]! + circle] : sorted;
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < points.length; i += 2) pairs.push([points[i]!, points[i + 1]! - points[i]!]);
  return pairs;
}

/** Adds the interval starting `start` minutes into `day` (at most a day long) to `hours`. */
function addInterval(hours: Hours, day: Weekday, start: number, length: number): void {
  const capped = Math.min(length, start === 0 ? 1440 : 1439);
  const end = start + capped <= 1440 ? start + capped : start + capped - 1440;
  (hours[day] ??= []).push([formatTimeOfDay(start), formatTimeOfDay(end)]);
}

/** Intervals anywhere in the week (split shifts, overnight, Sunday into Monday, whole days). */
const weekHours = fc
  .record({ cuts: fc.uniqueArray(fc.integer({ min: 0, max: 2015 }), { minLength: 2, maxLength: 14 }), shifted: fc.boolean() })
  .map(({ cuts, shifted }) => {
    const hours: Hours = {};
    for (const [start, length] of circleIntervals(cuts.map((c) => c * 5), 7 * 1440, shifted)) {
      addInterval(hours, WEEKDAYS[Math.floor(start / 1440)]!, start % 1440, length);
    }
    return hours;
  });

/** The same intervals on some days (office hours, lunch breaks, night shifts). */
const dailyHours = fc
  .record({
    cuts: fc.uniqueArray(fc.integer({ min: 0, max: 95 }), { minLength: 2, maxLength: 6 }),
    shifted: fc.boolean(),
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  })
  .map(({ cuts, shifted, days }) => {
    const hours: Hours = {};
    for (const day of days) for (const [start, length] of circleIntervals(cuts.map((c) => c * 15), 1440, shifted)) addInterval(hours, day, start, length);
    return hours;
  });

const holidaySeed = fc.record({
  firstDay: fc.integer({ min: -10, max: 10 }),
  days: fc.integer({ min: 0, max: 6 }),
  yearly: fc.boolean(),
  yearShift: fc.integer({ min: -2, max: 2 }),
});

const calendarCase = fc.record({
  zone: fc.constantFrom(...ZONES),
  hours: fc.oneof(weekHours, dailyHours),
  holidays: fc.array(holidaySeed, { maxLength: 4 }),
  anchor: fc.nat(),
  lead: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** A calendar (through parseCalendar, so it is valid) and a minute-aligned instant near a change. */
type CalendarCase = typeof calendarCase extends fc.Arbitrary<infer T> ? T : never;

function buildCase(c: CalendarCase, span: number): { definition: CalendarDefinition; start: number } {
  const list = anchors(c.zone);
  const anchor = list[c.anchor % list.length]!;
  const start = Math.floor((anchor - c.lead * span) / MINUTE) * MINUTE;
  const base = DateTime.fromMillis(start, { zone: c.zone }).startOf('day');
  const holidays = c.holidays.map(({ firstDay, days, yearly, yearShift }) => {
    const from = base.plus({ days: firstDay });
    const shift = yearly ? yearShift : 0;
    return { from: from.plus({ years: shift }).toISODate()!, to: from.plus({ days }).plus({ years: shift }).toISODate()!, yearly };
  });
  return { definition: calendar(c.zone, c.hours, holidays), start };
}

const probe = fc.record({ a: fc.nat(), b: fc.nat(), amount: fc.integer({ min: 1, max: 3 * 1440 }), ms: fc.integer({ min: 0, max: MINUTE - 1 }) });

describe('properties: the fast arithmetic equals the minute-by-minute reference', () => {
  it('over random calendars, zones, instants near DST changes and new years, spans up to 10 days', () => {
    fc.assert(
      fc.property(calendarCase, fc.integer({ min: 60, max: 10 * 1440 }), fc.array(probe, { minLength: 1, maxLength: 10 }), (c, minutes, probes) => {
        const { definition, start } = buildCase(c, minutes * MINUTE);
        const open = referenceMinutes(definition, start, minutes);
        const end = start + minutes * MINUTE;
        const at = (i: number) => start + i * MINUTE;
        const countOpen = (i: number, j: number) => open.slice(i, j).filter(Boolean).length;

        expect(businessTimeBetween(definition, start, end)).toBe(countOpen(0, minutes) * MINUTE);
        for (const { a, b, amount, ms } of probes) {
          const [i, j] = [a % minutes, b % (minutes + 1)];
          expect(businessTimeBetween(definition, at(i), at(j))).toBe(j > i ? countOpen(i, j) * MINUTE : 0);
          expect(isOpenAt(definition, at(i) + ms)).toBe(open[i]);

          const firstOpen = open.indexOf(true, i);
          const next = nextOpening(definition, at(i));
          if (firstOpen >= 0) expect(next).toBe(at(firstOpen));
          else expect(next === null || next >= end).toBe(true);

          let counted = 0;
          let k = i;
          while (k < minutes && counted < amount) if (open[k++]) counted++;
          const due = addBusinessTime(definition, at(i), amount * MINUTE);
          if (counted === amount) expect(due).toBe(at(k));
          else expect(due === null || due > end).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('properties at millisecond granularity, spans up to 80 days', () => {
  const instants = fc.record({
    a: fc.integer({ min: -40 * DAY, max: 40 * DAY }),
    ab: fc.integer({ min: 0, max: 40 * DAY }),
    bc: fc.integer({ min: 0, max: 40 * DAY }),
    amount: fc.integer({ min: 1, max: 7 * DAY }),
  });

  it('between is additive, add is the earliest instant that holds the amount, nextOpening opens', () => {
    fc.assert(
      fc.property(calendarCase, instants, (c, { a: shift, ab, bc, amount }) => {
        const { definition, start } = buildCase(c, 0);
        const [a, b, cEnd] = [start + shift, start + shift + ab, start + shift + ab + bc];
        expect(businessTimeBetween(definition, a, b) + businessTimeBetween(definition, b, cEnd)).toBe(businessTimeBetween(definition, a, cEnd));

        const due = addBusinessTime(definition, a, amount);
        if (due === null) expect(businessTimeBetween(definition, a, a + HORIZON_MS)).toBeLessThan(amount);
        else {
          expect(businessTimeBetween(definition, a, due)).toBe(amount);
          expect(businessTimeBetween(definition, a, due - 1)).toBeLessThan(amount);
        }

        const next = nextOpening(definition, a);
        expect(isOpenAt(definition, a)).toBe(next === a);
        if (next !== null) {
          expect(isOpenAt(definition, next)).toBe(true);
          expect(businessTimeBetween(definition, a, next)).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('openStretches', () => {
  it.each<[string, SlaCalendar, string, string, [string, string][]]>([
    ['24/7 is one stretch', null, '2026-12-07T00:00', '2026-12-08T00:00', [['2026-12-07T00:00', '2026-12-08T00:00']]],
    ['office hours over a weekend and a Monday', office, '2026-12-05T00:00', '2026-12-08T00:00', [['2026-12-07T09:00', '2026-12-07T17:00']]],
    ['a lunch break splits the day', lunchBreak, '2026-12-07T00:00', '2026-12-08T00:00', [['2026-12-07T09:00', '2026-12-07T12:00'], ['2026-12-07T13:00', '2026-12-07T17:00']]],
    ['a night shift past midnight is one stretch', fridayNight(), '2026-12-04T00:00', '2026-12-06T00:00', [['2026-12-04T22:00', '2026-12-05T06:00']]],
    ['cut at the window edges', office, '2026-12-07T10:00', '2026-12-07T11:00', [['2026-12-07T10:00', '2026-12-07T11:00']]],
    ['a holiday has none', yearEnd, '2026-12-24T00:00', '2026-12-25T00:00', []],
  ])('%s', (_title, cal, from, to, expected) => {
    const zone = cal?.timeZone ?? 'UTC';
    expect(openStretches(cal, local(from, zone), local(to, zone))).toEqual(expected.map(([a, b]) => [local(a, zone), local(b, zone)]));
  });

  it('is empty for an empty window', () => {
    expect(openStretches(office, 10, 10)).toEqual([]);
  });
});
