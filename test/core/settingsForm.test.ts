import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings, validateSettings } from '../../src/core/settings.js';
import { KEPT_WHEN_ABSENT, SETTINGS_FORM_FIELDS, settingsBoxErrors, settingsFormInput, settingsFormValues, targetField } from '../../src/core/settingsForm.js';

/** Settings with every §11 field away from its default. */
const TUNED: Settings = {
  ...DEFAULT_SETTINGS,
  sla: { high: 5400, medium: 10_800, low: 86_400 },
  firstResponse: { high: 900, medium: null, low: 3600 },
  nextReply: { high: null, medium: 7200, low: null },
  calendarId: 7,
  pauseWhileWaiting: true,
  warnAtPercent: 80,
  defaultCapacity: 3,
  queueOrder: 'deadline',
  releaseOnLogout: true,
  emailPriority: 'high',
};

/** The §1 fields of a form from before §11 (no email priority either); its resolution targets no shorter than TUNED's other targets. */
const OLD_FORM = { sla_high: '20m', sla_medium: '3h', sla_low: '1h', default_capacity: '5', queue_order: 'oldest' };

describe('targetField', () => {
  it.each([
    ['resolution', 'high', 'sla_high'],
    ['resolution', 'low', 'sla_low'],
    ['first_response', 'medium', 'first_response_medium'],
    ['next_reply', 'high', 'next_reply_high'],
  ] as const)('%s of %s → %s', (metric, priority, field) => {
    expect(targetField(metric, priority)).toBe(field);
  });
});

describe('settingsFormValues', () => {
  it('shows the defaults: SLA 1m/4m/1h, other targets empty, 24/7, boxes unticked, warnings empty', () => {
    expect(settingsFormValues(DEFAULT_SETTINGS)).toEqual({
      sla_high: '1m',
      first_response_high: '',
      next_reply_high: '',
      sla_medium: '4m',
      first_response_medium: '',
      next_reply_medium: '',
      sla_low: '1h',
      first_response_low: '',
      next_reply_low: '',
      calendar: '24/7',
      pause_while_waiting: '',
      warn_at_percent: '',
      default_capacity: '5',
      queue_order: 'oldest',
      release_on_logout: '',
      email_priority: 'medium',
    });
  });

  it('shows set targets as durations, the calendar id and ticked boxes', () => {
    expect(settingsFormValues(TUNED)).toMatchObject({
      sla_high: '1h30m',
      sla_medium: '3h',
      sla_low: '1d',
      first_response_high: '15m',
      first_response_medium: '',
      next_reply_medium: '2h',
      calendar: '7',
      pause_while_waiting: 'on',
      warn_at_percent: '80',
      release_on_logout: 'on',
      email_priority: 'high',
    });
  });

  it('lists exactly the form fields, and the form values validate back to the same settings', () => {
    for (const settings of [DEFAULT_SETTINGS, TUNED]) {
      expect(Object.keys(settingsFormValues(settings))).toEqual(SETTINGS_FORM_FIELDS);
      expect(validateSettings(settingsFormValues(settings))).toEqual(settings);
    }
  });
});

describe('settingsFormInput', () => {
  it.each<[string, Record<string, unknown>, Partial<Settings>]>([
    [
      'a form from before §11 keeps every §11 setting and the email priority',
      OLD_FORM,
      { sla: { high: 1200, medium: 10_800, low: 3600 }, firstResponse: TUNED.firstResponse, nextReply: TUNED.nextReply, calendarId: 7, pauseWhileWaiting: true, warnAtPercent: 80, emailPriority: 'high' },
    ],
    ['an absent release_on_logout still turns it off (an unticked checkbox)', OLD_FORM, { releaseOnLogout: false }],
    ['an empty target clears it', { ...OLD_FORM, first_response_high: '', next_reply_medium: '  ' }, { firstResponse: { high: null, medium: null, low: 3600 }, nextReply: { high: null, medium: null, low: null } }],
    ['a target given replaces the stored one', { ...OLD_FORM, next_reply_low: '30m' }, { nextReply: { high: null, medium: 7200, low: 1800 } }],
    ['an empty warn_at_percent turns warnings off', { ...OLD_FORM, warn_at_percent: '' }, { warnAtPercent: null }],
    ['calendar 24/7', { ...OLD_FORM, calendar: '24/7' }, { calendarId: null }],
    ['the unticked pause box (only its hidden companion): off', { ...OLD_FORM, pause_while_waiting: 'off' }, { pauseWhileWaiting: false }],
    ['the ticked pause box (companion and box): on', { ...OLD_FORM, pause_while_waiting: ['off', 'on'] }, { pauseWhileWaiting: true }],
  ])('%s', (_title, body, expected) => {
    expect(validateSettings(settingsFormInput(body, TUNED))).toMatchObject(expected);
  });

  it('keeps the §1 fields required: a form without them is refused, whatever is stored', () => {
    expect(() => validateSettings(settingsFormInput({}, TUNED))).toThrow();
  });

  it('leaves the body as it was', () => {
    const body = { ...OLD_FORM, pause_while_waiting: ['off', 'on'] };
    settingsFormInput(body, TUNED);
    expect(body).toEqual({ ...OLD_FORM, pause_while_waiting: ['off', 'on'] });
  });

  it('keeps absent only the fields added after §1 (and the email priority)', () => {
    expect([...KEPT_WHEN_ABSENT].sort()).toEqual(
      ['calendar', 'email_priority', 'first_response_high', 'first_response_low', 'first_response_medium', 'next_reply_high', 'next_reply_low', 'next_reply_medium', 'pause_while_waiting', 'warn_at_percent'].sort(),
    );
  });
});

describe('settingsBoxErrors', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['ticked, unticked and absent boxes', { pause_while_waiting: ['off', 'on'], release_on_logout: 'on' }, []],
    ['the hidden companion alone (unticked)', { pause_while_waiting: 'off' }, []],
    ['scripts’ true, 1, false, 0 and empty', { pause_while_waiting: 'TRUE', release_on_logout: '0' }, []],
    ['neither on nor off', { release_on_logout: 'yes' }, ['release_on_logout']],
    ['a bad value beside the hidden one', { pause_while_waiting: ['off', 'maybe'] }, ['pause_while_waiting']],
    ['other fields are not boxes', { default_capacity: 'yes' }, []],
  ];
  for (const [name, body, fields] of cases) {
    it(name, () => expect(Object.keys(settingsBoxErrors(body))).toEqual(fields));
  }

  it('names the box by its label', () => {
    expect(settingsBoxErrors({ release_on_logout: 'yes' })).toEqual({ release_on_logout: 'Release tickets when an agent leaves: tick the box or leave it unticked (on or off).' });
  });
});
