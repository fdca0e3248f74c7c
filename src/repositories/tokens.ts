import type { Db } from '../db/connect.js';
import type { ApiTokenRow, ApiTokenScope } from '../db/schema.js';

export async function insertApiToken(db: Db, row: { user_id: number; name: string; token_hash: string; created_at: number; scope?: ApiTokenScope }): Promise<ApiTokenRow> {
  return db
    .insertInto('api_tokens')
    .values({ ...row, last_used_at: null, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A live (not revoked) token with its user, as authentication needs them. */
export type LiveToken = NonNullable<Awaited<ReturnType<typeof findLiveTokenByHash>>>;

/** A live (not revoked) token by its hash, with its user as authentication needs it. */
export async function findLiveTokenByHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('api_tokens as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select(['k.id as token_id', 'k.last_used_at', 'k.scope', 'u.id', 'u.username', 'u.display_name', 'u.role', 'u.presence', 'u.active'])
    .where('k.token_hash', '=', tokenHash)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Records a use, unless one was recorded after `staleBefore`: the condition is in the statement,
 * so concurrent requests write at most once per interval.
 */
export async function touchApiToken(db: Db, tokenId: number, now: number, staleBefore: number): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', tokenId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
    .execute();
}

/** Revokes a token; false when there is no such live token. */
export async function revokeApiTokenRow(db: Db, tokenId: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes every live token of a user (its deactivation); returns how many. */
export async function revokeTokensOf(db: Db, userId: number, now: number): Promise<number> {
  const result = await db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function findApiTokenById(db: Db, tokenId: number): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
}

/** Tokens with their owners, newest first; only one user's when `userId` is given. */
export async function listApiTokenRows(db: Db, userId?: number) {
  let query = db
    .selectFrom('api_tokens as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select(['k.id', 'k.user_id', 'u.username', 'k.name', 'k.scope', 'k.created_at', 'k.last_used_at', 'k.revoked_at'])
    .orderBy('k.id', 'desc');
  if (userId !== undefined) query = query.where('k.user_id', '=', userId);
  return query.execute();
}
