// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Team history (SPEC §14's backtest with §12's teams): one row per admin change of the teams, the
 * memberships or the agents' skills, holding the routing world as it was *before* that change
 * (from the previous change up to `at`). The world at an instant is then the first row after it,
 * or today's when no change came since, so a past window is replayed with the teams it had. An
 * agent created meanwhile joins Support by trigger; the next change's row holds it. Before this
 * migration nothing was recorded: a window before the first row replays with that row's world.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('team_history')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('world', 'text', (c) => c.notNull())
    .execute();
  await sql`create index team_history_at on team_history (at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists team_history`.execute(db);
}
