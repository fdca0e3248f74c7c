import { describe, expect, it } from 'vitest';
import { decideSso, type SsoAccount, type SsoClaims, ssoClaimsOf, type SsoDecision, ssoDisplayNameOf, ssoEmailOf, ssoEmailVerified, ssoUsernameFor } from '../../src/core/sso.js';

const verified = { email: 'Jane.Doe@Example.com', email_verified: true };
const active = (id: number): SsoAccount => ({ id, active: true });
const inactive = (id: number): SsoAccount => ({ id, active: false });

describe('decideSso', () => {
  it.each<[string, SsoClaims, SsoAccount[], 'off' | 'agent', SsoDecision]>([
    ['the one account of a verified address signs in', verified, [active(7)], 'off', { kind: 'sign_in', userId: 7 }],
    ['an existing account signs in whether or not auto-create is on', verified, [active(7)], 'agent', { kind: 'sign_in', userId: 7 }],
    ['a deactivated account beside the active one is ignored', verified, [inactive(3), active(7)], 'off', { kind: 'sign_in', userId: 7 }],
    ['two active accounts on one address are ambiguous', verified, [active(3), active(7)], 'off', { kind: 'refused', reason: 'ambiguous' }],
    ['a deactivated account is refused', verified, [inactive(3)], 'off', { kind: 'refused', reason: 'deactivated' }],
    ['a deactivated account is refused, and never replaced by a new one', verified, [inactive(3)], 'agent', { kind: 'refused', reason: 'deactivated' }],
    ['an unknown address is refused with auto-create off', verified, [], 'off', { kind: 'refused', reason: 'unknown_email' }],
    ['an unknown address creates an agent with auto-create on', verified, [], 'agent', { kind: 'create', email: 'jane.doe@example.com' }],
    ['an unverified address is refused, even with an account', { email: 'jane@example.com', email_verified: false }, [active(7)], 'agent', { kind: 'refused', reason: 'email_not_verified' }],
    ['an address without email_verified is not verified', { email: 'jane@example.com' }, [active(7)], 'off', { kind: 'refused', reason: 'email_not_verified' }],
    ['"false" as text is not verified', { email: 'jane@example.com', email_verified: 'false' }, [active(7)], 'off', { kind: 'refused', reason: 'email_not_verified' }],
    ['"true" as text is verified', { email: 'jane@example.com', email_verified: 'true' }, [active(7)], 'off', { kind: 'sign_in', userId: 7 }],
    ["Entra's xms_edov vouches for the address", { email: 'jane@example.com', xms_edov: true }, [active(7)], 'off', { kind: 'sign_in', userId: 7 }],
    ['no email claim is refused', { email_verified: true }, [], 'agent', { kind: 'refused', reason: 'no_email' }],
    ['an email claim that is no address is refused', { email: 'not an address', email_verified: true }, [], 'agent', { kind: 'refused', reason: 'no_email' }],
    ['an empty email claim is refused', { email: '  ', email_verified: true }, [active(7)], 'agent', { kind: 'refused', reason: 'no_email' }],
  ])('%s', (_name, claims, accounts, autoCreate, expected) => {
    expect(decideSso(claims, accounts, autoCreate)).toEqual(expected);
  });
});

