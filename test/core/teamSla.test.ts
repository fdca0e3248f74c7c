import { describe, expect, it } from 'vitest';
import type { CalendarDefinition } from '../../src/core/calendar.js';
import { DEFAULT_SETTINGS, type SlaTargets } from '../../src/core/settings.js';
import { ALWAYS_OPEN_CLOCK, clocksAtCreation, type ClockCalendar } from '../../src/core/slaClocks.js';
import {
  calendarColumns,
  checkTeamSla,
  DESK_SLA,
  targetsFromText,
  targetsText,
  teamCalendarJson,
  teamCalendarOf,
  teamSlaFormValues,
  teamTargetsFromForm,
  teamTargetsJson,
  ticketClockOf,
} from '../../src/core/teamSla.js';

const TEAM_TARGETS: SlaTargets = {
  sla: { high: 1800, medium: 7200, low: 86_400 },
  firstResponse: { high: 600, medium: null, low: null },
  nextReply: { high: null, medium: 3600, low: null },
};

const TEAM_SLA_JSON = {
  high: { resolution: '30m', first_response: '10m', next_reply: null },
  medium: { resolution: '2h', first_response: null, next_reply: '1h' },
  low: { resolution: '1d', first_response: null, next_reply: null },
};

const WEEKDAYS: CalendarDefinition = {
  timeZone: 'UTC',
  hours: { mon: [{ start: 540, end: 1020 }], tue: [{ start: 540, end: 1020 }], wed: [{ start: 540, end: 1020 }], thu: [{ start: 540, end: 1020 }], fri: [{ start: 540, end: 1020 }], sat: [], sun: [] },
  holidays: [],
};

