/** For the tests of one migration: a Migrator over every migration, its bookkeeping where src/db/migrate.ts keeps it. */
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import type { Db } from '../../src/db/connect.js';
import { migrations } from '../../src/db/migrations/index.js';

export async function migrator(db: Db, dialect: string): Promise<Migrator> {
  // The bookkeeping tables in the connection's own schema, as src/db/migrate.ts does.
  const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined;
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/** Migrates up or down to `name`, failing the test on an error. */
export async function migrateTo(m: Migrator, name: string): Promise<void> {
  const { error } = await m.migrateTo(name);
  expect(error).toBeUndefined();
}

/**
 * The tests of migration `name` on each engine, each on a fresh database of its own (dropped after):
 * `body` registers them, given the database's query builder and the engine.
 */
export function describeMigration(name: string, body: (db: () => Db, dialect: Dialect, handle: () => TestDatabase['handle']) => void): void {
  for (const dialect of DIALECTS) {
    describe(`migration ${name} (${dialect})`, () => {
      let database: TestDatabase;
      beforeAll(async () => {
        database = await freshDatabase(dialect);
      });
      afterAll(() => database.drop());
      body(() => database.handle.db, dialect, () => database.handle);
    });
  }
}
