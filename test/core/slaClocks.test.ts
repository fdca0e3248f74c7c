import { describe, expect, it } from 'vitest';
import type { CalendarDefinition } from '../../src/core/calendar.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import {
  ALWAYS_OPEN_CLOCK,
  clocksAfterMessage,
  clocksAtClose,
  clocksAtCreation,
  dueOnResume,
  IDLE_CLOCKS,
  PAUSED_DUE_AT,
  runningNextReplyDue,
  type TicketClocks,
} from '../../src/core/slaClocks.js';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0); // a Monday, 10:00 UTC
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Monday to Friday 09:00–17:00 UTC. */
const OFFICE: CalendarDefinition = {
  timeZone: 'UTC',
  hours: {
    mon: [{ start: 540, end: 1020 }],
    tue: [{ start: 540, end: 1020 }],
    wed: [{ start: 540, end: 1020 }],
    thu: [{ start: 540, end: 1020 }],
    fri: [{ start: 540, end: 1020 }],
    sat: [],
    sun: [],
  },
  holidays: [],
};

/** Open one hour a week (Monday 09:00–10:00 UTC): a year of open time lies 8,760 weeks ahead. */
const ONE_HOUR_A_WEEK: CalendarDefinition = { ...OFFICE, hours: { ...OFFICE.hours, tue: [], wed: [], thu: [], fri: [], mon: [{ start: 540, end: 600 }] } };
const A_YEAR = 365 * 24 * 3600;

function settings(over: Partial<Settings> = {}): Settings {
  return { ...DEFAULT_SETTINGS, ...over };
}

/** A ticket created at `at` with the given settings, as its clock columns. */
function ticketAt(at: number, s: Settings, calendar: CalendarDefinition | null = null, priority: 'high' | 'medium' | 'low' = 'high') {
  return {
    ...IDLE_CLOCKS,
    ...clocksAtCreation(at, priority, s, { versionId: calendar ? 7 : null, calendar }),
    priority,
    first_response_at: null as number | null,
  } satisfies TicketClocks & Record<string, unknown>;
}

describe('clocksAtCreation', () => {
  it('with the defaults is §4 exactly: created_at + the limit, nothing else', () => {
    expect(clocksAtCreation(T0, 'medium', DEFAULT_SETTINGS, ALWAYS_OPEN_CLOCK)).toEqual({
      sla_due_at: T0 + 4 * MIN,
      sla_calendar_version_id: null,
      sla_warn_at: null,
      first_response_due_at: null,
      first_response_warn_at: null,
    });
  });

  it.each<[string, Partial<Settings>, CalendarDefinition | null, number, Record<string, number | null>]>([
    ['a first-response target', { firstResponse: { high: 30, medium: null, low: null } }, null, T0, { first_response_due_at: T0 + 30_000, first_response_warn_at: null }],
    ['warnings at 80 %', { warnAtPercent: 80, firstResponse: { high: 100, medium: null, low: null } }, null, T0, { sla_warn_at: T0 + 48_000, first_response_warn_at: T0 + 80_000 }],
    ['office hours: 10:00 + 1 min', {}, OFFICE, T0, { sla_due_at: T0 + MIN }],
    ['office hours: 16:59:30 + 1 min → Tuesday 09:00:30', {}, OFFICE, T0 + 7 * HOUR - 30_000, { sla_due_at: T0 + 23 * HOUR + 30_000 }],
    ['office hours, created on Saturday: Monday 09:01', {}, OFFICE, T0 + 5 * 24 * HOUR, { sla_due_at: T0 + 7 * 24 * HOUR - HOUR + MIN }],
    // 1 % of a year of open time comes in 88 weeks, the deadline in 8,760: no warning of a deadline there is none of.
    ['no due time within ten years, warning at 1 %: no warning either', { sla: { high: A_YEAR, medium: 240, low: 3600 }, firstResponse: { high: A_YEAR, medium: null, low: null }, warnAtPercent: 1 }, ONE_HOUR_A_WEEK, T0, { sla_due_at: PAUSED_DUE_AT, sla_warn_at: null, first_response_due_at: PAUSED_DUE_AT, first_response_warn_at: null }],
    ['office hours, warning at 50 % of a 1 h target on Friday 16:45 → Monday 09:15', { sla: { high: 3600, medium: 240, low: 3600 }, warnAtPercent: 50 }, OFFICE, T0 + 4 * 24 * HOUR + 6 * HOUR + 45 * MIN, { sla_warn_at: T0 + 7 * 24 * HOUR - HOUR + 15 * MIN, sla_due_at: T0 + 7 * 24 * HOUR - HOUR + 45 * MIN }],
  ])('%s', (_title, over, calendar, at, expected) => {
    expect(clocksAtCreation(at, 'high', settings(over), { versionId: calendar ? 7 : null, calendar })).toMatchObject(expected);
  });

  it('records the calendar version the clocks count with', () => {
    expect(clocksAtCreation(T0, 'high', DEFAULT_SETTINGS, { versionId: 12, calendar: OFFICE }).sla_calendar_version_id).toBe(12);
  });
});

