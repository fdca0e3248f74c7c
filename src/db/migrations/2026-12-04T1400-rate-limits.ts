// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Rate-limit counts shared by every server process on the database (issue 20 item 1,
 * RATE_LIMIT_STORE=database): one row per limit and key (`login-address:10.0.0.1`), counting hits
 * in a fixed window that ends at `reset_at` (epoch ms). Counts are worth nothing after a crash, so
 * on PostgreSQL the table is UNLOGGED: no write-ahead log per login or ticket, emptied by a crash.
 * The index serves the sweep of ended windows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql`create ${sql.raw(pg ? 'unlogged ' : '')}table rate_limit_counts (
    key text primary key,
    count integer not null,
    reset_at bigint not null
  )`.execute(db);
  await sql`create index rate_limit_counts_reset on rate_limit_counts (reset_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists rate_limit_counts`.execute(db);
}
