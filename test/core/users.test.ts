import { describe, expect, it } from 'vitest';
import { MAX_CAPACITY } from '../../src/core/settings.js';
import { emailMoved, emailToCheck, mailboxLookup, type NewUserInput, type ProfileChange, profileChanges, validateNewUser, validateProfileChange } from '../../src/core/users.js';
import { sameMailbox } from '../../src/core/mailboxes.js';
import { errorOf } from '../support/errors.js';

/** A valid register form, with any field replaced. */
function form(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { username: 'grace', display_name: 'Grace Hopper', email: 'grace@example.com', password: 'correct horse', ...over };
}


describe('validateNewUser accepts', () => {
  it('a plain agent form, with role agent and no own capacity by default', () => {
    expect(validateNewUser(form())).toEqual<NewUserInput>({
      username: 'grace',
      displayName: 'Grace Hopper',
      email: 'grace@example.com',
      password: 'correct horse',
      role: 'agent',
      capacity: null,
    });
  });

  it.each<[string, Record<string, unknown>, Partial<NewUserInput>]>([
    ['a username stored in lower case', { username: 'Grace.Hopper' }, { username: 'grace.hopper' }],
    ['a username with digits, dots, dashes and underscores', { username: 'g.h_1-x' }, { username: 'g.h_1-x' }],
    ['a two-character username', { username: 'gh' }, { username: 'gh' }],
    ['a 64-character username', { username: 'g'.repeat(64) }, { username: 'g'.repeat(64) }],
    ['a username with surrounding spaces, trimmed', { username: '  grace ' }, { username: 'grace' }],
    ['no display name: the username stands in', { display_name: undefined }, { displayName: 'grace' }],
    ['a blank display name: the username stands in', { display_name: '   ' }, { displayName: 'grace' }],
    ['a display name that shows nothing (zero-width space, soft hyphen): the username stands in', { display_name: '\u200b\u00ad ' }, { displayName: 'grace' }],
    ['a display name and address with invisible characters around them, trimmed', { display_name: '\u200bGrace Hopper\u2060', email: '\ufeffgrace@example.com\u200b' }, { displayName: 'Grace Hopper', email: 'grace@example.com' }],
    ['a 100-character display name', { display_name: 'd'.repeat(100) }, { displayName: 'd'.repeat(100) }],
    ['no email (an account without mail)', { email: '' }, { email: '' }],
    ['a missing email', { email: undefined }, { email: '' }],
    ['an 8-character password', { password: '12345678' }, { password: '12345678' }],
    ['a 200-character password', { password: 'p'.repeat(200) }, { password: 'p'.repeat(200) }],
    ['a password kept exactly, spaces included', { password: '  spaced  ' }, { password: '  spaced  ' }],
    ['role admin', { role: 'admin' }, { role: 'admin' }],
    ['role in any case', { role: ' ADMIN ' }, { role: 'admin' }],
    ['an empty role means agent', { role: '' }, { role: 'agent' }],
    ['capacity 1', { capacity: '1' }, { capacity: 1 }],
    [`capacity ${MAX_CAPACITY}`, { capacity: String(MAX_CAPACITY) }, { capacity: MAX_CAPACITY }],
    ['an empty capacity means the default', { capacity: '' }, { capacity: null }],
    ['a blank capacity means the default', { capacity: '  ' }, { capacity: null }],
    ['a numeric capacity (from the command line or JSON) is kept', { capacity: 3 }, { capacity: 3 }],
  ])('%s', (_title, over, expected) => {
    expect(validateNewUser(form(over))).toMatchObject(expected);
  });
});

