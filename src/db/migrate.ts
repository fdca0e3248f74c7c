import { type MigrationProvider, Migrator, PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import { migrationsUnknownHere, newerSchemaMessage } from '../core/schemaVersion.js';
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
  const { rows } = await sql<{ schema: string | null; path: string }>`select current_schema() as schema, current_setting('search_path') as path`.execute(db);
  const schema = rows[0]?.schema;
  // None of the search path exists: `?schema=` names a schema this database does not have (every
  // statement would fail with "no schema has been selected to create in").
  if (!schema) {
    const named = rows[0]?.path ?? '';
    throw new Error(`DATABASE_URL names the schema ${named}, which this database does not have: create it first (CREATE SCHEMA ${named};) or correct ?schema=`);
  }
  return { migrationTableSchema: schema };
}

/**
 * Brings the schema up to date; safe when several processes start at once.
 * - PostgreSQL: Kysely takes an advisory lock, and runs the migrations in one transaction.
 * - SQLite: Kysely takes no lock there and runs each migration on its own, so two processes
 *   starting together on a new file could both find the migrations to do, and the loser fail
 *   half-way ("table … already exists"). So the whole run is one `BEGIN IMMEDIATE` transaction
 *   (SQLite's DDL is transactional): it takes the file's write lock before reading what is done,
 *   waits for another process's run (busy timeout), then finds the work done, and a run that
 *   fails leaves nothing behind. If the other run outlasts the busy timeout, it tries again.
 * A migration that really fails fails every time, and its error is thrown after the last try.
 */
export async function migrateToLatest(db: Db): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const tries = sqlite ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await (sqlite ? migrateSqliteOnce(db) : migrateOnce(db));
    } catch (error) {
      if (attempt >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 100)));
    }
  }
}

async function migrateSqliteOnce(db: Db): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      await migrateOnce(connection);
      await sql`commit`.execute(connection);
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

async function migrateOnce(db: Db): Promise<void> {
  const schema = await migrationTableSchema(db);
  const migrator = new Migrator({ db, provider, ...schema });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    // A database a newer release migrated: say so, rather than Kysely's "corrupted migrations".
    const unknown = migrationsUnknownHere(await executedMigrations(db, schema.migrationTableSchema), Object.keys(migrations));
    if (unknown.length > 0) throw new Error(newerSchemaMessage(unknown));
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}

/**
 * The names in Kysely's bookkeeping table. None when it cannot be read (not there yet): the caller
 * then throws Kysely's own error, which is what went wrong.
 */
async function executedMigrations(db: Db, schema: string | undefined): Promise<string[]> {
  const table = schema ? sql`${sql.id(schema)}.kysely_migration` : sql`kysely_migration`;
  const rows = await sql<{ name: string }>`select name from ${table}`.execute(db).then(
    (r) => r.rows,
    () => [],
  );
  return rows.map((r) => r.name);
}
