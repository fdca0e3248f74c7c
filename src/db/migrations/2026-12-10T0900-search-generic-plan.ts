// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The search index's refresh keeps one plan per connection (PostgreSQL; SQLite: nothing to do).
 * Since 2026-12-07T0900 `ticket_search_refresh_many` is PL/pgSQL so that its statement's plan is
 * kept, but PostgreSQL chose a custom plan for each call's array of tickets: `pg_stat_statements`
 * counted as many plans as calls, 0.57 ms each, against 0.5–1 ms to run, once or twice per intake
 * transaction, inside the routing lock. The plan for any array is the same (each ticket through
 * `tickets_pkey`, its messages, files and mails through their indexes by ticket:
 * test/db/search-intake-migration.test.ts checks it), so the generic plan is the one kept.
 * PostgreSQL still plans it again when a table it reads changes or is analysed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter function ticket_search_refresh_many(integer[]) set plan_cache_mode = force_generic_plan`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter function ticket_search_refresh_many(integer[]) reset plan_cache_mode`.execute(db);
}
