/** Canned replies (§9): named texts admins keep and agents pick into the reply box. */
import { sql } from 'kysely';
import { rowNamed } from '../core/checked.js';
import type { Db } from '../db/connect.js';
import type { CannedReplyRow } from '../db/schema.js';

/** Every canned reply, by name (a short list an admin keeps by hand). */
export async function listCannedReplies(db: Db): Promise<CannedReplyRow[]> {
  return db.selectFrom('canned_replies').selectAll().orderBy(sql`lower(name)`).orderBy('id').execute();
}

export async function findCannedReply(db: Db, id: number): Promise<CannedReplyRow | undefined> {
  return db.selectFrom('canned_replies').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The id of a canned reply with this name in any letter case, other than `exceptId`, or undefined.
 * Compared here (rowNamed, as team and calendar names are), not by lower(name): SQLite's folds
 * only ASCII, so `Übergabe` and `übergabe` were two replies there (an admin keeps a short list: all
 * names are read).
 */
export async function cannedReplyNamed(db: Db, name: string, exceptId: number | null): Promise<number | undefined> {
  let query = db.selectFrom('canned_replies').select(['id', 'name']);
  if (exceptId !== null) query = query.where('id', '<>', exceptId);
  return rowNamed(await query.execute(), name)?.id;
}

export async function insertCannedReply(db: Db, row: { name: string; body: string; now: number }): Promise<number> {
  const inserted = await db
    .insertInto('canned_replies')
    .values({ name: row.name, body: row.body, created_at: row.now, updated_at: row.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/** Whether the reply existed (and so was changed). */
export async function updateCannedReply(db: Db, id: number, row: { name: string; body: string; now: number }): Promise<boolean> {
  const result = await db.updateTable('canned_replies').set({ name: row.name, body: row.body, updated_at: row.now }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Whether the reply existed (and so was deleted). */
export async function deleteCannedReply(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('canned_replies').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
