import type { ResetLinkFacts } from '../core/accounts.js';
import type { Db } from '../db/connect.js';
import type { UserRow } from '../db/schema.js';
import { usersByMailbox } from './users.js';

/** Active accounts whose email is `email` (lower-case) in any letter case, oldest first: each gets its own link. */
export async function activeUsersByEmail(db: Db, email: string): Promise<Pick<UserRow, 'id' | 'username' | 'display_name' | 'email'>[]> {
  return (await usersByMailbox(db, email)).filter((user) => user.active === 1);
}

export async function insertPasswordReset(db: Db, row: { userId: number; tokenHash: string; now: number; expiresAt: number }): Promise<void> {
  await db.insertInto('password_resets').values({ user_id: row.userId, token_hash: row.tokenHash, created_at: row.now, expires_at: row.expiresAt, used_at: null }).execute();
}

/** What is known of the link with this token hash (see core/accounts.ts resetLinkState). */
export async function resetLinkFacts(db: Db, tokenHash: string): Promise<ResetLinkFacts | undefined> {
  const row = await db
    .selectFrom('password_resets as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.expires_at', 'r.used_at', 'u.active'])
    .where('r.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row && { expiresAt: Number(row.expires_at), usedAt: row.used_at === null ? null : Number(row.used_at), accountActive: row.active === 1 };
}

/**
 * Claims the link: marks it used if it is unused and unexpired, in one statement, so that of two
 * uses at once exactly one gets the user id. Undefined: nothing claimed.
 */
export async function claimPasswordReset(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .updateTable('password_resets')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** Every other link of the user stops working (a password was just set, one way or another). */
export async function retirePasswordResetsOf(db: Db, userId: number, now: number): Promise<void> {
  await db.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}