describe('clocksAfterMessage', () => {
  const withTargets = settings({ firstResponse: { high: 120, medium: null, low: null }, nextReply: { high: 300, medium: null, low: null }, warnAtPercent: 50 });

  it('a first public reply in time stops the first-response clock as met', () => {
    const ticket = ticketAt(T0, withTargets);
    expect(clocksAfterMessage(ticket, 'public_reply', T0 + 120_000, withTargets, null, ALWAYS_OPEN_CLOCK)).toEqual({ set: {}, stopped: [{ metric: 'first_response', met: true, recorded: false }] });
  });

  it('a late first reply is a breach, recorded or not by the monitor', () => {
    const ticket = ticketAt(T0, withTargets);
    expect(clocksAfterMessage(ticket, 'public_reply', T0 + 120_001, withTargets, null, ALWAYS_OPEN_CLOCK).stopped).toEqual([{ metric: 'first_response', met: false, recorded: false }]);
    const recorded = { ...ticket, first_response_breached_at: T0 + 120_500 };
    expect(clocksAfterMessage(recorded, 'public_reply', T0 + 121_000, withTargets, null, ALWAYS_OPEN_CLOCK).stopped).toEqual([{ metric: 'first_response', met: false, recorded: true }]);
  });

  it('a second reply stops nothing more', () => {
    const ticket = { ...ticketAt(T0, withTargets), first_response_at: T0 + 1000 };
    expect(clocksAfterMessage(ticket, 'public_reply', T0 + 2000, withTargets, null, ALWAYS_OPEN_CLOCK)).toEqual({ set: {}, stopped: [] });
  });

  it('a customer message starts a next-reply clock (with its warning) with the calendar in force now', () => {
    const ticket = { ...ticketAt(T0, withTargets), first_response_at: T0 + 1000 };
    const change = clocksAfterMessage(ticket, 'customer_message', T0 + HOUR, withTargets, null, ALWAYS_OPEN_CLOCK);
    expect(change).toEqual({
      set: { next_reply_started_at: T0 + HOUR, next_reply_due_at: T0 + HOUR + 300_000, next_reply_warn_at: T0 + HOUR + 150_000, next_reply_warned_at: null, next_reply_breached_at: null },
      stopped: [],
    });
    // Friday 16:58 in office hours: 5 min → Monday 09:03.
    const friday = T0 + 4 * 24 * HOUR + 6 * HOUR + 58 * MIN;
    const inOffice = clocksAfterMessage(ticket, 'customer_message', friday, withTargets, null, { versionId: 3, calendar: OFFICE });
    expect(inOffice.set.next_reply_due_at).toBe(T0 + 7 * 24 * HOUR - HOUR + 3 * MIN);
  });

  it('a second customer message does not restart a running next-reply clock; the reply stops it', () => {
    const ticket = { ...ticketAt(T0, withTargets), first_response_at: T0 + 1000 };
    const running = { ...ticket, ...clocksAfterMessage(ticket, 'customer_message', T0 + HOUR, withTargets, null, ALWAYS_OPEN_CLOCK).set };
    expect(clocksAfterMessage(running, 'customer_message', T0 + HOUR + MIN, withTargets, null, ALWAYS_OPEN_CLOCK).set).toEqual({});
    const reply = clocksAfterMessage(running, 'public_reply', T0 + HOUR + 4 * MIN, withTargets, null, ALWAYS_OPEN_CLOCK);
    expect(reply.stopped).toEqual([{ metric: 'next_reply', met: true, recorded: false }]);
    expect(reply.set).toEqual({ next_reply_started_at: null, next_reply_due_at: null, next_reply_warn_at: null, next_reply_warned_at: null, next_reply_breached_at: null });
  });

  it('no next-reply target: a customer message starts nothing', () => {
    const ticket = ticketAt(T0, DEFAULT_SETTINGS);
    expect(clocksAfterMessage(ticket, 'customer_message', T0 + 1000, DEFAULT_SETTINGS, null, ALWAYS_OPEN_CLOCK)).toEqual({ set: {}, stopped: [] });
  });

  describe('pause while waiting on the customer', () => {
    const pausing = settings({ sla: { high: 3600, medium: 240, low: 3600 }, pauseWhileWaiting: true, warnAtPercent: 50 });

    it('a public reply pauses the resolution clock, keeping the time left and the warning still to come', () => {
      const ticket = ticketAt(T0, pausing);
      const { set } = clocksAfterMessage(ticket, 'public_reply', T0 + 10 * MIN, pausing, null, ALWAYS_OPEN_CLOCK);
      expect(set).toEqual({ sla_paused_at: T0 + 10 * MIN, sla_remaining_ms: 50 * MIN, sla_warn_remaining_ms: 20 * MIN, sla_due_at: PAUSED_DUE_AT, sla_warn_at: null });
    });

    it('the customer message starts it again with what was left: the due time moves by the time it waited', () => {
      const ticket = ticketAt(T0, pausing);
      const paused = { ...ticket, ...clocksAfterMessage(ticket, 'public_reply', T0 + 10 * MIN, pausing, null, ALWAYS_OPEN_CLOCK).set };
      const { set } = clocksAfterMessage(paused, 'customer_message', T0 + 3 * HOUR, pausing, null, ALWAYS_OPEN_CLOCK);
      expect(set).toMatchObject({ sla_paused_at: null, sla_remaining_ms: null, sla_warn_remaining_ms: null, sla_due_at: T0 + 3 * HOUR + 50 * MIN, sla_warn_at: T0 + 3 * HOUR + 20 * MIN });
    });

    it('in business time: paused Friday 16:30 with 45 min left, the customer writes Saturday: due Monday 09:45', () => {
      const friday = T0 + 4 * 24 * HOUR + 6 * HOUR + 30 * MIN;
      const ticket = { ...ticketAt(friday - 15 * MIN, pausing, OFFICE) };
      const paused = { ...ticket, ...clocksAfterMessage(ticket, 'public_reply', friday, pausing, OFFICE, ALWAYS_OPEN_CLOCK).set };
      expect(paused.sla_remaining_ms).toBe(45 * MIN);
      const saturday = friday + 20 * HOUR;
      const { set } = clocksAfterMessage(paused, 'customer_message', saturday, pausing, OFFICE, ALWAYS_OPEN_CLOCK);
      expect(set.sla_due_at).toBe(T0 + 7 * 24 * HOUR - HOUR + 45 * MIN);
    });

    it('a warning already given stays given: nothing to restore, its instant kept through the pause, the resume and a close', () => {
      const ticket = { ...ticketAt(T0, pausing), sla_warned_at: T0 + 30 * MIN };
      const { set } = clocksAfterMessage(ticket, 'public_reply', T0 + 40 * MIN, pausing, null, ALWAYS_OPEN_CLOCK);
      expect(set.sla_warn_remaining_ms).toBeNull();
      expect(set).not.toHaveProperty('sla_warn_at');
      const paused = { ...ticket, ...set };
      expect(paused.sla_warn_at).toBe(T0 + 30 * MIN);
      expect(clocksAfterMessage(paused, 'customer_message', T0 + HOUR, pausing, null, ALWAYS_OPEN_CLOCK).set).not.toHaveProperty('sla_warn_at');
      expect(clocksAtClose(paused, T0 + HOUR, null)).not.toHaveProperty('sla_warn_at');
    });

    it.each<[string, Partial<TicketClocks>]>([
      ['already breached', { sla_breached_at: T0 + 2 * HOUR }],
      ['already paused', { sla_paused_at: T0 + MIN, sla_due_at: PAUSED_DUE_AT, sla_remaining_ms: 59 * MIN }],
      // No due instant within the calendar's ten years: no time left to keep (and measuring the time
      // up to PAUSED_DUE_AT walked 270,000 years of the calendar, minutes of a blocked server).
      ['with no due instant (its calendar holds none within ten years)', { sla_due_at: PAUSED_DUE_AT }],
    ])('does not pause a clock %s', (_title, over) => {
      const ticket = { ...ticketAt(T0, pausing), ...over };
      const { set } = clocksAfterMessage(ticket, 'public_reply', T0 + 2 * HOUR + MIN, pausing, null, ALWAYS_OPEN_CLOCK);
      expect(set.sla_paused_at).toBeUndefined();
    });

    it('a reply that closes the ticket pauses nothing; a plain reply without the setting neither', () => {
      const ticket = ticketAt(T0, pausing);
      expect(clocksAfterMessage(ticket, 'closing_reply', T0 + MIN, pausing, null, ALWAYS_OPEN_CLOCK).set).toEqual({});
      expect(clocksAfterMessage(ticket, 'public_reply', T0 + MIN, settings({ ...pausing, pauseWhileWaiting: false }), null, ALWAYS_OPEN_CLOCK).set).toEqual({});
    });

    it('a close while paused starts the clock again first: closed with time left is closed in time', () => {
      const ticket = ticketAt(T0, pausing);
      const paused = { ...ticket, ...clocksAfterMessage(ticket, 'public_reply', T0 + 10 * MIN, pausing, null, ALWAYS_OPEN_CLOCK).set };
      const closeAt = T0 + 5 * HOUR;
      const set = clocksAtClose(paused, closeAt, null);
      expect(set.sla_due_at).toBe(closeAt + 50 * MIN);
      expect(set.sla_paused_at).toBeNull();
      expect(clocksAtClose(ticket, closeAt, null)).toEqual({});
    });
  });
});

