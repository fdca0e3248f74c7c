/** Ticket threads (§9): messages in id order, a page at a time, never a whole long thread. */
import type { Insertable } from 'kysely';
import type { Db } from '../db/connect.js';
import type { MessageRow, MessagesTable } from '../db/schema.js';

export async function insertMessage(db: Db, row: Insertable<MessagesTable>): Promise<MessageRow> {
  return db.insertInto('messages').values(row).returningAll().executeTakeFirstOrThrow();
}

/** One message by id. */
export async function findMessageById(db: Db, id: number): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ThreadPageOptions {
  /** Only what the customer may see: no notes. */
  publicOnly: boolean;
  /** Messages with a larger id than this (the next page, oldest first). */
  afterId?: number;
  /** Messages with a smaller id than this; with `newest`, the page before it. */
  beforeId?: number;
  /** The last `limit` messages instead of the first (a long thread opens at its end). */
  newest?: boolean;
  limit: number;
}

/**
 * One page of a thread, oldest first, read from the (ticket_id, id) indexes: its cost is the page,
 * not the thread.
 */
export async function threadPage(db: Db, ticketId: number, options: ThreadPageOptions): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll().where('ticket_id', '=', ticketId);
  if (options.publicOnly) query = query.where('kind', '<>', 'note');
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  const rows = await query
    .orderBy('id', options.newest ? 'desc' : 'asc')
    .limit(options.limit)
    .execute();
  return options.newest ? rows.reverse() : rows;
}

/**
 * The newest public message's id, or null. `written`: only messages people wrote, not auto-replies
 * (§10: they start nothing), what the stale check of §9 holds a reply back for.
 */
export async function newestPublicMessageId(db: Db, ticketId: number, options: { written?: boolean } = {}): Promise<number | null> {
  let query = db.selectFrom('messages').select('id').where('ticket_id', '=', ticketId).where('kind', '<>', 'note');
  if (options.written) query = query.where('automatic', '=', 0);
  const row = await query
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Public messages people wrote before `beforeId`, newest first (a reply email's quoted history):
 * not a note, nor an auto-reply (the customer's out-of-office answering our last email), which
 * nobody wrote and which took the place of the customer's own words among the three quoted.
 */
export async function publicHistory(db: Db, ticketId: number, beforeId: number, limit: number): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('ticket_id', '=', ticketId)
    .where('kind', '<>', 'note')
    .where('automatic', '=', 0)
    .where('id', '<', beforeId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** A ticket's first message (its description), or undefined. */
export async function firstMessageIdOf(db: Db, ticketId: number): Promise<number | undefined> {
  const row = await db.selectFrom('messages').select('id').where('ticket_id', '=', ticketId).orderBy('id').limit(1).executeTakeFirst();
  return row?.id;
}

/** The usernames of these staff writers (a page of a thread at once), by user id. */
export async function authorUsernames(db: Db, authorIds: readonly number[]): Promise<Map<number, string>> {
  const ids = [...new Set(authorIds)];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.username]));
}
