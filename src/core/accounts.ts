/**
 * Staff accounts' own doors (SPEC §15): the password-reset link and the self-service account page.
 * Pure: the rules a reset link must meet, and the validation of the forms.
 */
import { invalidInput } from './errors.js';
import { type FieldLabels, labelled } from './fieldErrors.js';
import { isEmailAddress } from './tickets.js';
import { displayNameOf, emailOf, passwordOf } from './users.js';

/** A reset link works for 30 minutes after it was asked for, once. */
export const RESET_LINK_MS = 30 * 60_000;

/**
 * The token of a reset link: 32 random bytes in base64url (43 characters). Anything else in the
 * link's place was never issued (forged or cut short), and is refused without a database look-up.
 */
export function isResetTokenShape(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** What the database knows of a reset link (its hash matched a row), or nothing. */
export interface ResetLinkFacts {
  expiresAt: number;
  usedAt: number | null;
  /** The account is still active (a deactivated account's links no longer work). */
  accountActive: boolean;
}

export type ResetLinkState = 'valid' | 'used' | 'expired' | 'unknown';

/**
 * Whether a reset link may still set a password at `now`: unused, not expired, its account active.
 * A link used once is `used` even after its time ran out (the truer of the two reasons).
 */
export function resetLinkState(facts: ResetLinkFacts | undefined, now: number): ResetLinkState {
  if (!facts || !facts.accountActive) return 'unknown';
  if (facts.usedAt !== null) return 'used';
  return now < facts.expiresAt ? 'valid' : 'expired';
}

/** An account as found inside the transaction that acts on a password checked before it. */
export interface AccountNow {
  active: boolean;
  passwordHash: string;
}

/**
 * Whether what a checked password authorised may still happen on the account as it is now (read
 * inside the transaction that does it): a sign-in's session, or one's own new password or address
 * typed with the current password. The account exists and is active and, when a password was
 * checked (`checkedHash`, the hash it was checked against), still has that password. A new password
 * set meanwhile (an admin's, a reset link's, one's own) ended every session of the account: nothing
 * begun with the old one may outlive it. Single sign-on checks no password (`checkedHash` null):
 * the provider vouched for the address.
 */
export function credentialsStand(account: AccountNow | undefined, checkedHash: string | null): boolean {
  if (!account?.active) return false;
  return checkedHash === null || account.passwordHash === checkedHash;
}

/** One's own change typed with a current password that stopped being it while the change was saved. */
export const PASSWORD_CHANGED_MEANWHILE = 'Your password was changed meanwhile, which logged you out everywhere: nothing was saved. Log in with the new password.';

/** What a person reads when a link does not work: why, and what to do instead. Never who it was for. */
export const RESET_LINK_REFUSALS: Record<Exclude<ResetLinkState, 'valid'>, string> = {
  // A link asked for again is retired like a used one (services/accounts.ts requestPasswordReset).
  used: 'This reset link has already been used, or a newer one was sent since. If you still cannot log in, use the link of the newest email, or ask for a new one.',
  expired: 'This reset link has expired: links work for 30 minutes. Ask for a new link.',
  unknown: 'This reset link is not valid. Check that you copied the whole link from the email, or ask for a new one.',
};

/** The request form's labels. */
export const RESET_REQUEST_LABELS: FieldLabels = { email: 'Email' };

/** The new-password form's labels (the reset link's page). */
export const NEW_PASSWORD_LABELS: FieldLabels = { password: 'New password', password_confirm: 'New password again' };

/** The account page's labels. */
export const ACCOUNT_LABELS: FieldLabels = { display_name: 'Display name', email: 'Email', current_password: 'Current password', password: 'New password', password_confirm: 'New password again' };

/**
 * The address typed into the reset request form, as accounts are matched by it: trimmed and
 * lower-case. Not an address at all: refused (which says nothing about any account).
 */
export function validateResetRequest(raw: Record<string, unknown>): string {
  const email = typeof raw.email === 'string' ? raw.email.trim().toLowerCase() : '';
  if (email === '' || email.length > 254 || !isEmailAddress(email)) throw invalidInput(labelled({ email: 'Enter the email address of your account, such as name@example.com.' }, RESET_REQUEST_LABELS));
  return email;
}

/** Checks a new password and its repetition into `fields` (the register form's rules). */
function newPasswordOf(raw: Record<string, unknown>, fields: Record<string, string>): string {
  const password = passwordOf(raw.password, fields);
  if (fields.password === undefined && raw.password_confirm !== password) fields.password_confirm = 'Type the same new password twice.';
  return password;
}

/** The reset link's form: a new password, typed twice. */
export function validateNewPassword(raw: Record<string, unknown>): string {
  const fields: Record<string, string> = {};
  const password = newPasswordOf(raw, fields);
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, NEW_PASSWORD_LABELS));
  return password;
}

/** A change to one's own account (the account page). */
export interface OwnAccountChange {
  displayName: string;
  email: string;
  /** Null: the password stays. */
  password: string | null;
  /**
   * The change needs the current password: a new password, or a new email address (the address
   * receives reset links, so changing it is as strong as changing the password). A display name
   * alone does not.
   */
  needsCurrentPassword: boolean;
}

/**
 * Whether a change of one's own account needs the current password: a new password, or a new
 * address (where reset links go). The same on My account and on an admin's own user page.
 */
export function ownChangeNeedsCurrentPassword(change: { email: string; password: string | null }, current: { email: string }): boolean {
  return change.password !== null || change.email.toLowerCase() !== current.email.toLowerCase();
}

/** The current password's field error when one's own change needs it and none was typed, else null. */
export function currentPasswordMissing(change: { email: string; password: string | null }, current: { email: string }, typed: unknown): string | null {
  if (!ownChangeNeedsCurrentPassword(change, current) || (typeof typed === 'string' && typed !== '')) return null;
  return change.password !== null ? 'Required to set a new password.' : 'Required to change your email address.';
}

/**
 * Validates the account page's form for the account `current`: display name (blank: the username),
 * email (may be empty), and an optional new password typed twice. When the change needs the current
 * password and none was typed, that is said with the other fields' errors.
 */
export function validateOwnAccountChange(raw: Record<string, unknown>, current: { username: string; email: string }): OwnAccountChange {
  const fields: Record<string, string> = {};
  const displayName = displayNameOf(raw.display_name, current.username, fields);
  const email = emailOf(raw.email, fields);
  const typed = typeof raw.password === 'string' && raw.password !== '';
  const password = typed ? newPasswordOf(raw, fields) : null;
  const needsCurrentPassword = ownChangeNeedsCurrentPassword({ email, password }, current);
  const missing = currentPasswordMissing({ email, password }, current, raw.current_password);
  if (missing !== null) fields.current_password = missing;
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, ACCOUNT_LABELS));
  return { displayName, email, password, needsCurrentPassword };
}
