/**
 * Pending closes (the undo window, src/core/pendingClose.ts): the two columns on tickets and the
 * partial index `tickets_pending_close` (migration 2026-12-03T1000) the job reads. Every write is
 * conditional on the state it expects, so a click, an undo, a move and the job racing each other
 * each either apply to the state they saw or change nothing.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Db, Dialect } from '../db/connect.js';

/** The index's condition, literally (see repositories/slaWatches.ts on why SQL literals). */
const PENDING = `status = 'open' and close_due_at is not null`;

function pendingTickets(dialect: Dialect) {
  return sql.raw(dialect === 'sqlite' ? 'tickets indexed by tickets_pending_close' : 'tickets');
}

/**
 * Writes the two columns of an open ticket, only when `has` says whether a close is pending as
 * expected (and the ticket is held by `agentId`, and its pending close asked for by `requestedBy`,
 * when given). Returns whether the row changed.
 */
async function writePending(db: Db, ticketId: number, values: { close_due_at: number | null; close_requested_by: number | null }, has: boolean, agentId?: number, requestedBy?: number): Promise<boolean> {
  let update = db.updateTable('tickets').set(values).where('id', '=', ticketId).where('status', '=', 'open').where('close_due_at', has ? 'is not' : 'is', null);
  if (agentId !== undefined) update = update.where('agent_id', '=', agentId);
  if (requestedBy !== undefined) update = update.where('close_requested_by', '=', requestedBy);
  return Number((await update.executeTakeFirst()).numUpdatedRows) === 1;
}

/**
 * Records a pending close by `agentId`, due at `dueAt`, if the ticket is open, still held by that
 * agent and has none pending yet. Returns whether it did.
 */
export function setPendingClose(db: Db, ticketId: number, agentId: number, dueAt: number): Promise<boolean> {
  return writePending(db, ticketId, { close_due_at: dueAt, close_requested_by: agentId }, false, agentId);
}

/**
 * Clears the ticket's pending close if it is still open with one (asked for by `requestedBy`, when
 * given). Returns whether it did (false: committed, already cleared, or someone else's by now).
 */
export function clearPendingClose(db: Db, ticketId: number, requestedBy?: number): Promise<boolean> {
  return writePending(db, ticketId, { close_due_at: null, close_requested_by: null }, true, undefined, requestedBy);
}

/**
 * Locks a ticket R3 chose to move from `donorId` (PostgreSQL: FOR NO KEY UPDATE, as the move's
 * own update would; SQLite's write transaction already excludes every writer) if it is still open,
 * held by the donor and not about to close. Returns whether it did. A Close is recorded outside the
 * routing lock (setPendingClose), so one clicked after the balance read the donor's tickets shows
 * only here: the lock waits for that write and the condition is read again on what it committed.
 */
export async function lockUnlessClosing(db: Db, ticketId: number, donorId: number): Promise<boolean> {
  const query = db.selectFrom('tickets').select('id').where('id', '=', ticketId).where('status', '=', 'open').where('agent_id', '=', donorId).where('close_due_at', 'is', null);
  return (await (db.getExecutor().adapter instanceof PostgresAdapter ? query.forNoKeyUpdate() : query).executeTakeFirst()) !== undefined;
}

/** The earliest pending close's due instant, or null when none is pending (a read of the index's first entry). */
export async function nextPendingCloseDue(db: Db, dialect: Dialect): Promise<number | null> {
  const row = (await sql<{ due: number | null }>`select min(close_due_at) as due from ${pendingTickets(dialect)} where ${sql.raw(PENDING)}`.execute(db)).rows[0];
  return row?.due == null ? null : Number(row.due);
}

/**
 * The pending closes due at `now` (due ≤ now), earliest first. Inside the job's transaction on
 * PostgreSQL the rows are locked `FOR NO KEY UPDATE SKIP LOCKED`: a second process's job skips the
 * rows the first is committing instead of waiting for them (the routing lock already serialises the
 * commits; the conditional close makes each commit happen once).
 */
export async function duePendingCloses(db: Db, dialect: Dialect, now: number, limit: number): Promise<number[]> {
  const locking = dialect === 'postgres' ? sql` for no key update skip locked` : sql``;
  const rows = (await sql<{ id: number }>`select id from ${pendingTickets(dialect)} where ${sql.raw(PENDING)} and close_due_at <= ${now} order by close_due_at, id limit ${limit}${locking}`.execute(db)).rows;
  return rows.map((r) => Number(r.id));
}