describe("a team's own SLA (§12)", () => {
  it.each<[string, Record<string, unknown>, { calendar: unknown; targets: SlaTargets | null } | null, Record<string, string>]>([
    ['nothing: the desk’s calendar and targets', {}, DESK_SLA, {}],
    ['nulls: the same', { calendar: null, sla: null }, DESK_SLA, {}],
    ['an empty calendar choice (the form’s “the desk’s”)', { calendar: '' }, DESK_SLA, {}],
    ['24/7', { calendar: '24/7' }, { calendar: null, targets: null }, {}],
    ['a calendar id, as a number or its digits', { calendar: '7' }, { calendar: 7, targets: null }, {}],
    ['its own targets', { calendar: 3, sla: TEAM_SLA_JSON }, { calendar: 3, targets: TEAM_TARGETS }, {}],
    ['a calendar that is not one', { calendar: 'office' }, null, { calendar: "Choose the desk's calendar, 24/7 or one of the calendars." }],
    ['a calendar id of 0', { calendar: 0 }, null, { calendar: "Choose the desk's calendar, 24/7 or one of the calendars." }],
    ['targets that are not an object', { sla: '1h' }, null, { sla: 'Give the targets per priority (high, medium, low), or null for the desk’s.' }],
    [
      'a priority without its resolution target, and a bad duration: both named',
      { sla: { ...TEAM_SLA_JSON, low: { first_response: '1h' }, medium: { resolution: 'soon' } } },
      null,
      { 'sla.low.resolution': 'Required with targets of the team’s own (such as 30m, 4h or 1d); or leave every target empty for the desk’s.', 'sla.medium.resolution': 'Enter a duration such as 45s, 4m, 1h or 1h30m.' },
    ],
    [
      'a first response longer than its resolution target',
      { sla: { ...TEAM_SLA_JSON, high: { resolution: '30m', first_response: '1h', next_reply: null } } },
      null,
      { 'sla.high.first_response': 'Must not be longer than the resolution target (30m): shorten it, or lengthen Resolution (high).' },
    ],
    ['a target over a year', { sla: { ...TEAM_SLA_JSON, low: { resolution: '400d' } } }, null, { 'sla.low.resolution': 'At most one year.' }],
  ])('%s', (_what, raw, value, fields) => {
    const checked = checkTeamSla(raw);
    expect(checked.fields).toEqual(fields);
    if (value) expect(checked.value).toEqual(value);
  });

  it('is stored and shown as it was given', () => {
    expect(targetsFromText(targetsText(TEAM_TARGETS))).toEqual(TEAM_TARGETS);
    expect(targetsText(null)).toBeNull();
    expect(targetsFromText(null)).toBeNull();
    expect(teamTargetsJson(TEAM_TARGETS)).toEqual(TEAM_SLA_JSON);
    expect(teamTargetsJson(null)).toBeNull();
    for (const calendar of ['desk', null, 4] as const) expect(teamCalendarOf(calendarColumns(calendar))).toEqual(calendar);
    expect([teamCalendarJson('desk'), teamCalendarJson(null), teamCalendarJson(4)]).toEqual([null, '24/7', 4]);
  });

  it('the form: all nine targets empty are the desk’s; any filled in are the team’s own, read like the API’s', () => {
    const values = teamSlaFormValues({ calendar: '24/7', sla: TEAM_SLA_JSON });
    expect(values).toMatchObject({ calendar: '24/7', 'sla.high.resolution': '30m', 'sla.high.first_response': '10m', 'sla.medium.next_reply': '1h', 'sla.low.next_reply': '' });
    expect(teamSlaFormValues({ calendar: null, sla: null })).toMatchObject({ calendar: '', 'sla.high.resolution': '' });
    expect(checkTeamSla({ calendar: values.calendar, sla: teamTargetsFromForm(values) }).value).toEqual({ calendar: null, targets: TEAM_TARGETS });
    expect(teamTargetsFromForm({ 'sla.high.resolution': '  ', calendar: '3' })).toBeNull();
    // One target filled in: the team's own, so the resolution targets left empty are named.
    expect(Object.keys(checkTeamSla({ sla: teamTargetsFromForm({ 'sla.high.resolution': '30m' }) }).fields)).toEqual(['sla.medium.resolution', 'sla.low.resolution']);
  });

  it("a ticket's clocks start with its team's targets and calendar, else the desk's", () => {
    const T0 = Date.UTC(2026, 11, 5, 20, 0, 0); // a Saturday evening
    const deskClock: ClockCalendar = { versionId: 5, calendar: WEEKDAYS };
    const desk = ticketClockOf(DEFAULT_SETTINGS, deskClock, undefined);
    expect(desk).toEqual({ settings: DEFAULT_SETTINGS, clock: deskClock });
    // The desk's: high 1 min of Monday 09:00's business time.
    expect(clocksAtCreation(T0, 'high', desk.settings, desk.clock).sla_due_at).toBe(Date.UTC(2026, 11, 7, 9, 1, 0));
    // Own targets, the desk's calendar: 30 min of Monday's.
    const ownTargets = ticketClockOf(DEFAULT_SETTINGS, deskClock, { targets: TEAM_TARGETS, clock: null });
    expect(clocksAtCreation(T0, 'high', ownTargets.settings, ownTargets.clock)).toMatchObject({ sla_due_at: Date.UTC(2026, 11, 7, 9, 30, 0), sla_calendar_version_id: 5, first_response_due_at: Date.UTC(2026, 11, 7, 9, 10, 0) });
    // Own targets on 24/7: counting at once.
    const nightShift = ticketClockOf(DEFAULT_SETTINGS, deskClock, { targets: TEAM_TARGETS, clock: ALWAYS_OPEN_CLOCK });
    expect(clocksAtCreation(T0, 'high', nightShift.settings, nightShift.clock)).toMatchObject({ sla_due_at: T0 + 30 * 60_000, sla_calendar_version_id: null, first_response_due_at: T0 + 10 * 60_000 });
    // The desk's other settings stay: warnings and the pause are the desk's.
    const warned = ticketClockOf({ ...DEFAULT_SETTINGS, warnAtPercent: 50, pauseWhileWaiting: true }, deskClock, { targets: TEAM_TARGETS, clock: ALWAYS_OPEN_CLOCK });
    expect(warned.settings).toMatchObject({ warnAtPercent: 50, pauseWhileWaiting: true, sla: TEAM_TARGETS.sla });
    expect(clocksAtCreation(T0, 'high', warned.settings, warned.clock).sla_warn_at).toBe(T0 + 15 * 60_000);
  });
});
