import { describe, expect, it } from 'vitest';
import {
  FEW_RECOVERY_CODES,
  recoveryCodeUsedMessage,
  requirementOutcomeMessage,
  resetOutcomeMessage,
  acceptsStep,
  decodePendingLogin,
  encodePendingLogin,
  ownResetNeeds,
  formatRecoveryCode,
  parseTypedCode,
  RECOVERY_ALPHABET,
  recoveryCodeFrom,
  type SecondStep,
  secondStepOf,
  stepAt,
  type TypedCode,
} from '../../src/core/twoFactor.js';
import type { Role } from '../../src/core/users.js';

describe('secondStepOf', () => {
  it.each<[boolean, Role, boolean, SecondStep]>([
    [false, 'agent', false, 'none'],
    [false, 'admin', false, 'none'],
    [true, 'agent', false, 'verify'],
    [true, 'admin', true, 'verify'],
    [false, 'agent', true, 'enrol'],
    [false, 'admin', true, 'enrol'],
  ])('enrolled %s, %s, required %s → %s', (enrolled, role, required, expected) => {
    expect(secondStepOf({ enrolled, role }, required)).toBe(expected);
  });
});

describe('acceptsStep', () => {
  it.each<[string, number | null, number | null, boolean]>([
    ['a first code', 100, null, true],
    ['a later step', 101, 100, true],
    ['the same step again', 100, 100, false],
    ['the previous window after a newer code', 99, 100, false],
    ['the previous window first, then the current one', 100, 99, true],
    ['no match', null, null, false],
    ['no match after codes', null, 100, false],
  ])('%s', (_name, matched, last, expected) => {
    expect(acceptsStep(matched, last)).toBe(expected);
  });
});

describe('stepAt', () => {
  it.each<[number, number]>([
    [0, 0],
    [29_999, 0],
    [30_000, 1],
    // RFC 6238's own test time 59 s is step 1.
    [59_000, 1],
    [1_111_111_109_000, 37_037_036],
  ])('%d ms → step %d', (ms, step) => {
    expect(stepAt(ms)).toBe(step);
  });
});

describe('parseTypedCode', () => {
  it.each<[unknown, TypedCode | null]>([
    ['123456', { kind: 'totp', code: '123456' }],
    [' 123 456 ', { kind: 'totp', code: '123456' }],
    ['012345', { kind: 'totp', code: '012345' }],
    ['abcde-fghjk', { kind: 'recovery', code: 'abcdefghjk' }],
    ['ABCDEFGHJK', { kind: 'recovery', code: 'abcdefghjk' }],
    // Typed with an input method in full-width mode (Japanese, Chinese): the same digits and letters.
    ['１２３４５６', { kind: 'totp', code: '123456' }],
    ['１２３\u3000４５６', { kind: 'totp', code: '123456' }],
    ['ＡＢＣＤＥ－ＦＧＨＪＫ', { kind: 'recovery', code: 'abcdefghjk' }],
    // Pasted from a note or a document that made its dash typographic (hyphen, non-breaking hyphen, en dash).
    ['abcde\u2010fghjk', { kind: 'recovery', code: 'abcdefghjk' }],
    ['abcde\u2011fghjk', { kind: 'recovery', code: 'abcdefghjk' }],
    ['abcde\u2013fghjk', { kind: 'recovery', code: 'abcdefghjk' }],
    // Other scripts' digits are not the app's code.
    ['١٢٣٤٥٦', null],
    ['12345', null],
    ['1234567', null],
    ['abcde-fghjl', null],
    ['abcde-fghj', null],
    ['', null],
    [undefined, null],
    [['123456'], null],
    ['1'.repeat(41), null],
  ])('%j → %j', (raw, expected) => {
    expect(parseTypedCode(raw)).toEqual(expected);
  });
});

