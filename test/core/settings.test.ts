import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, MAX_CAPACITY, NO_TARGETS, parseCapacity, settingsChanged, targetsPastResolution, validateSettings } from '../../src/core/settings.js';
import { errorOf } from '../support/errors.js';

/** A valid settings form, with any field replaced. */
function form(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { sla_high: '1m', sla_medium: '4m', sla_low: '1h', default_capacity: '5', queue_order: 'oldest', ...over };
}


describe('DEFAULT_SETTINGS', () => {
  it('match the SPEC: SLA 1m/4m/1h, no other targets, 24/7, no pause or warnings, capacity 5, oldest first, tickets stay on logout, mail tickets medium', () => {
    expect(DEFAULT_SETTINGS).toEqual({
      sla: { high: 60, medium: 240, low: 3600 },
      firstResponse: { high: null, medium: null, low: null },
      nextReply: { high: null, medium: null, low: null },
      calendarId: null,
      pauseWhileWaiting: false,
      warnAtPercent: null,
      defaultCapacity: 5,
      queueOrder: 'oldest',
      releaseOnLogout: false,
      emailPriority: 'medium',
    });
  });

  it('the defaults, written as the form, validate to themselves', () => {
    expect(validateSettings(form())).toEqual(DEFAULT_SETTINGS);
  });
});

describe('parseCapacity', () => {
  it.each<[unknown, number | null]>([
    ['1', 1],
    ['5', 5],
    [' 12 ', 12],
    ['01', 1],
    [String(MAX_CAPACITY), MAX_CAPACITY],
    [7, 7],
    ['0', null],
    [0, null],
    [String(MAX_CAPACITY + 1), null],
    ['50000', null],
    ['-1', null],
    ['2.5', null],
    [2.5, null],
    ['1e2', null],
    ['', null],
    ['five', null],
    [null, null],
    [undefined, null],
    [['5'], null],
  ])('%j → %j', (raw, expected) => {
    expect(parseCapacity(raw)).toBe(expected);
  });
});

describe('validateSettings accepts', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['durations in every unit', { sla_high: '45s', sla_medium: '1h30m', sla_low: '2d' }, { sla: { high: 45, medium: 5400, low: 172_800 } }],
    ['a bare number of seconds', { sla_high: '30' }, { sla: { high: 30, medium: 240, low: 3600 } }],
    ['exactly one year', { sla_low: '365d' }, { sla: { high: 60, medium: 240, low: 31_536_000 } }],
    ['capacity 1', { default_capacity: '1' }, { defaultCapacity: 1 }],
    [`capacity ${MAX_CAPACITY}`, { default_capacity: String(MAX_CAPACITY) }, { defaultCapacity: MAX_CAPACITY }],
    ['queue order "deadline"', { queue_order: 'deadline' }, { queueOrder: 'deadline' }],
    ['queue order in any case', { queue_order: ' Deadline ' }, { queueOrder: 'deadline' }],
    ['a ticked checkbox ("on")', { release_on_logout: 'on' }, { releaseOnLogout: true }],
    ['release_on_logout "true"', { release_on_logout: 'true' }, { releaseOnLogout: true }],
    ['release_on_logout "1"', { release_on_logout: '1' }, { releaseOnLogout: true }],
    ['release_on_logout true (JSON)', { release_on_logout: true }, { releaseOnLogout: true }],
    ['an unticked checkbox (absent)', {}, { releaseOnLogout: false }],
    ['release_on_logout "false"', { release_on_logout: 'false' }, { releaseOnLogout: false }],
    ['email priority high', { email_priority: 'high' }, { emailPriority: 'high' }],
    ['email priority in any case', { email_priority: ' LOW ' }, { emailPriority: 'low' }],
    ['email priority absent (a form from before the email channel): medium', {}, { emailPriority: 'medium' }],
    ['§11 targets', { first_response_high: '30s', next_reply_low: '45m' }, { firstResponse: { high: 30, medium: null, low: null }, nextReply: { high: null, medium: null, low: 2700 } }],
    ['§11 targets as long as their resolution target', { first_response_high: '1m', next_reply_high: '60s', next_reply_low: '1h' }, { firstResponse: { high: 60, medium: null, low: null }, nextReply: { high: 60, medium: null, low: 3600 } }],
    ['§11 targets left empty: none', { first_response_high: '', next_reply_medium: '  ' }, { firstResponse: { high: null, medium: null, low: null }, nextReply: { high: null, medium: null, low: null } }],
    ['§11 targets null (JSON): none', { first_response_high: null }, { firstResponse: { high: null, medium: null, low: null } }],
    ['calendar 24/7', { calendar: '24/7' }, { calendarId: null }],
    ['calendar empty: 24/7', { calendar: '' }, { calendarId: null }],
    ['a calendar id', { calendar: '3' }, { calendarId: 3 }],
    ['a calendar id as a number (JSON)', { calendar: 12 }, { calendarId: 12 }],
    ['pause while waiting', { pause_while_waiting: 'on' }, { pauseWhileWaiting: true }],
    ['warn at 80 %', { warn_at_percent: '80' }, { warnAtPercent: 80 }],
    ['warn at 1 % and as a number', { warn_at_percent: 1 }, { warnAtPercent: 1 }],
    ['warn_at_percent empty: off', { warn_at_percent: '' }, { warnAtPercent: null }],
  ])('%s', (_title, over, expected) => {
    expect(validateSettings(form(over))).toMatchObject(expected);
  });
});

