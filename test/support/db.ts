/**
 * Fresh real databases for tests: a new SQLite file, or a new PostgreSQL schema (so test files run
 * in parallel without sharing rows or the routing lock). PostgreSQL must be reachable: a missing
 * server fails the suite, it never skips it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect, type DbHandle, type Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** The PostgreSQL server tests use; CI starts it (see .ci/run). */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  handle: DbHandle;
  /** A DATABASE_URL that reaches the same database (for a second process or pool). */
  url: string;
  /** Closes the handle and removes the file or schema. */
  drop(): Promise<void>;
}

export async function freshDatabase(dialect: Dialect, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-test-'));
    const url = `sqlite:${join(dir, 'helpdesk.sqlite')}`;
    const handle = connect(url);
    await migrateToLatest(handle.db);
    return {
      handle,
      url,
      drop: async () => {
        await handle.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const handle = connect(url, { poolSize: options.poolSize ?? 10 });
  await migrateToLatest(handle.db);
  return {
    handle,
    url,
    drop: async () => {
      await handle.destroy();
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`drop schema ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
