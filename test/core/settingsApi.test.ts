import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings, validateSettings } from '../../src/core/settings.js';
import { apiFieldErrors, apiNameOf, checkSettingsPatch, patchedSettingsInput, type SettingsPatch, settingsJson } from '../../src/core/settingsApi.js';
import { SETTINGS_FORM_FIELDS } from '../../src/core/settingsForm.js';
import { DEFAULT_SETTINGS_JSON } from '../support/sla.js';
import { errorOf } from '../support/errors.js';

const STORED: Settings = {
  ...DEFAULT_SETTINGS,
  // Resolution targets long enough for the other targets (none may be longer: targetsPastResolution).
  sla: { high: 3600, medium: 3600, low: 2 * 86_400 },
  firstResponse: { high: 900, medium: null, low: null },
  nextReply: { high: null, medium: null, low: 7200 },
  calendarId: 4,
  warnAtPercent: 75,
};

describe('settingsJson', () => {
  it('gives the defaults as SPEC §11 shows them', () => {
    expect(settingsJson(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS_JSON);
  });

  it('gives set targets as durations and the calendar as its id', () => {
    expect(settingsJson(STORED)).toMatchObject({
      sla: { high: { resolution: '1h', first_response: '15m', next_reply: null }, low: { resolution: '2d', first_response: null, next_reply: '2h' } },
      calendar: 4,
      warn_at_percent: 75,
    });
  });
});

describe('apiNameOf', () => {
  it.each([
    ['sla_high', 'sla.high.resolution'],
    ['sla_low', 'sla.low.resolution'],
    ['first_response_medium', 'sla.medium.first_response'],
    ['next_reply_high', 'sla.high.next_reply'],
    ['calendar', 'calendar'],
    ['warn_at_percent', 'warn_at_percent'],
    ['default_capacity', 'default_capacity'],
  ])('%s → %s', (field, name) => {
    expect(apiNameOf(field)).toBe(name);
  });

  it('names every form field differently', () => {
    expect(new Set(SETTINGS_FORM_FIELDS.map(apiNameOf)).size).toBe(SETTINGS_FORM_FIELDS.length);
  });

  it('renames the keys of validateSettings errors, keeping the messages', () => {
    expect(apiFieldErrors({ sla_medium: 'Bad.', next_reply_low: 'Worse.', calendar: 'No.' })).toEqual({ 'sla.medium.resolution': 'Bad.', 'sla.low.next_reply': 'Worse.', calendar: 'No.' });
  });
});

describe('patchedSettingsInput', () => {
  it.each<[string, SettingsPatch, Partial<Settings>]>([
    ['an empty patch changes nothing', {}, STORED],
    ['one target inside one priority', { sla: { high: { next_reply: '30m' } } }, { sla: STORED.sla, firstResponse: STORED.firstResponse, nextReply: { high: 1800, medium: null, low: 7200 } }],
    ['null clears a target, the others stay', { sla: { high: { first_response: null } } }, { firstResponse: { high: null, medium: null, low: null }, nextReply: STORED.nextReply }],
    ['a resolution target', { sla: { low: { resolution: '2h30m' } } }, { sla: { high: 3600, medium: 3600, low: 9000 } }],
    ['several priorities at once', { sla: { medium: { first_response: '5m' }, low: { first_response: '1d' } } }, { firstResponse: { high: 900, medium: 300, low: 86_400 } }],
    ['calendar 24/7', { calendar: '24/7' }, { calendarId: null }],
    ['a calendar id', { calendar: 9 }, { calendarId: 9 }],
    ['warnings off', { warn_at_percent: null }, { warnAtPercent: null }],
    ['warnings at 90 %', { warn_at_percent: 90 }, { warnAtPercent: 90 }],
    ['booleans', { pause_while_waiting: true, release_on_logout: true }, { pauseWhileWaiting: true, releaseOnLogout: true }],
    ['booleans off', { pause_while_waiting: false }, { pauseWhileWaiting: false }],
    ['routing', { default_capacity: 8, queue_order: 'deadline', email_priority: 'LOW' }, { defaultCapacity: 8, queueOrder: 'deadline', emailPriority: 'low', calendarId: 4, warnAtPercent: 75 }],
  ])('%s', (_title, patch, expected) => {
    expect(validateSettings(patchedSettingsInput(STORED, patch))).toMatchObject(expected);
  });

  it.each<[string, SettingsPatch, string[]]>([
    ['a resolution that is not a duration', { sla: { high: { resolution: 'soon' } } }, ['sla.high.resolution']],
    ['an empty resolution', { sla: { medium: { resolution: '' } } }, ['sla.medium.resolution']],
    ['a first response of zero', { sla: { low: { first_response: '0s' } } }, ['sla.low.first_response']],
    ['a next reply over a year', { sla: { high: { next_reply: '400d' } } }, ['sla.high.next_reply']],
    ['calendar 0', { calendar: 0 }, ['calendar']],
    ['a fractional calendar id', { calendar: 2.5 }, ['calendar']],
    ['a calendar name', { calendar: 'Office' }, ['calendar']],
    ['warnings at 0 %', { warn_at_percent: 0 }, ['warn_at_percent']],
    ['warnings at 100 %', { warn_at_percent: 100 }, ['warn_at_percent']],
    ['warnings at 50.5 %', { warn_at_percent: 50.5 }, ['warn_at_percent']],
    ['capacity 0', { default_capacity: 0 }, ['default_capacity']],
    ['a fractional capacity', { default_capacity: 1.5 }, ['default_capacity']],
    ['an unknown queue order', { queue_order: 'random' }, ['queue_order']],
    ['an unknown email priority', { email_priority: 'urgent' }, ['email_priority']],
    ['several at once, each named', { sla: { high: { resolution: 'x', first_response: 'y' } }, warn_at_percent: 100 }, ['sla.high.first_response', 'sla.high.resolution', 'warn_at_percent']],
    ['a first response longer than its resolution target', { sla: { high: { first_response: '1h1s' } } }, ['sla.high.first_response']],
    ['a resolution target shorter than a stored first response', { sla: { high: { resolution: '10m' } } }, ['sla.high.first_response']],
    ['a next reply longer than its resolution target', { sla: { low: { next_reply: '3d' } } }, ['sla.low.next_reply']],
    ['both, in two priorities, with another error', { sla: { medium: { first_response: '2h', next_reply: '2h' } }, default_capacity: 0 }, ['default_capacity', 'sla.medium.first_response', 'sla.medium.next_reply']],
  ])('refuses %s, naming the API field', (_title, patch, names) => {
    const error = errorOf(() => validateSettings(patchedSettingsInput(STORED, patch)));
    expect(Object.keys(apiFieldErrors(error.fields)).sort()).toEqual(names);
  });
});

describe('checkSettingsPatch', () => {
  it.each<[string, SettingsPatch, Record<string, string>, Record<string, string>]>([
    ['a good patch: no errors', { warn_at_percent: 80 }, {}, {}],
    [
      'a first response longer than the resolution target: named under its API name, with the target',
      { sla: { high: { first_response: '2h' } } },
      {},
      { 'sla.high.first_response': 'First response (high): must not be longer than the resolution target (1h): shorten it, or lengthen Resolution (high).' },
    ],
    [
      "a value error beside the schema's type error, each under its API name and labelled",
      { warn_at_percent: 100 },
      { default_capacity: 'Give a whole number from 1 to 1000.' },
      { warn_at_percent: "Warn at (% of a target's time): enter a whole number from 1 to 99, or leave it empty for no warnings.", default_capacity: 'Default capacity: give a whole number from 1 to 1000.' },
    ],
    [
      "a nested target's type error beside another target's value error",
      { sla: { low: { first_response: '0s' } } },
      { 'sla.high.resolution': 'Give a duration such as 45s, 4m, 1h or 1h30m.' },
      { 'sla.low.first_response': 'First response (low): enter a duration such as 45s, 4m, 1h or 1h30m, or leave it empty for none.', 'sla.high.resolution': 'Resolution (high): give a duration such as 45s, 4m, 1h or 1h30m.' },
    ],
    // An unknown key spelled as a form field (`sla_high`) stays unknown: it is not the resolution target.
    ['an unknown key named like a form field', { queue_order: 'random' }, { sla_high: 'Unknown field.' }, { queue_order: 'Queue order: choose oldest or deadline.', sla_high: 'Unknown field.' }],
  ])('%s', (_title, patch, typeErrors, fields) => {
    expect(checkSettingsPatch(STORED, patch, typeErrors).fields).toEqual(fields);
  });

  it('reads what parsed, for the service to ask about the calendar', () => {
    expect(checkSettingsPatch(STORED, { calendar: 12, default_capacity: 0 }).value.calendarId).toBe(12);
  });
});