describe('the README worked example (SLA → Worked example with every setting)', () => {
  const berlinOffice: CalendarDefinition = { ...OFFICE, timeZone: 'Europe/Berlin' };
  const office = { versionId: 1, calendar: berlinOffice };
  const s = settings({
    sla: { high: 8 * 3600, medium: 240, low: 3600 },
    firstResponse: { high: 30 * 60, medium: null, low: null },
    nextReply: { high: 3600, medium: null, low: null },
    pauseWhileWaiting: true,
    warnAtPercent: 80,
    calendarId: 1,
  });
  /** Berlin wall-clock time in December (UTC+1). */
  const berlin = (day: number, hour: number, minute = 0) => Date.UTC(2026, 11, day, hour - 1, minute);

  it('counts through the weekend, pauses, resumes and times the next reply as the README says', () => {
    const created = { ...IDLE_CLOCKS, ...clocksAtCreation(berlin(11, 16, 50), 'high', s, office), priority: 'high' as const, first_response_at: null as number | null };
    expect(created.first_response_due_at).toBe(berlin(14, 9, 20));
    expect(created.first_response_warn_at).toBe(berlin(14, 9, 14));
    expect(created.sla_due_at).toBe(berlin(14, 16, 50));

    const answered = clocksAfterMessage(created, 'public_reply', berlin(14, 9, 10), s, berlinOffice, office);
    expect(answered.stopped).toEqual([{ metric: 'first_response', met: true, recorded: false }]);
    expect(answered.set.sla_remaining_ms).toBe((7 * 60 + 40) * 60_000);
    const paused = { ...created, ...answered.set, first_response_at: berlin(14, 9, 10) };

    const resumed = clocksAfterMessage(paused, 'customer_message', berlin(15, 11, 0), s, berlinOffice, office);
    expect(resumed.set.sla_due_at).toBe(berlin(16, 10, 40));
    expect(resumed.set.next_reply_due_at).toBe(berlin(15, 12, 0));
    expect(resumed.set.next_reply_warn_at).toBe(berlin(15, 11, 48));

    const late = clocksAfterMessage({ ...paused, ...resumed.set }, 'public_reply', berlin(15, 12, 30), s, berlinOffice, office);
    expect(late.stopped).toEqual([{ metric: 'next_reply', met: false, recorded: false }]);
  });
});