describe('recovery codes', () => {
  it('are ten characters of the alphabet, skipping bytes that would bias it', () => {
    const limit = 256 - (256 % RECOVERY_ALPHABET.length);
    const bytes = new Uint8Array([255, limit, ...Array.from({ length: 10 }, (_, i) => i)]);
    expect(recoveryCodeFrom(bytes)).toBe(RECOVERY_ALPHABET.slice(0, 10));
    expect(recoveryCodeFrom(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(recoveryCodeFrom(new Uint8Array(12).fill(255))).toBeNull();
  });

  it('read back as typed, formatted with a dash', () => {
    expect(formatRecoveryCode('abcdefghjk')).toBe('abcde-fghjk');
    expect(parseTypedCode(formatRecoveryCode('abcdefghjk'))).toEqual({ kind: 'recovery', code: 'abcdefghjk' });
  });
});

describe('pending login', () => {
  const NOW = 1_800_000_000_000;
  it.each<[string, string | undefined, number, boolean]>([
    ['a fresh one', encodePendingLogin({ userId: 7, expiresAt: NOW + 1, credentials: 'Ab_-9', method: 'password' }), NOW, true],
    ['a fresh one after single sign-on', encodePendingLogin({ userId: 7, expiresAt: NOW + 1, credentials: 'Ab_-9', method: 'sso' }), NOW, true],
    ['at its end', encodePendingLogin({ userId: 7, expiresAt: NOW, credentials: 'Ab_-9', method: 'password' }), NOW, false],
    ['none', undefined, NOW, false],
    ['malformed', '7.x.Ab', NOW, false],
    ['without a credentials stamp (made before stamps)', `7.${NOW + 1}`, NOW, false],
    ['with an empty stamp', `7.${NOW + 1}.`, NOW, false],
    ['with a stamp of other characters', `7.${NOW + 1}.a+b`, NOW, false],
    ['with extra parts', `7.${NOW + 1}.Ab.1`, NOW, false],
    ['with another method', `7.${NOW + 1}.Ab.saml`, NOW, false],
  ])('%s', (_name, value, now, valid) => {
    expect(decodePendingLogin(value, now) !== null).toBe(valid);
  });

  it.each(['password', 'sso'] as const)('reads back what it wrote (after a %s)', (method) => {
    const pending = { userId: 42, expiresAt: NOW + 300_000, credentials: 'x'.repeat(22), method };
    expect(decodePendingLogin(encodePendingLogin(pending), NOW)).toEqual(pending);
  });

  it('reads a login begun before methods were written as a password’s (those were the only ones then)', () => {
    expect(decodePendingLogin(`7.${NOW + 1}.Ab`, NOW)).toEqual({ userId: 7, expiresAt: NOW + 1, credentials: 'Ab', method: 'password' });
  });
});

describe('recoveryCodeUsedMessage: what signing in with a recovery code says', () => {
  it.each<[number, string]>([
    [9, 'You signed in with a recovery code, which is now used up: 9 of 10 left.'],
    [4, 'You signed in with a recovery code, which is now used up: 4 of 10 left.'],
    [3, 'You signed in with a recovery code, which is now used up: 3 of 10 left. Make new ones on your Two-factor sign-in page (My account).'],
    [1, 'You signed in with a recovery code, which is now used up: 1 of 10 left. Make new ones on your Two-factor sign-in page (My account).'],
    [0, 'You signed in with your last recovery code. Make new ones on your Two-factor sign-in page (My account).'],
  ])('%i left', (left, message) => {
    expect(recoveryCodeUsedMessage(left)).toBe(message);
  });

  it('asks for new ones from FEW_RECOVERY_CODES down, not above', () => {
    expect(recoveryCodeUsedMessage(FEW_RECOVERY_CODES)).toContain('Make new ones');
    expect(recoveryCodeUsedMessage(FEW_RECOVERY_CODES + 1)).not.toContain('Make new ones');
  });
});

describe("what an admin's two-factor actions say", () => {
  it.each<[boolean, string]>([
    [true, 'Two-factor sign-in reset: they log in with their password and set it up again.'],
    [false, 'This account has no second factor: there is nothing to reset.'],
  ])('a reset that found one: %s', (had, message) => {
    expect(resetOutcomeMessage(had)).toBe(message);
  });

  it.each<[boolean, boolean, string]>([
    [true, true, 'Two-factor sign-in is now required: staff without it set it up at their next login.'],
    [false, true, 'Two-factor sign-in is now optional.'],
    [true, false, 'Two-factor sign-in was already required: nothing changed.'],
    [false, false, 'Two-factor sign-in was already optional: nothing changed.'],
  ])('the requirement saved as %s, changed: %s', (required, changed, message) => {
    expect(requirementOutcomeMessage(required, changed)).toBe(message);
  });
});

describe('ownResetNeeds', () => {
  it.each([
    [1, 2, 'page', 'nothing'],
    [1, 2, 'token', 'nothing'],
    [1, 1, 'page', 'current_password'],
    [1, 1, 'token', 'refused'],
  ] as const)('admin %i resetting user %i by %s needs %s', (adminId, userId, channel, needs) => {
    expect(ownResetNeeds(adminId, userId, channel)).toBe(needs);
  });
});
