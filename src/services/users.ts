import { type FieldErrors, refuseFields } from '../core/checked.js';
import { labelled } from '../core/fieldErrors.js';
import { DomainError, invalidInput } from '../core/errors.js';
import type { FieldLabels } from '../core/fieldErrors.js';
import { checkNewUser, EMAIL_TAKEN, emailToCheck, NEW_USER_LABELS, type NewUserInput } from '../core/users.js';
import type { Db } from '../db/connect.js';
import { accountsByEmail } from '../repositories/ssoLogins.js';
import type { NewUserRow } from '../db/schema.js';
import { findUserByUsername, hasActiveAdmin, insertUser } from '../repositories/users.js';
import { type Acting, auditRun } from './audit.js';
import type { ServiceContext } from './context.js';
import { generatePassword, hashPassword } from './passwords.js';
import { drainQueue, withRouting } from './routing.js';

const USERNAME_TAKEN = 'This username is taken.';

/**
 * Registers a staff account (admin register form, `npm run user:create`), audited as `by`'s. A
 * duplicate username in any letter case is refused with nothing written, together with every
 * other field's problem. New agents start offline.
 */
export async function createUser(ctx: ServiceContext, raw: Record<string, unknown>, by: Acting): Promise<number> {
  const { value: input, fields } = checkNewUser(raw);
  if (Object.keys(fields).length > 0) {
    // Refused anyway: whether the name or the address is taken is told now too, not after the rest is fixed.
    refuseFields({ ...fields, ...(await takenFields(ctx.handle.db, input, fields)) }, NEW_USER_LABELS);
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return await withRouting(ctx, by, async (run) => {
      refuseFields(await takenFields(run.trx, input, {}), NEW_USER_LABELS);
      const id = await insertUser(run.trx, newStaffRow(input, passwordHash, run.now));
      const after = { username: input.username, display_name: input.displayName, email: input.email, role: input.role, capacity: input.capacity };
      await auditRun(run, 'user.create', `user:${id}`, { after });
      await drainQueue(run);
      return id;
    });
  } catch (error) {
    // Two registrations of one name at once: the unique index refuses the second.
    if (!(error instanceof DomainError) && /unique|duplicate/i.test(String(error))) throw invalidInput(labelled({ username: USERNAME_TAKEN }, NEW_USER_LABELS));
    throw error;
  }
}

/**
 * Refuses (400 on `email`) an address another account has in any letter case, unless it is the
 * account's `current` one (src/core/users.ts emailToCheck). Called inside the writing transaction,
 * under the routing lock, so two accounts saved at once cannot both take one address.
 */
export async function refuseTakenEmail(db: Db, next: string, current: string | null, self: number | null, labels: FieldLabels): Promise<void> {
  const key = emailToCheck(next, current);
  if (key === null) return;
  if ((await accountsByEmail(db, key)).some((account) => account.id !== self)) throw invalidInput(labelled({ email: EMAIL_TAKEN }, labels));
}

/** A new account's username and email that another account has (in any letter case), of those that read correctly (not in `refused`). */
async function takenFields(db: Db, input: NewUserInput, refused: Readonly<FieldErrors>): Promise<FieldErrors> {
  const taken: FieldErrors = {};
  if (refused.username === undefined && (await findUserByUsername(db, input.username))) taken.username = USERNAME_TAKEN;
  const email = refused.email === undefined ? emailToCheck(input.email, null) : null;
  if (email !== null && (await accountsByEmail(db, email)).length > 0) taken.email = EMAIL_TAKEN;
  return taken;
}

/** The row of a new staff account: active, offline, never assigned. */
export function newStaffRow(input: Pick<NewUserInput, 'username' | 'displayName' | 'email' | 'role' | 'capacity'>, passwordHash: string, now: number): NewUserRow {
  return {
    username: input.username,
    display_name: input.displayName,
    email: input.email,
    password_hash: passwordHash,
    role: input.role,
    capacity: input.capacity,
    presence: 'offline',
    last_assigned_at: null,
    active: 1,
    created_at: now,
  };
}

/**
 * On a database without an admin, creates `admin` with `ADMIN_PASSWORD`, or a random password that
 * is returned so the caller can print it once. Returns null when an admin already exists.
 */
export async function ensureFirstAdmin(ctx: ServiceContext, adminPassword: string | undefined): Promise<{ username: string; password: string; generated: boolean } | null> {
  if (await hasActiveAdmin(ctx.handle.db)) return null;
  const password = adminPassword ?? generatePassword();
  try {
    await createUser(ctx, { username: 'admin', display_name: 'Administrator', email: '', password, role: 'admin' }, null);
  } catch (error) {
    // Another process created it first: fine.
    if (error instanceof DomainError && error.fields.username) return null;
    throw error;
  }
  return { username: 'admin', password, generated: adminPassword === undefined };
}
