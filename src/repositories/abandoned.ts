/**
 * The two outboxes (emails, webhook deliveries) claim their rows with a lease and count each try
 * when it is claimed. A row still `sending` after its lease, on its last try, had a worker that
 * stopped: whether it went out is unknown, and it fails. Each claim gives such rows up first.
 */
import { type RawBuilder, sql, type SqlBool } from 'kysely';
import type { Db } from '../db/connect.js';

/**
 * The rows of `table` given up (built, not run). Read in the table's partial index of rows being
 * sent (`status` as a literal, so SQLite uses it): a few entries, whatever was sent before.
 */
export function giveUpAbandoned(db: Db, table: 'outbox' | 'webhook_deliveries', now: number, maxAttempts: number) {
  return db
    .updateTable(table)
    .set({ status: 'failed', last_error: sql<string>`coalesce(last_error || ' / ', '') || 'the worker stopped during the last try; delivery unknown'` })
    .where(sql<SqlBool>`status = 'sending'`)
    .where('next_attempt_at', '<=', now)
    .where('attempts', '>=', maxAttempts);
}

/**
 * A row still to be tried, in either outbox: pending, or being sent (`column` its status). The
 * statuses are literals: the partial indexes of tries to make (`outbox_due`,
 * `webhook_deliveries_due_by_endpoint`) hold exactly these rows, and SQLite reads a partial index
 * only when the query's own text proves that every row it wants is in it, which a parameter never
 * does (a claim or a count would read the whole table instead).
 */
export function toBeTried(column: 'status' | 'd.status' = 'status'): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} in ('pending', 'sending')`;
}
