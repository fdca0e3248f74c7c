/**
 * Two-factor sign-in (SPEC §15): TOTP codes (RFC 6238, 30-second steps, 6 digits) and single-use
 * recovery codes. Pure: which step a login needs, which code a person typed, and whether a matched
 * step may be accepted. The HMAC itself is the `otpauth` library's (services/twoFactor.ts).
 */
import type { Role } from './users.js';

/** Seconds per TOTP step. */
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of now: a phone's clock a little off still works. */
export const TOTP_WINDOW = 1;
/** Recovery codes issued at enrolment. */
export const RECOVERY_CODE_COUNT = 10;
/** How long the second step of a login may wait after the password was accepted. */
export const SECOND_STEP_MS = 5 * 60_000;

/** What a login needs after the password: nothing more, a code, or enrolment first. */
export type SecondStep = 'none' | 'verify' | 'enrol';

/**
 * A user with a confirmed second factor must give a code; one without must enrol first when the
 * setting requires a second factor of all staff (agents and admins alike); otherwise nothing.
 */
export function secondStepOf(user: { enrolled: boolean; role: Role }, requiredForStaff: boolean): SecondStep {
  if (user.enrolled) return 'verify';
  return requiredForStaff ? 'enrol' : 'none';
}

/**
 * Whether a code that matched `matchedStep` may be accepted when the last accepted code was of
 * `lastUsedStep`: only a later step, so no code is accepted twice, not even one of the previous
 * window (accepted for drift) after a newer one.
 */
export function acceptsStep(matchedStep: number | null, lastUsedStep: number | null): boolean {
  return matchedStep !== null && (lastUsedStep === null || matchedStep > lastUsedStep);
}

/** The step of an instant (ms). */
export function stepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** A second step that passed: by the app's code, or by a recovery code (then how many are left). */
export type SecondFactorPass = { via: 'totp' } | { via: 'recovery'; codesLeft: number };

/** Recovery codes left at or below which signing in with one asks for new ones. */
export const FEW_RECOVERY_CODES = 3;

/**
 * What signing in with a recovery code tells the person: that one was used up (someone who did not
 * use one learns their codes are known), how many are left, and when few are, to make new ones.
 */
export function recoveryCodeUsedMessage(codesLeft: number): string {
  const renew = 'Make new ones on your Two-factor sign-in page (My account).';
  if (codesLeft === 0) return `You signed in with your last recovery code. ${renew}`;
  const left = `You signed in with a recovery code, which is now used up: ${codesLeft} of ${RECOVERY_CODE_COUNT} left.`;
  return codesLeft <= FEW_RECOVERY_CODES ? `${left} ${renew}` : left;
}

/**
 * What an admin's reset of someone's second factor tells the admin (page and API): done, or that
 * the account had none, so there was nothing to reset (and nothing was written).
 */
export function resetOutcomeMessage(had: boolean): string {
  return had ? 'Two-factor sign-in reset: they log in with their password and set it up again.' : 'This account has no second factor: there is nothing to reset.';
}

/** Where an admin's reset of a second factor comes from: the admin's user page (with what was typed), or an API token. */
export type ResetChannel = 'page' | 'token';

/**
 * What an admin's reset of a second factor asks first. Another account's: nothing (the admin's
 * power; a lost phone). One's own: it would let whoever holds the admin's unlocked screen or a
 * stolen session or token drop the admin's second factor, so the page asks for the current password
 * (as turning it off on My account does), and a token, which carries no password, is refused.
 */
export function ownResetNeeds(adminId: number, userId: number, channel: ResetChannel): 'nothing' | 'current_password' | 'refused' {
  if (adminId !== userId) return 'nothing';
  return channel === 'page' ? 'current_password' : 'refused';
}

/** Why an API token cannot reset its own account's second factor. */
export const OWN_RESET_BY_TOKEN =
  "An API token cannot reset its own account's second factor: a token carries no password. Turn it off or set it up again on My account (Two-factor sign-in), with your current password.";

/**
 * What saving the all-staff requirement tells the admin: what it is now, or, when it already was
 * so, that nothing changed (and nothing was written).
 */
export function requirementOutcomeMessage(required: boolean, changed: boolean): string {
  if (!changed) return `Two-factor sign-in was already ${required ? 'required' : 'optional'}: nothing changed.`;
  return required ? 'Two-factor sign-in is now required: staff without it set it up at their next login.' : 'Two-factor sign-in is now optional.';
}

/**
 * A code as typed, read: six digits (spaces allowed) are a TOTP code; ten letters and digits (a dash
 * allowed) a recovery code. Read in NFKC, as passwords are: digits and letters typed with an input
 * method in full-width mode (`１２３４５６`) are the same code; any dash (a document's typographic
 * hyphen or en dash) separates as `-` does.
 */
export type TypedCode = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string };

/** The letters of recovery codes: no 0/o, 1/l/i, which people misread. */
export const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export function parseTypedCode(raw: unknown): TypedCode | null {
  if (typeof raw !== 'string' || raw.length > 40) return null;
  const compact = raw.normalize('NFKC').replace(/[\s\p{Pd}]+/gu, '').toLowerCase();
  if (/^\d{6}$/.test(compact)) return { kind: 'totp', code: compact };
  if (compact.length === 10 && [...compact].every((c) => RECOVERY_ALPHABET.includes(c))) return { kind: 'recovery', code: compact };
  return null;
}

/** A recovery code as shown to people: `abcde-fghjk`. */
export function formatRecoveryCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * A recovery code from random bytes: each byte below the largest multiple of the alphabet's size
 * gives a character (the others are skipped, so every character is equally likely). Null when the
 * bytes run out first.
 */
export function recoveryCodeFrom(bytes: Uint8Array): string | null {
  const size = RECOVERY_ALPHABET.length;
  const limit = 256 - (256 % size);
  const chars = [...bytes].filter((b) => b < limit).slice(0, 10);
  return chars.length === 10 ? chars.map((b) => RECOVERY_ALPHABET[b % size]).join('') : null;
}

/**
 * The signed token of a login waiting for its second step: who, until when, a stamp of the
 * account's credentials at its first step (http/login.ts), so that a password changed meanwhile
 * ends the login: the second step never finishes what an old password began; and what its first
 * step was (a password, or single sign-on), which the sign-in's audit entry says.
 */
export interface PendingLogin {
  userId: number;
  expiresAt: number;
  credentials: string;
  method: 'password' | 'sso';
}

/** `userId.expiresAt.credentials`, and `.sso` after a single sign-on (the cookie plugin signs it). */
export function encodePendingLogin(pending: PendingLogin): string {
  return `${pending.userId}.${pending.expiresAt}.${pending.credentials}${pending.method === 'sso' ? '.sso' : ''}`;
}

/**
 * The pending login in a (verified) cookie value, if well formed and not expired at `now`. A value
 * without a stamp (made before stamps) is not one: that login starts again.
 */
export function decodePendingLogin(value: string | null | undefined, now: number): PendingLogin | null {
  const match = /^(\d{1,12})\.(\d{1,16})\.([A-Za-z0-9_-]{1,64})(\.sso)?$/.exec(value ?? '');
  if (!match) return null;
  const pending: PendingLogin = { userId: Number(match[1]), expiresAt: Number(match[2]), credentials: match[3]!, method: match[4] ? 'sso' : 'password' };
  return now < pending.expiresAt ? pending : null;
}
