import { type MigrationProvider, Migrator, PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import type { Db } from './connect.js';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * On PostgreSQL, the schema the migration bookkeeping tables live in: the connection's own. Kysely
 * otherwise looks for them in every schema, so a second schema of the same database (tests use one
 * per file, all migrating at once) made it skip creating them here and then fail.
 */
async function migrationTableSchema(db: Db): Promise<{ migrationTableSchema?: string }> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return {};
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0] ? { migrationTableSchema: rows[0].schema } : {};
}

/**
 * Brings the schema up to date; safe when several processes start at once. PostgreSQL: Kysely
 * takes an advisory lock. SQLite: Kysely's lock is per connection, so two processes starting
 * together on a new file can both find the migrations to do and both start them; the migrations
 * run in one transaction, so the loser's attempt rolls back whole ("table … already exists" or
 * "database is locked"), and trying again finds the work done. A migration that really fails fails
 * every time, and its error is thrown after the last try.
 */
export async function migrateToLatest(db: Db): Promise<void> {
  const tries = db.getExecutor().adapter instanceof SqliteAdapter ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db);
    } catch (error) {
      if (attempt >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 100)));
    }
  }
}

async function migrateOnce(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(await migrationTableSchema(db)) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}