describe('validateNewUser rejects', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a missing username', { username: undefined }, ['username']],
    ['a one-character username', { username: 'g' }, ['username']],
    ['a 65-character username', { username: 'g'.repeat(65) }, ['username']],
    ['a username with a space', { username: 'grace hopper' }, ['username']],
    ['a username with an @', { username: 'grace@example.com' }, ['username']],
    ['a username with non-ASCII letters', { username: 'zoë' }, ['username']],
    ['a 101-character display name', { display_name: 'd'.repeat(101) }, ['display_name']],
    ['an invalid email', { email: 'grace' }, ['email']],
    ['an email with a line break', { email: 'grace@example.com\nBcc: x@example.com' }, ['email']],
    ['a 7-character password', { password: '1234567' }, ['password']],
    ['a missing password', { password: undefined }, ['password']],
    ['a 201-character password', { password: 'p'.repeat(201) }, ['password']],
    ['a non-string password', { password: 12_345_678 }, ['password']],
    ['an unknown role', { role: 'owner' }, ['role']],
    ['capacity 0', { capacity: '0' }, ['capacity']],
    ['a negative capacity', { capacity: '-2' }, ['capacity']],
    ['a fractional capacity', { capacity: '1.5' }, ['capacity']],
    ['a numeric capacity of 0', { capacity: 0 }, ['capacity']],
    ['a capacity above the maximum', { capacity: String(MAX_CAPACITY + 1) }, ['capacity']],
    ['a capacity in words', { capacity: 'five' }, ['capacity']],
    // An admin takes no tickets: the capacity was stored anyway and shown for it (API, user page).
    ['a capacity for an admin', { role: 'admin', capacity: '3' }, ['capacity']],
    [
      'every field bad at once, each named',
      { username: '!', display_name: 'd'.repeat(101), email: 'x', password: 'short', role: 'root', capacity: '0' },
      ['capacity', 'display_name', 'email', 'password', 'role', 'username'],
    ],
  ])('%s', (_title, over, badFields) => {
    const error = errorOf(() => validateNewUser(form(over)));
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.fields).sort()).toEqual(badFields);
  });
});

describe('validateProfileChange', () => {
  const profile = (over: Record<string, unknown> = {}) => ({ display_name: 'Grace Hopper', email: 'grace@example.com', password: '', ...over });

  it.each<[string, Record<string, unknown>, ProfileChange]>([
    ['a name and email, no new password: the password is kept', {}, { displayName: 'Grace Hopper', email: 'grace@example.com', password: null }],
    ['a missing password field keeps it too', { password: undefined }, { displayName: 'Grace Hopper', email: 'grace@example.com', password: null }],
    ['a new password', { password: 'new secret 1' }, { displayName: 'Grace Hopper', email: 'grace@example.com', password: 'new secret 1' }],
    ['a blank display name: the username stands in', { display_name: '  ' }, { displayName: 'grace', email: 'grace@example.com', password: null }],
    ['an emptied email (an account without mail)', { email: '' }, { displayName: 'Grace Hopper', email: '', password: null }],
    ['control characters in the name become spaces', { display_name: 'Grace\r\nHopper' }, { displayName: 'Grace Hopper', email: 'grace@example.com', password: null }],
  ])('accepts %s', (_title, over, expected) => {
    expect(validateProfileChange(profile(over), 'grace')).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a short new password', { password: '1234567' }, ['password']],
    ['a 201-character password', { password: 'p'.repeat(201) }, ['password']],
    ['an invalid email', { email: 'grace' }, ['email']],
    ['a 101-character display name', { display_name: 'd'.repeat(101) }, ['display_name']],
    ['all three bad, each named', { display_name: 'd'.repeat(101), email: 'x', password: 'short' }, ['display_name', 'email', 'password']],
  ])('rejects %s', (_title, over, badFields) => {
    const error = errorOf(() => validateProfileChange(profile(over), 'grace'));
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.fields).sort()).toEqual(badFields);
  });
});

