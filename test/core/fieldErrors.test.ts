import { describe, expect, it } from 'vitest';
import { formLevelMessage, labelled, labelMessage, plainTypeMessage } from '../../src/core/fieldErrors.js';
import { validateSettings } from '../../src/core/settings.js';
import { validateNewTicket } from '../../src/core/tickets.js';
import { validateNewUser, validateProfileChange } from '../../src/core/users.js';
import { errorOf } from '../support/errors.js';

describe('plainTypeMessage', () => {
  it.each<[string, string]>([
    ['Invalid input: expected nonoptional, received undefined', 'Required.'],
    ['Invalid input: expected string, received undefined', 'Required.'],
    ['Invalid input: expected string, received number', 'Must be a string, not a number.'],
    ['Invalid input: expected boolean, received string', 'Must be true or false, not a string.'],
    ['Invalid input: expected object, received array', 'Must be an object, not a list.'],
    ['Invalid input: expected array, received null', 'Must be a list, not null.'],
    // Kept: a type this style has no words for, and every message the schemas write themselves.
    ['Invalid input: expected bigint, received string', 'Invalid input: expected bigint, received string'],
    ['Choose reply or note.', 'Choose reply or note.'],
    ['Unknown field.', 'Unknown field.'],
  ])('“%s” → “%s”', (message, text) => {
    expect(plainTypeMessage(message)).toBe(text);
  });
});

describe('labelMessage', () => {
  it.each<[string, string, string]>([
    ['Password', 'At least 8 characters.', 'Password: at least 8 characters.'],
    ['Subject', 'Required.', 'Subject: required.'],
    ['Time zone', 'Enter an IANA time zone such as Europe/Berlin.', 'Time zone: enter an IANA time zone such as Europe/Berlin.'],
    ['Ticket (HD-…)', 'HD-42 is not a reference.', 'Ticket (HD-…): HD-42 is not a reference.'],
    ['Calendar', 'IANA zones only.', 'Calendar: IANA zones only.'],
    ['Name', 'A calendar named “x” exists.', 'Name: a calendar named “x” exists.'],
    ['Holidays', '“soon” is not a date.', 'Holidays: “soon” is not a date.'],
  ])('%s + “%s” → “%s”', (label, message, text) => {
    expect(labelMessage(label, message)).toBe(text);
  });
});

describe('labelled', () => {
  it('starts each message with its field’s label, a dotted field with its head’s, and leaves unlabelled fields and labelled messages alone', () => {
    expect(
      labelled(
        { title: 'Required.', 'hours.mon': 'Intervals overlap.', seen: 'Not a message id.', email: 'Your email: required.' },
        { title: 'Subject', hours: 'Opening hours', email: 'Your email' },
      ),
    ).toEqual({ title: 'Subject: required.', 'hours.mon': 'Opening hours: intervals overlap.', seen: 'Not a message id.', email: 'Your email: required.' });
  });
});

describe('the validators’ messages start with the label their form shows', () => {
  it.each<[string, () => unknown, Record<string, string>]>([
    ['the customer form, empty', () => validateNewTicket({}), {
      name: 'Your name: required.',
      email: 'Your email: required.',
      title: 'Subject: required.',
      description: 'Description: required.',
      priority: 'Priority: choose high, medium or low.',
    }],
    ['the customer form, too long and malformed', () => validateNewTicket({ name: 'n'.repeat(101), email: 'carla@', title: 't'.repeat(201), description: 'x', priority: 'urgent' }), {
      name: 'Your name: at most 100 characters.',
      email: 'Your email: enter a valid email address, such as name@example.com.',
      title: 'Subject: at most 200 characters.',
      priority: 'Priority: choose high, medium or low.',
    }],
    ['the register form', () => validateNewUser({ username: 'x', email: 'nope', password: 'short', role: 'boss', capacity: '0', display_name: 'd'.repeat(101) }), {
      username: 'Username: use 2–64 letters, digits, dots, dashes or underscores.',
      display_name: 'Display name: at most 100 characters.',
      email: 'Email: enter a valid email address, such as name@example.com.',
      password: 'Password: at least 8 characters.',
      role: 'Role: choose agent or admin.',
      capacity: 'Capacity: enter a whole number from 1 to 1000, or leave empty for the default.',
    }],
    ['the profile form: its password field is the new password', () => validateProfileChange({ email: 'nope', password: 'short' }, 'alice'), {
      email: 'Email: enter a valid email address, such as name@example.com.',
      password: 'New password: at least 8 characters.',
    }],
    ['the settings form', () => validateSettings({ sla_high: 'soon', sla_medium: '1m', sla_low: '1h', first_response_low: 'x', default_capacity: '0', queue_order: 'random', warn_at_percent: '100', calendar: 'x', email_priority: 'urgent' }), {
      sla_high: 'Resolution (high): enter a duration such as 45s, 4m, 1h or 1h30m.',
      first_response_low: 'First response (low): enter a duration such as 45s, 4m, 1h or 1h30m, or leave it empty for none.',
      default_capacity: 'Default capacity: enter a whole number from 1 to 1000.',
      queue_order: 'Queue order: choose oldest or deadline.',
      warn_at_percent: "Warn at (% of a target's time): enter a whole number from 1 to 99, or leave it empty for no warnings.",
      calendar: 'SLA calendar: choose 24/7 or one of the calendars.',
      email_priority: 'Priority of tickets from email: choose high, medium or low.',
    }],
  ])('%s', (_case, validate, expected) => {
    expect(errorOf(validate).fields).toEqual(expected);
  });
});

describe('formLevelMessage: what a refused form says above its fields', () => {
  it.each<[string, { message: string; fields: Record<string, string> }, string | null]>([
    ['fields named: nothing (the error summary says it)', { message: 'Please correct the highlighted fields.', fields: { password_confirm: 'New password again: does not match.' } }, null],
    ['several fields: nothing', { message: 'Please correct the highlighted fields.', fields: { email: 'Email: not an address.', password: 'Password: at least 8 characters.' } }, null],
    ['no field to carry it: the message', { message: 'Two-factor sign-in is required for all staff here.', fields: {} }, 'Two-factor sign-in is required for all staff here.'],
  ])('%s', (_title, error, message) => {
    expect(formLevelMessage(error)).toBe(message);
  });
});
