import { describe, expect, it } from 'vitest';
import {
  type AccountNow,
  isResetTokenShape,
  type OwnAccountChange,
  RESET_LINK_MS,
  type ResetLinkFacts,
  type ResetLinkState,
  resetLinkState,
  credentialsStand,
  validateNewPassword,
  validateOwnAccountChange,
  validateResetRequest,
} from '../../src/core/accounts.js';
import { errorOf } from '../support/errors.js';

const NOW = 1_800_000_000_000;
const link = (over: Partial<ResetLinkFacts> = {}): ResetLinkFacts => ({ expiresAt: NOW + RESET_LINK_MS, usedAt: null, accountActive: true, ...over });

describe('credentialsStand', () => {
  const account = (over: Partial<AccountNow> = {}): AccountNow => ({ active: true, passwordHash: 'hash-checked', ...over });
  it.each<[string, AccountNow | undefined, string | null, boolean]>([
    ['the password checked is still the account\'s', account(), 'hash-checked', true],
    ['a new password was set meanwhile', account({ passwordHash: 'hash-new' }), 'hash-checked', false],
    ['deactivated meanwhile', account({ active: false }), 'hash-checked', false],
    ['deactivated, and a new password', account({ active: false, passwordHash: 'hash-new' }), 'hash-checked', false],
    ['the account is gone', undefined, 'hash-checked', false],
    ['single sign-on (no password checked), active', account({ passwordHash: 'hash-new' }), null, true],
    ['single sign-on, deactivated meanwhile', account({ active: false }), null, false],
    ['single sign-on, the account is gone', undefined, null, false],
  ])('%s', (_name, now, checked, expected) => {
    expect(credentialsStand(now, checked)).toBe(expected);
  });
});

describe('resetLinkState', () => {
  it.each<[string, ResetLinkFacts | undefined, number, ResetLinkState]>([
    ['a fresh link', link(), NOW, 'valid'],
    ['a link one millisecond before its end', link(), NOW + RESET_LINK_MS - 1, 'valid'],
    ['a link at its end', link(), NOW + RESET_LINK_MS, 'expired'],
    ['a link long after its end', link(), NOW + 2 * RESET_LINK_MS, 'expired'],
    ['a used link', link({ usedAt: NOW - 1 }), NOW, 'used'],
    ['a used link after its end: used says more', link({ usedAt: NOW - 1 }), NOW + RESET_LINK_MS, 'used'],
    ['no such link', undefined, NOW, 'unknown'],
    ['a link of a deactivated account', link({ accountActive: false }), NOW, 'unknown'],
  ])('%s', (_name, facts, now, expected) => {
    expect(resetLinkState(facts, now)).toBe(expected);
  });

  it('lasts 30 minutes', () => {
    expect(RESET_LINK_MS).toBe(30 * 60_000);
  });
});

describe('isResetTokenShape', () => {
  it.each<[string, boolean]>([
    ['A'.repeat(43), true],
    ['aZ09_-'.repeat(7) + 'x', true],
    ['A'.repeat(42), false],
    ['A'.repeat(44), false],
    ['A'.repeat(42) + '=', false],
    ['A'.repeat(42) + '/', false],
    ['', false],
  ])('%s → %s', (token, expected) => {
    expect(isResetTokenShape(token)).toBe(expected);
  });
});

describe('validateResetRequest', () => {
  it.each<[unknown, string]>([
    ['ana@team.test', 'ana@team.test'],
    ['  Ana@Team.TEST ', 'ana@team.test'],
  ])('takes %j as %j', (email, expected) => {
    expect(validateResetRequest({ email })).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['an empty address', ''],
    ['not an address', 'ana'],
    ['two addresses', 'a@b.test, c@d.test'],
    ['an array', ['a@b.test']],
    ['a too long address', `${'a'.repeat(250)}@b.test`],
  ])('refuses %s on the email field', (_name, email) => {
    const error = errorOf(() => validateResetRequest({ email }));
    expect(Object.keys(error.fields)).toEqual(['email']);
    expect(error.fields.email).toMatch(/^Email: /);
  });
});

describe('validateNewPassword', () => {
  it('takes a password typed twice, exactly', () => {
    expect(validateNewPassword({ password: ' long enough ', password_confirm: ' long enough ' })).toBe(' long enough ');
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a short password', { password: 'short', password_confirm: 'short' }, ['password']],
    ['a too long password', { password: 'p'.repeat(201), password_confirm: 'p'.repeat(201) }, ['password']],
    ['a different repetition', { password: 'long enough', password_confirm: 'long enougH' }, ['password_confirm']],
    ['no repetition', { password: 'long enough' }, ['password_confirm']],
    ['nothing', {}, ['password']],
  ])('refuses %s', (_name, raw, fields) => {
    const error = errorOf(() => validateNewPassword(raw));
    expect(Object.keys(error.fields)).toEqual(fields);
  });
});

describe('validateOwnAccountChange', () => {
  const current = { username: 'ana', email: 'ana@team.test' };
  it.each<[string, Record<string, unknown>, OwnAccountChange]>([
    ['a new display name alone needs no password', { display_name: 'Ana B', email: 'ana@team.test' }, { displayName: 'Ana B', email: 'ana@team.test', password: null, needsCurrentPassword: false }],
    ['the same address in another case is not a change', { display_name: 'Ana', email: 'ANA@team.test' }, { displayName: 'Ana', email: 'ANA@team.test', password: null, needsCurrentPassword: false }],
    ['a blank display name is the username', { display_name: ' ', email: 'ana@team.test' }, { displayName: 'ana', email: 'ana@team.test', password: null, needsCurrentPassword: false }],
    [
      'a new address needs the current password',
      { display_name: 'Ana', email: 'ana@new.test', current_password: 'x' },
      { displayName: 'Ana', email: 'ana@new.test', password: null, needsCurrentPassword: true },
    ],
    [
      'a new password needs it too',
      { display_name: 'Ana', email: 'ana@team.test', password: 'new password', password_confirm: 'new password', current_password: 'x' },
      { displayName: 'Ana', email: 'ana@team.test', password: 'new password', needsCurrentPassword: true },
    ],
  ])('%s', (_name, raw, expected) => {
    expect(validateOwnAccountChange(raw, current)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a new address without the current password', { email: 'ana@new.test' }, ['current_password']],
    ['a new password without the current password', { email: 'ana@team.test', password: 'new password', password_confirm: 'new password' }, ['current_password']],
    ['a new password typed differently', { email: 'ana@team.test', password: 'new password', password_confirm: 'other', current_password: 'x' }, ['password_confirm']],
    ['a bad address and a long name', { display_name: 'd'.repeat(101), email: 'nope', current_password: 'x' }, ['display_name', 'email']],
  ])('refuses %s', (_name, raw, fields) => {
    const error = errorOf(() => validateOwnAccountChange(raw, current));
    expect(Object.keys(error.fields).sort()).toEqual(fields.sort());
    for (const message of Object.values(error.fields)) expect(message).toMatch(/^(Display name|Email|Current password|New password|New password again): /);
  });
});