describe('validateSettings rejects', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['an SLA of zero', { sla_high: '0' }, ['sla_high']],
    ['an empty SLA', { sla_medium: '' }, ['sla_medium']],
    ['a missing SLA', { sla_low: undefined }, ['sla_low']],
    ['an SLA with an unknown unit', { sla_high: '5x' }, ['sla_high']],
    ['an SLA with units out of order', { sla_medium: '1m1h' }, ['sla_medium']],
    ['an SLA longer than a year', { sla_low: '366d' }, ['sla_low']],
    ['an SLA that is not a string', { sla_high: 60 }, ['sla_high']],
    ['an SLA given twice (an array)', { sla_high: ['1m', '2m'] }, ['sla_high']],
    ['capacity 0', { default_capacity: '0' }, ['default_capacity']],
    ['capacity above the maximum', { default_capacity: String(MAX_CAPACITY + 1) }, ['default_capacity']],
    ['a fractional capacity', { default_capacity: '2.5' }, ['default_capacity']],
    ['a missing capacity', { default_capacity: undefined }, ['default_capacity']],
    ['an unknown queue order', { queue_order: 'newest' }, ['queue_order']],
    ['a missing queue order', { queue_order: undefined }, ['queue_order']],
    ['an unknown email priority', { email_priority: 'urgent' }, ['email_priority']],
    ['an empty email priority', { email_priority: '' }, ['email_priority']],
    ['a first-response target of zero', { first_response_high: '0' }, ['first_response_high']],
    ['a next-reply target that is not a duration', { next_reply_low: 'soon' }, ['next_reply_low']],
    ['a next-reply target longer than a year', { next_reply_medium: '400d' }, ['next_reply_medium']],
    ['a target as a bare JSON number', { first_response_low: 60 }, ['first_response_low']],
    ['a calendar that is not an id', { calendar: 'office' }, ['calendar']],
    ['calendar 0', { calendar: '0' }, ['calendar']],
    ['warn at 0 %', { warn_at_percent: '0' }, ['warn_at_percent']],
    ['warn at 100 %', { warn_at_percent: '100' }, ['warn_at_percent']],
    ['warn at 80.5 %', { warn_at_percent: '80.5' }, ['warn_at_percent']],
    ['a first response longer than its resolution target (QA: 10m beside 5m)', { sla_high: '5m', first_response_high: '10m' }, ['first_response_high']],
    ['a first response one second longer', { first_response_medium: '4m1s' }, ['first_response_medium']],
    ['a next reply longer than its resolution target', { next_reply_low: '2h' }, ['next_reply_low']],
    ['both in every priority, each named', { first_response_high: '2m', next_reply_high: '2m', first_response_medium: '1h', next_reply_medium: '1h', first_response_low: '1d', next_reply_low: '1d' }, ['first_response_high', 'first_response_low', 'first_response_medium', 'next_reply_high', 'next_reply_low', 'next_reply_medium']],
    ['a bad resolution target: its own message only, nothing compared with it', { sla_high: 'soon', first_response_high: '10m' }, ['sla_high']],
    [
      'every field bad at once, each named',
      { sla_high: '', sla_medium: 'x', sla_low: '0', default_capacity: 'many', queue_order: 'random' },
      ['default_capacity', 'queue_order', 'sla_high', 'sla_low', 'sla_medium'],
    ],
  ])('%s', (_title, over, badFields) => {
    const error = errorOf(() => validateSettings(form(over)));
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.fields).sort()).toEqual(badFields);
  });
});

