import { sql } from 'kysely';
import type { Db } from '../db/connect.js';

/** Whether the setting requires a second factor of all staff (§15). */
export async function twoFactorRequired(db: Db): Promise<boolean> {
  const row = await db.selectFrom('settings').select('require_two_factor').where('id', '=', 1).executeTakeFirst();
  return row?.require_two_factor === 1;
}

/**
 * Sets the requirement, only if it is not so already (one statement: of two admins saving the same
 * change at once, one changes it). Returns whether it changed.
 */
export async function setTwoFactorRequired(db: Db, required: boolean): Promise<boolean> {
  const value = required ? 1 : 0;
  const result = await db.updateTable('settings').set({ require_two_factor: value }).where('id', '=', 1).where('require_two_factor', '!=', value).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records `step` as the last accepted one, only if it is later than the one recorded and the
 * account's secret is still `secret`, the one the code was checked against: one statement, so of
 * two requests with the same code exactly one succeeds, and a reset (or a new secret) committed
 * after the check was read makes the code pass nothing. Returns whether it did.
 */
export async function advanceLastStep(db: Db, userId: number, secret: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where('totp_secret', '=', secret)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Confirms enrolment: the secret is the user's, with its first accepted step — only while the user
 * has none (one statement: a second factor that is on is never overwritten, not even by two
 * enrolments at once). Returns whether it was set.
 */
export async function confirmSecret(db: Db, userId: number, secret: string, step: number): Promise<boolean> {
  const result = await db.updateTable('users').set({ totp_secret: secret, totp_last_step: step }).where('id', '=', userId).where('totp_secret', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Replaces the user's recovery codes with these hashes. */
export async function replaceRecoveryCodes(db: Db, userId: number, hashes: readonly string[], now: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('recovery_codes').values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null }))).execute();
}

/** Uses up one recovery code if it is the user's and unused (one statement: single use under races). */
export async function useRecoveryCode(db: Db, userId: number, hash: string, now: number): Promise<boolean> {
  const result = await db.updateTable('recovery_codes').set({ used_at: now }).where('user_id', '=', userId).where('code_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Unused recovery codes left. */
export async function recoveryCodesLeft(db: Db, userId: number): Promise<number> {
  const row = await db.selectFrom('recovery_codes').select(sql<number>`count(*)`.as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Removes the user's second factor entirely (turned off, or reset by an admin). Returns whether it
 * had one: decided by the statement itself, so of two resets at once only one finds it.
 */
export async function clearSecondFactor(db: Db, userId: number): Promise<boolean> {
  const result = await db.updateTable('users').set({ totp_secret: null, totp_last_step: null }).where('id', '=', userId).where('totp_secret', 'is not', null).executeTakeFirst();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  return Number(result.numUpdatedRows) === 1;
}
