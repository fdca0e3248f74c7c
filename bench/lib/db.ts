/**
 * Scratch databases for benchmarks: a SQLite file in a temporary folder, or a PostgreSQL database
 * of its own (created here, dropped after). Never the developer's data/ database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect, type DbHandle, type Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** The PostgreSQL server (its maintenance database); BENCH_PG_URL, else TEST_PG_URL, else local trust. */
export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  dialect: Dialect;
  /** DATABASE_URL of this database, for a server process. */
  url: string;
  /** An open handle (the seeder's, the bench's own queries). */
  handle: DbHandle;
  /** Closes the handle and removes the file or the database. */
  drop(): Promise<void>;
}

const live = new Set<BenchDatabase>();
let hooked = false;

/**
 * Runs a benchmark's `main`: an error is printed and fails the process; the scratch databases still
 * open are dropped whatever happened.
 */
export function runBench(main: () => Promise<void>): Promise<void> {
  return main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => dropAll());
}

/** Drops every scratch database still open (Ctrl-C in the middle of a run leaves nothing behind). */
export async function dropAll(): Promise<void> {
  for (const database of [...live]) await database.drop().catch((error: unknown) => console.error('drop failed:', error));
}

function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: dropping the scratch databases`);
      void dropAll().finally(() => process.exit(130));
    });
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A bench database that, when dropped, closes its handle, forgets itself and removes its storage. */
function opened(dialect: Dialect, url: string, handle: DbHandle, remove: () => Promise<unknown>): BenchDatabase {
  const database: BenchDatabase = {
    dialect,
    url,
    handle,
    drop: async () => {
      live.delete(database);
      await handle.destroy();
      await remove();
    },
  };
  return database;
}

/** A new, migrated, empty database. */
export async function createBenchDatabase(dialect: Dialect, label = 'bench'): Promise<BenchDatabase> {
  hookSignals();
  let database: BenchDatabase;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `helpdesk-${label}-`));
    const url = `sqlite:${join(dir, 'helpdesk.sqlite')}`;
    database = opened(dialect, url, connect(url), async () => rmSync(dir, { recursive: true, force: true }));
  } else {
    const name = `helpdesk_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${name}`);
    const parsed = new URL(BENCH_PG_URL);
    parsed.pathname = `/${name}`;
    const url = parsed.toString();
    database = opened(dialect, url, connect(url, { poolSize: 4 }), () => adminQuery(`drop database if exists ${name} with (force)`));
  }
  live.add(database);
  await migrateToLatest(database.handle.db);
  return database;
}

/** Size of the database on disk, in MB (the SQLite file with its WAL, or pg_database_size). */
export async function databaseSizeMb(database: BenchDatabase): Promise<number> {
  if (database.dialect === 'postgres') {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ size: string }>('select pg_database_size(current_database()) as size');
      return Number(rows[0]!.size) / 1e6;
    } finally {
      await client.end();
    }
  }
  const { statSync, existsSync } = await import('node:fs');
  const file = database.url.slice('sqlite:'.length);
  return [file, `${file}-wal`].filter((f) => existsSync(f)).reduce((sum, f) => sum + statSync(f).size, 0) / 1e6;
}
