import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase, TEST_PG_URL } from '../support/db.js';

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