describe('settingsChanged: only a change that changes something is written and audited', () => {
  it.each<[string, Partial<typeof DEFAULT_SETTINGS>, boolean]>([
    ['nothing', {}, false],
    ['the same values given again', { defaultCapacity: DEFAULT_SETTINGS.defaultCapacity, sla: { ...DEFAULT_SETTINGS.sla } }, false],
    ['the capacity', { defaultCapacity: 6 }, true],
    ['one resolution target', { sla: { ...DEFAULT_SETTINGS.sla, high: 120 } }, true],
    ['a first-response target set', { firstResponse: { ...DEFAULT_SETTINGS.firstResponse, low: 3600 } }, true],
    ['the calendar', { calendarId: 3 }, true],
    ['warnings off → on', { warnAtPercent: 80 }, true],
    ['a boolean', { releaseOnLogout: true }, true],
  ])('%s → %j', (_what, change, expected) => {
    expect(settingsChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, ...change })).toBe(expected);
  });
});

describe('targetsPastResolution: no first-response or next-reply target longer than its resolution target', () => {
  const sla = { high: 300, medium: 1800, low: 28_800 };
  it.each<[string, Partial<Record<'firstResponse' | 'nextReply', typeof NO_TARGETS>>, Record<string, string>]>([
    ['no targets', {}, {}],
    ['shorter and equal targets', { firstResponse: { high: 120, medium: 1800, low: null }, nextReply: { high: 300, medium: 600, low: 7200 } }, {}],
    [
      'QA’s high: first response 10m beside resolution 5m',
      { firstResponse: { high: 600, medium: null, low: null } },
      { first_response_high: 'Must not be longer than the resolution target (5m): shorten it, or lengthen Resolution (high).' },
    ],
    [
      'every one too long, each named with its own resolution target',
      { firstResponse: { high: 301, medium: 1801, low: 28_801 }, nextReply: { high: 301, medium: 3600, low: 86_400 } },
      {
        first_response_high: 'Must not be longer than the resolution target (5m): shorten it, or lengthen Resolution (high).',
        next_reply_high: 'Must not be longer than the resolution target (5m): shorten it, or lengthen Resolution (high).',
        first_response_medium: 'Must not be longer than the resolution target (30m): shorten it, or lengthen Resolution (medium).',
        next_reply_medium: 'Must not be longer than the resolution target (30m): shorten it, or lengthen Resolution (medium).',
        first_response_low: 'Must not be longer than the resolution target (8h): shorten it, or lengthen Resolution (low).',
        next_reply_low: 'Must not be longer than the resolution target (8h): shorten it, or lengthen Resolution (low).',
      },
    ],
  ])('%s', (_title, targets, fields) => {
    expect(targetsPastResolution({ sla, firstResponse: NO_TARGETS, nextReply: NO_TARGETS, ...targets })).toEqual(fields);
  });

  it('given the stored settings, judges only the pairs a save changes (a desk saved before the rule can save anything else)', () => {
    const stored = { sla, firstResponse: { high: 600, medium: null, low: null }, nextReply: NO_TARGETS };
    // Unchanged: not judged.
    expect(targetsPastResolution(stored, stored)).toEqual({});
    // The resolution target moved (still shorter): judged again, and named.
    expect(targetsPastResolution({ ...stored, sla: { ...sla, high: 240 } }, stored)).toEqual({ first_response_high: expect.stringMatching(/^Must not be longer than the resolution target \(4m\)/) });
    // A new target too long beside an old one left as it was: only the new one is named.
    expect(targetsPastResolution({ ...stored, nextReply: { high: null, medium: 3600, low: null } }, stored)).toEqual({ next_reply_medium: expect.stringMatching(/\(30m\)/) });
  });

  it('the form names the field, labelled: "First response (high): must not be longer than the resolution target (5m)…"', () => {
    const error = errorOf(() => validateSettings(form({ sla_high: '5m', first_response_high: '10m' })));
    expect(error.fields).toEqual({ first_response_high: 'First response (high): must not be longer than the resolution target (5m): shorten it, or lengthen Resolution (high).' });
  });
});