describe('the next-reply clock a ticket runs', () => {
  const rows: [string, { status: 'open' | 'closed'; next_reply_due_at: number | null }, number | null][] = [
    ['open, a clock running', { status: 'open', next_reply_due_at: T0 }, T0],
    ['open, none running', { status: 'open', next_reply_due_at: null }, null],
    ['open, no due instant within ten years', { status: 'open', next_reply_due_at: PAUSED_DUE_AT }, null],
    ['closed while one ran: the close stopped it', { status: 'closed', next_reply_due_at: T0 }, null],
  ];
  for (const [name, ticket, expected] of rows) it(name, () => expect(runningNextReplyDue(ticket)).toBe(expected));
});

describe('dueOnResume', () => {
  it.each<[string, number, number | null, CalendarDefinition | null, number]>([
    ['24/7: the time left from the start', T0, 6 * MIN, null, T0 + 6 * MIN],
    ['nothing left: due at the start', T0, 0, null, T0],
    ['no time kept: due at the start', T0, null, OFFICE, T0],
    ['office hours: Monday 16:30 with an hour left is Tuesday 09:30', T0 + 6.5 * HOUR, HOUR, OFFICE, T0 + 23.5 * HOUR],
  ])('%s', (_title, start, remaining, calendar, due) => {
    expect(dueOnResume(start, remaining, calendar)).toBe(due);
  });
});
