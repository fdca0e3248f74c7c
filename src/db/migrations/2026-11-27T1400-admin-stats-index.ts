// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The dashboard's resolution percentiles (SPEC §6) on SQLite read the k-th smallest
 * closed_at − created_at with ORDER BY … LIMIT 2 OFFSET k. This partial index holds that
 * expression (and created_at, for the time windows) for closed tickets only, so the query walks
 * the index instead of sorting every closed ticket: on a million tickets ~0.1 s instead of ~1 s.
 * PostgreSQL computes them with percentile_cont in one aggregate pass and needs no index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`create index tickets_resolution on tickets ((closed_at - created_at), created_at) where status = 'closed'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`drop index if exists tickets_resolution`.execute(db);
}
