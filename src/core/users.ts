/**
 * Staff accounts: roles and the validation of the register form and `user:create` (§1). Pure.
 */
import { accepted, Checked } from './checked.js';
import { invalidInput } from './errors.js';
import { type FieldLabels, labelled } from './fieldErrors.js';
import { MAX_CAPACITY, parseCapacity } from './settings.js';
import { mailboxKey, sameMailbox } from './mailboxes.js';
import { isEmailAddress } from './tickets.js';
import { trimInvisible } from './unicode.js';

export const ROLES = ['agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface NewUserInput {
  username: string;
  displayName: string;
  email: string;
  password: string;
  role: Role;
  capacity: number | null;
}

/** The register form's labels (and `user:create`'s): its messages start with them (core/fieldErrors.ts). */
export const NEW_USER_LABELS: FieldLabels = { username: 'Username', display_name: 'Display name', email: 'Email', password: 'Password', role: 'Role', capacity: 'Capacity' };

/** The profile form's labels: a password typed there is a new one. */
export const PROFILE_LABELS: FieldLabels = { display_name: 'Display name', email: 'Email', password: 'New password' };

const str = (raw: unknown): string => (typeof raw === 'string' ? raw.trim() : '');

/**
 * A name or address as typed, without whitespace or characters drawn as nothing at its ends
 * (core/unicode.ts trimInvisible): a zero-width space pasted with an address is no part of it, and
 * a display name of such characters alone is blank (the username stands in), not a name customers
 * read as nothing in their emails.
 */
const visible = (raw: unknown): string => (typeof raw === 'string' ? trimInvisible(raw) : '');

/**
 * The field checks shared by the register form and the profile form: each returns the value, or
 * records its field's error in `fields`.
 */
export function displayNameOf(raw: unknown, fallback: string, fields: Record<string, string>): string {
  // Display names reach email bodies and headers: no control characters.
  // eslint-disable-next-line no-control-regex
  const displayName = trimInvisible(visible(raw).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')) || fallback;
  if (displayName.length > 100) fields.display_name = 'At most 100 characters.';
  return displayName;
}

export function emailOf(raw: unknown, fields: Record<string, string>): string {
  const email = visible(raw);
  if (email !== '' && !isEmailAddress(email)) fields.email = 'Enter a valid email address, such as name@example.com.';
  return email;
}

/** Refusal of an address another account has (in any letter case). */
export const EMAIL_TAKEN = 'Another account has this address (in any letter case): give each account its own.';

/**
 * The key to look `next` up by among the other accounts (lower-cased: single sign-on and reset
 * links match addresses so), or null when there is nothing to check: no address (any number of
 * accounts may have none), or the account's `current` one in another letter case — addresses
 * stored twice before the rule are not refused when the rest of a profile is saved.
 */
export function emailToCheck(next: string, current: string | null): string | null {
  const key = mailboxKey(next);
  if (key === '' || key === mailboxKey(current)) return null;
  return key;
}

/**
 * Whether a profile change moves the account to another mailbox: its address differs from `current`
 * other than in letter case or spaces (as reset links and single sign-on match addresses), removed
 * included. Then its unused reset links, mailed to the old address, stop working.
 */
export function emailMoved(next: string, current: string | null): boolean {
  return !sameMailbox(next, current);
}

/**
 * How the database narrows the accounts down to those that may hold the mailbox `key` (a lower-case
 * address), before sameMailbox decides: SQL's lower() folds ASCII letters on every engine, but
 * SQLite's leaves every other letter as it is (`Å` stays `Å`), and so does PostgreSQL's under a C
 * locale. An all-ASCII key is compared with lower(email) (the users_by_email index); in any other,
 * each run of letters outside ASCII is a wildcard of a LIKE pattern (`%`, `_` and `\` escaped, for
 * `escape '\'`), which every spelling of the mailbox matches on both engines.
 */
export function mailboxLookup(key: string): { equals: string } | { like: string } {
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(key)) return { equals: key };
  // eslint-disable-next-line no-control-regex
  return { like: key.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/[^\u0000-\u007f]+/g, '%') };
}

export function passwordOf(raw: unknown, fields: Record<string, string>, field = 'password'): string {
  const password = typeof raw === 'string' ? raw : '';
  if (password.length < 8) fields[field] = 'At least 8 characters.';
  else if (password.length > 200) fields[field] = 'At most 200 characters.';
  return password;
}

/**
 * Validates a new staff account: username 2–64 of letters, digits, `.`, `_`, `-` (stored
 * lower-case), display name 1–100 (defaults to the username), email valid (may be empty for
 * accounts without mail), password 8–200, role agent|admin (default agent), capacity empty or 1–1000
 * (empty for an admin);
 * every field's problem at once. Whether the username is taken is the service's question.
 */
export function checkNewUser(raw: Record<string, unknown>): Checked<NewUserInput> {
  const fields: Record<string, string> = {};
  const username = str(raw.username).toLowerCase();
  if (!/^[a-z0-9._-]{2,64}$/.test(username)) fields.username = 'Use 2–64 letters, digits, dots, dashes or underscores.';
  const displayName = displayNameOf(raw.display_name, username, fields);
  const email = emailOf(raw.email, fields);
  const password = passwordOf(raw.password, fields);
  const roleText = str(raw.role).toLowerCase() || 'agent';
  if (!(ROLES as readonly string[]).includes(roleText)) fields.role = 'Choose agent or admin.';
  // A number (command line, JSON) is checked like its text; dropping it would silently give the default.
  const capacityText = typeof raw.capacity === 'number' ? String(raw.capacity) : str(raw.capacity);
  const capacity = capacityText === '' ? null : parseCapacity(capacityText);
  if (capacityText !== '' && capacity === null) fields.capacity = `Enter a whole number from 1 to ${MAX_CAPACITY}, or leave empty for the default.`;
  // Admins take no tickets (as the capacity form says): a capacity would be stored and shown for nothing.
  else if (capacity !== null && roleText === 'admin') fields.capacity = 'Only agents have a capacity: leave it empty for an admin.';
  return new Checked({ username, displayName, email, password, role: fields.role ? 'agent' : (roleText as Role), capacity }, fields);
}

/** checkNewUser's account, or one invalid_input naming every bad field. */
export function validateNewUser(raw: Record<string, unknown>): NewUserInput {
  return accepted(checkNewUser(raw), NEW_USER_LABELS);
}

/** A change to an account's profile: a new password only when one was typed. */
export interface ProfileChange {
  displayName: string;
  email: string;
  password: string | null;
}

/**
 * Whether a profile save changes the account: its display name or address (exactly as stored:
 * a new letter case is a change), or a new password. A save that changes nothing writes no audit
 * entry, as a capacity saved again writes none.
 */
export function profileChanges(before: { display_name: string; email: string | null }, change: ProfileChange): boolean {
  return change.password !== null || change.displayName !== before.display_name || change.email !== (before.email ?? '');
}

/**
 * Validates the profile form an admin fills in for any account (their own included): display
 * name (blank: the username), email (may be empty), and a new password, which is optional — an
 * empty one keeps the current password; a typed one has the register form's rules.
 */
export function validateProfileChange(raw: Record<string, unknown>, username: string): ProfileChange {
  const fields: Record<string, string> = {};
  const displayName = displayNameOf(raw.display_name, username, fields);
  const email = emailOf(raw.email, fields);
  const typed = typeof raw.password === 'string' && raw.password !== '';
  const password = typed ? passwordOf(raw.password, fields) : null;
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, PROFILE_LABELS));
  return { displayName, email, password };
}