describe('ssoClaimsOf: the address and its verification come from one source together', () => {
  const sub = 'u-1';
  it.each<[string, SsoClaims, SsoClaims | null, SsoClaims]>([
    ['the ID token alone', { sub, email: 'a@x.test', email_verified: true, name: 'A' }, null, { sub, email: 'a@x.test', email_verified: true, name: 'A' }],
    ['no ID token address: userinfo’s address with its verification', { sub }, { sub, email: 'b@x.test', email_verified: true }, { sub, email: 'b@x.test', email_verified: true }],
    ['no ID token address, userinfo’s unverified: unverified', { sub, email_verified: true }, { sub, email: 'b@x.test', email_verified: false }, { sub, email: 'b@x.test', email_verified: false }],
    ['no ID token address, userinfo without a verification: none (the ID token’s stray flag is not borrowed)', { sub, email_verified: true }, { sub, email: 'b@x.test' }, { sub, email: 'b@x.test' }],
    ['the ID token’s address without verification never borrows userinfo’s about another address', { sub, email: 'a@x.test' }, { sub, email: 'b@x.test', email_verified: true }, { sub, email: 'a@x.test' }],
    ['nor Entra’s xms_edov about another address', { sub, email: 'a@x.test' }, { sub, email: 'b@x.test', xms_edov: true }, { sub, email: 'a@x.test' }],
    ['the ID token’s address and its own verification, whatever userinfo says', { sub, email: 'a@x.test', email_verified: false }, { sub, email: 'a@x.test', email_verified: true }, { sub, email: 'a@x.test', email_verified: false }],
    ['the ID token’s xms_edov is its verification: userinfo’s flag is not added', { sub, email: 'a@x.test', xms_edov: true }, { sub, email: 'a@x.test', email_verified: false }, { sub, email: 'a@x.test', xms_edov: true }],
    ['userinfo vouching for the ID token’s very address (any case, spaces) counts', { sub, email: 'A@X.test' }, { sub, email: ' a@x.TEST ', email_verified: true }, { sub, email: 'A@X.test', email_verified: true }],
    ['an unusable ID token address is still the ID token’s (no falling back to userinfo’s)', { sub, email: 'not an address' }, { sub, email: 'b@x.test', email_verified: true }, { sub, email: 'not an address' }],
    ['the name is the ID token’s, else userinfo’s', { sub, email: 'a@x.test', email_verified: true }, { sub, name: 'From userinfo', email: 'a@x.test' }, { sub, email: 'a@x.test', email_verified: true, name: 'From userinfo' }],
  ])('%s', (_name, idToken, userinfo, expected) => {
    expect(ssoClaimsOf(idToken, userinfo)).toEqual(expected);
  });

  it('a borrowed flag would have signed in the ID token’s unverified address; the pair from one source refuses it', () => {
    const claims = ssoClaimsOf({ sub, email: 'admin@team.test' }, { sub, email: 'someone@elsewhere.test', email_verified: true });
    expect(decideSso(claims, [active(1)], 'off')).toEqual({ kind: 'refused', reason: 'email_not_verified' });
  });
});

describe('ssoEmailOf and ssoEmailVerified', () => {
  it.each<[unknown, string | null]>([
    [' Jane@Example.COM ', 'jane@example.com'],
    [42, null],
    [`${'a'.repeat(250)}@example.com`, null],
  ])('%s → %s', (email, expected) => {
    expect(ssoEmailOf({ email })).toBe(expected);
  });

  it.each<[SsoClaims, boolean]>([
    [{ email_verified: true }, true],
    [{ email_verified: 'true' }, true],
    [{ email_verified: 1 }, false],
    [{ email_verified: false, xms_edov: false }, false],
    [{ xms_edov: 'true' }, true],
    [{}, false],
  ])('%j → %s', (claims, expected) => {
    expect(ssoEmailVerified(claims)).toBe(expected);
  });
});

describe('ssoUsernameFor', () => {
  it.each<[string, string[], string]>([
    ['jane.doe@example.com', [], 'jane.doe'],
    ['Jane.Doe+help@example.com', [], 'jane.doe-help'],
    ['jane.doe@example.com', ['jane.doe'], 'jane.doe-2'],
    ['jane.doe@example.com', ['jane.doe', 'jane.doe-2', 'jane.doe-3'], 'jane.doe-4'],
    ['j@example.com', [], 'staff-j'],
    ['"..."@example.com', [], 'staff'],
    ['élise@example.com', [], 'lise'],
    [`${'x'.repeat(80)}@example.com`, [], 'x'.repeat(60)],
  ])('%s, taken %j → %s', (email, taken, expected) => {
    const name = ssoUsernameFor(email, new Set(taken));
    expect(name).toBe(expected);
    expect(name).toMatch(/^[a-z0-9._-]{2,64}$/);
  });
});

describe('ssoDisplayNameOf', () => {
  it.each<[SsoClaims, string]>([
    [{ name: 'Jane Doe' }, 'Jane Doe'],
    [{ name: ' Jane\u0000Doe ' }, 'Jane Doe'],
    [{ name: '' }, 'jane.doe'],
    [{ name: 42 }, 'jane.doe'],
    [{ name: 'N'.repeat(150) }, 'N'.repeat(100)],
    // Cut at 100 units, never inside a character of two (an emoji), which would be stored as U+FFFD.
    [{ name: `${'N'.repeat(99)}😀 Doe` }, 'N'.repeat(99)],
    // A half of a pair standing alone in the provider's JSON ("\ud800") is no character either.
    [{ name: 'Jane\ud800 Doe' }, 'Jane\ufffd Doe'],
  ])('%j → %s', (claims, expected) => {
    expect(ssoDisplayNameOf(claims, 'jane.doe@example.com')).toBe(expected);
  });
});
