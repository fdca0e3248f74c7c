import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { DIALECTS, freshDatabase, TEST_PG_URL } from '../support/db.js';

describe('migrations on a shared PostgreSQL database', () => {
  it('do not trip over other schemas being dropped meanwhile (tests drop theirs while others migrate)', async () => {
    const churn = new pg.Client({ connectionString: TEST_PG_URL });
    await churn.connect();
    let stop = false;
    // Another "test file": a schema with a serial-keyed table, created and dropped over and over.
    const churning = (async () => {
      for (let i = 0; !stop && i < 400; i++) {
        const name = `churn_${process.pid}_${i}`;
        await churn.query(`create schema ${name}; create table ${name}.t (id serial primary key, a int, b int, c int)`);
        await churn.query(`drop schema ${name} cascade`);
      }
    })();
    try {
      for (let round = 0; round < 8; round++) {
        const database = await freshDatabase('postgres', { poolSize: 2 });
        const tables = await database.handle.db.selectFrom('tickets').select('id').limit(1).execute();
        expect(tables).toEqual([]);
        await database.drop();
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`migrations on a database a newer version migrated (${dialect})`, () => {
    it('stop with a message saying so and naming the migration, never that the migrations are corrupted', async () => {
      const database = await freshDatabase(dialect, { poolSize: 2 });
      try {
        const db = database.handle.db;
        await sql`insert into kysely_migration (name, timestamp) values ('2099-01-01T0900-from-the-future', '2099-01-01T09:00:00.000Z')`.execute(db);
        const failure = await migrateToLatest(db).then(() => null, (error: unknown) => (error as Error).message);
        expect(failure).toBe(
          'the database was migrated by a newer version of Helpdesk (migration 2099-01-01T0900-from-the-future, unknown to this one): ' +
            'run that version or a newer one on it. Migrations only move forward; to go back to this version, restore a backup taken before the upgrade',
        );
      } finally {
        await database.drop();
      }
    });
  });
}
