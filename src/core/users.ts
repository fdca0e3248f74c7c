/**
 * Staff accounts: roles and the validation of the register form and `user:create` (§1). Pure.
 */
import { invalidInput } from './errors.js';
import { MAX_CAPACITY, parseCapacity } from './settings.js';
import { isEmailAddress } from './tickets.js';

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

const str = (raw: unknown): string => (typeof raw === 'string' ? raw.trim() : '');

/**
 * Validates a new staff account: username 2–64 of letters, digits, `.`, `_`, `-` (stored
 * lower-case), display name 1–100 (defaults to the username), email valid (may be empty for
 * accounts without mail), password 8–200, role agent|admin (default agent), capacity empty or 1–1000.
 */
export function validateNewUser(raw: Record<string, unknown>): NewUserInput {
  const fields: Record<string, string> = {};
  const username = str(raw.username).toLowerCase();
  if (!/^[a-z0-9._-]{2,64}$/.test(username)) fields.username = 'Use 2–64 letters, digits, dots, dashes or underscores.';
  // Display names reach email bodies and headers: no control characters.
  // eslint-disable-next-line no-control-regex
  const displayName = str(raw.display_name).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim() || username;
  if (displayName.length > 100) fields.display_name = 'At most 100 characters.';
  const email = str(raw.email);
  if (email !== '' && !isEmailAddress(email)) fields.email = 'Enter a valid email address, such as name@example.com.';
  const password = typeof raw.password === 'string' ? raw.password : '';
  if (password.length < 8) fields.password = 'At least 8 characters.';
  else if (password.length > 200) fields.password = 'At most 200 characters.';
  const roleText = str(raw.role).toLowerCase() || 'agent';
  if (!(ROLES as readonly string[]).includes(roleText)) fields.role = 'Choose agent or admin.';
  // A number (command line, JSON) is checked like its text; dropping it would silently give the default.
  const capacityText = typeof raw.capacity === 'number' ? String(raw.capacity) : str(raw.capacity);
  const capacity = capacityText === '' ? null : parseCapacity(capacityText);
  if (capacityText !== '' && capacity === null) fields.capacity = `Enter a whole number from 1 to ${MAX_CAPACITY}, or leave empty for the default.`;
  if (Object.keys(fields).length > 0) throw invalidInput(fields);
  return { username, displayName, email, password, role: roleText as Role, capacity };
}