describe('profileChanges: whether a profile save changes the account (and is audited)', () => {
  const stored = { display_name: 'Ivy Ray', email: 'ivy@team.test' };
  it.each<[string, { display_name: string; email: string | null }, ProfileChange, boolean]>([
    ['the same values, no password', stored, { displayName: 'Ivy Ray', email: 'ivy@team.test', password: null }, false],
    ['no address kept empty', { display_name: 'Ivy', email: null }, { displayName: 'Ivy', email: '', password: null }, false],
    ['a new display name', stored, { displayName: 'Ivy R.', email: 'ivy@team.test', password: null }, true],
    ['the address in another letter case', stored, { displayName: 'Ivy Ray', email: 'Ivy@team.test', password: null }, true],
    ['the address removed', stored, { displayName: 'Ivy Ray', email: '', password: null }, true],
    ['a new password alone', stored, { displayName: 'Ivy Ray', email: 'ivy@team.test', password: 'correct horse' }, true],
  ])('%s: %s', (_what, before, change, expected) => {
    expect(profileChanges(before, change)).toBe(expected);
  });
});

describe('emailToCheck: which address to look up among the other accounts', () => {
  it.each<[string, string | null, string | null]>([
    ['ana@team.test', null, 'ana@team.test'],
    ['Ana@Team.TEST', null, 'ana@team.test'],
    ['  ANA@team.test ', null, 'ana@team.test'],
    ['', null, null],
    ['   ', 'ana@team.test', null],
    // The account's own address, in any letter case: nothing to check.
    ['BEA@team.test', 'bea@team.test', null],
    ['bea@team.test', ' Bea@Team.test', null],
    ['ana@team.test', 'bea@team.test', 'ana@team.test'],
    ['ana@team.test', '', 'ana@team.test'],
  ])('%j (now %j) → %j', (next, current, expected) => {
    expect(emailToCheck(next, current)).toBe(expected);
  });
});

describe('emailMoved: whether a new address retires the reset links mailed to the old one', () => {
  it.each<[string, string | null, boolean]>([
    ['ana@team.test', 'ana@team.test', false],
    ['Ana@Team.TEST ', 'ana@team.test', false],
    ['ana@team.test', 'bea@team.test', true],
    // Removed, or given for the first time.
    ['', 'ana@team.test', true],
    ['ana@team.test', null, true],
    ['ana@team.test', '', true],
    ['', null, false],
    ['  ', '', false],
    // Letters outside ASCII in another case are the same mailbox.
    ['ÅSA@team.test', 'åsa@team.test', false],
    ['Élodie@exemple.fr', 'élodie@exemple.fr', false],
    ['åsa@team.test', 'asa@team.test', true],
  ])('%j (was %j) → %j', (next, current, expected) => {
    expect(emailMoved(next, current)).toBe(expected);
  });
});

describe('sameMailbox: two addresses, one account (any letter case)', () => {
  it.each<[string | null, string | null, boolean]>([
    ['ÅSA@TEAM.TEST', 'åsa@team.test', true],
    [' Åsa@team.test ', 'åsa@team.test', true],
    ['ÅSA@team.test', 'asa@team.test', false],
    ['Ωmega@x.gr', 'ωmega@x.gr', true],
    [null, '', true],
  ])('%j and %j → %j', (a, b, expected) => {
    expect(sameMailbox(a, b)).toBe(expected);
  });
});

describe('mailboxLookup: how SQL narrows the candidates on both engines', () => {
  it.each<[string, ReturnType<typeof mailboxLookup>]>([
    // All ASCII: lower(email) folds it on every engine (and the index serves it).
    ['ana@team.test', { equals: 'ana@team.test' }],
    ['a_b%c@team.test', { equals: 'a_b%c@team.test' }],
    // Letters outside ASCII: each run a wildcard, LIKE's own signs escaped.
    ['åsa@team.test', { like: '%sa@team.test' }],
    ['élodie.müller@exemple.fr', { like: '%lodie.m%ller@exemple.fr' }],
    ['a_b%c\\ü@x.de', { like: 'a\\_b\\%c\\\\%@x.de' }],
    ['øæå@x.no', { like: '%@x.no' }],
  ])('%j → %j', (key, expected) => {
    expect(mailboxLookup(key)).toEqual(expected);
  });
});
