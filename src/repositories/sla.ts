/**
 * The SLA monitor's queries. Each one reads the partial index `tickets_sla_watch` (sla_due_at where
 * status = 'open' and sla_breached_at is null), so the monitor's cost grows with the tickets about
 * to breach, never with the whole table. Written as SQL because of two planner details: the index's
 * conditions must appear literally (a bound 'open' does not prove the index applies), and SQLite,
 * without statistics, prefers any equality index on status, so it is told which index to use.
 */
import { sql } from 'kysely';
import type { Db, Dialect } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';

const WATCH_INDEX = 'tickets_sla_watch';

function watchedTickets(dialect: Dialect) {
  return dialect === 'sqlite' ? sql.raw(`tickets indexed by ${WATCH_INDEX}`) : sql.raw('tickets');
}

/**
 * The due tickets, earliest deadline first. `lock` (PostgreSQL, inside a transaction) locks them
 * `FOR NO KEY UPDATE SKIP LOCKED`. Exported for the query-plan test.
 */
export function dueQuery(dialect: Dialect, now: number, limit: number, lock = false) {
  const locking = lock && dialect === 'postgres' ? sql` for no key update skip locked` : sql``;
  return sql<{ id: number }>`select id from ${watchedTickets(dialect)} where status = 'open' and sla_breached_at is null and sla_due_at < ${now} order by sla_due_at, id limit ${limit}${locking}`;
}

/** The earliest deadline still watched. Exported for the query-plan test. */
export function nextDeadlineQuery(dialect: Dialect) {
  return sql<{ due: number | null }>`select min(sla_due_at) as due from ${watchedTickets(dialect)} where status = 'open' and sla_breached_at is null`;
}

/**
 * Ids of open, unmarked tickets past their deadline at `now` (sla_due_at < now, as core/sla.ts's
 * isBreached: a ticket closed exactly at its deadline met it), earliest first. On PostgreSQL
 * the rows are locked `FOR NO KEY UPDATE SKIP LOCKED` (call inside a transaction), so concurrent
 * monitors take disjoint tickets without waiting on each other or on routing; the key-share locks
 * that event and outbox inserts take on the ticket still go through.
 */
export async function dueForBreach(db: Db, dialect: Dialect, now: number, limit: number): Promise<number[]> {
  const result = await dueQuery(dialect, now, limit, true).execute(db);
  return result.rows.map((r) => Number(r.id));
}

/**
 * Marks one ticket breached at `now` if it is still open, unmarked and past its deadline: the claim that makes a
 * breach recorded once however many monitors run. Returns the ticket as it is after the mark (its
 * current agent), or undefined when another monitor marked it or it was closed meanwhile.
 */
export async function claimBreach(db: Db, ticketId: number, now: number): Promise<TicketRow | undefined> {
  return db
    .updateTable('tickets')
    .set({ sla_breached_at: now })
    .where('id', '=', ticketId)
    .where('status', '=', 'open')
    .where('sla_breached_at', 'is', null)
    .where('sla_due_at', '<', now)
    .returningAll()
    .executeTakeFirst();
}

/** The earliest deadline still to watch, or null when no open ticket waits to breach. */
export async function nextSlaDeadline(db: Db, dialect: Dialect): Promise<number | null> {
  const row = (await nextDeadlineQuery(dialect).execute(db)).rows[0];
  return row?.due == null ? null : Number(row.due);
}

/** The distinct email addresses of the active admins that have one. */
export async function activeAdminEmails(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('users').select('email').where('role', '=', 'admin').where('active', '=', 1).where('email', '<>', '').orderBy('id').execute();
  const seen = new Set<string>();
  const emails: string[] = [];
  for (const { email } of rows) {
    const key = email.trim().toLowerCase();
    if (key && !seen.has(key)) {
      seen.add(key);
      emails.push(email.trim());
    }
  }
  return emails;
}
