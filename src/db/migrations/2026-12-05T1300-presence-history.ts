// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Presence history (SPEC §14's backtest): one row per change of an agent's presence (login,
 * logout, away, session expiry, auto-away, deactivation), so a past window can be replayed with
 * the staffing that was really on duty. Before an agent's first row it counts as offline. The
 * index serves "changes in [from, to)" and, per agent, "the last change before from".
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('presence_history')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('presence', 'varchar(10)', (c) => c.notNull())
    .execute();
  await sql`create index presence_history_user_at on presence_history (user_id, at)`.execute(db);
  await sql`create index presence_history_at on presence_history (at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists presence_history`.execute(db);
}
