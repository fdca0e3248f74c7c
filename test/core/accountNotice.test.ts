import { describe, expect, it } from 'vitest';
import { accountChangeNotice, secondFactorNotice } from '../../src/core/accountNotice.js';

describe('the notice of a changed password or address', () => {
  it.each([
    ['a new password', 'a@x.test', 'a@x.test', true, { to: 'a@x.test', passwordChanged: true, newEmail: null }],
    ['a new address: to the old one', 'a@x.test', 'b@y.test', false, { to: 'a@x.test', passwordChanged: false, newEmail: 'b@y.test' }],
    ['both: one notice, to the old address', 'a@x.test', 'b@y.test', true, { to: 'a@x.test', passwordChanged: true, newEmail: 'b@y.test' }],
    ['the address removed', 'a@x.test', '', false, { to: 'a@x.test', passwordChanged: false, newEmail: '' }],
    ['the address in another letter case: nothing', 'a@x.test', 'A@X.test', false, null],
    ['neither: nothing', 'a@x.test', 'a@x.test', false, null],
    ['no address before: nobody to tell', '', 'b@y.test', true, null],
  ])('%s', (_label, before, after, passwordChanged, expected) => {
    const notice = accountChangeNotice({ email: before }, { email: after, passwordChanged }, 'owner');
    expect(notice).toEqual(expected === null ? null : { ...expected, by: 'owner' });
  });

  it('takes a missing address before as none', () => {
    expect(accountChangeNotice({ email: null }, { email: 'b@y.test', passwordChanged: true }, 'admin')).toBeNull();
  });
});

describe('the notice of a changed second factor', () => {
  it.each([
    ['on', 'owner', 'a@x.test', { to: 'a@x.test', passwordChanged: false, newEmail: null, by: 'owner', secondFactor: 'on' }],
    ['off', 'owner', ' a@x.test ', { to: 'a@x.test', passwordChanged: false, newEmail: null, by: 'owner', secondFactor: 'off' }],
    ['reset', 'admin', 'a@x.test', { to: 'a@x.test', passwordChanged: false, newEmail: null, by: 'admin', secondFactor: 'reset' }],
    ['recovery_codes', 'owner', 'a@x.test', { to: 'a@x.test', passwordChanged: false, newEmail: null, by: 'owner', secondFactor: 'recovery_codes' }],
    ['on', 'sign_in', '', null],
    ['reset', 'admin', null, null],
  ] as const)('%s by %s to %j', (change, by, email, expected) => {
    expect(secondFactorNotice({ email }, change, by)).toEqual(expected);
  });
});
