/** The plan of a query as the engine would run it, for tests that a list stays an index walk. */
import { type CompiledQuery, CompiledQuery as Raw, sql } from 'kysely';
import type { Db, Dialect } from '../../src/db/connect.js';

/**
 * `compiled`'s plan as JSON text: SQLite's `explain query plan`, PostgreSQL's `explain` with
 * sequential scans off (a test table of a few rows would otherwise be scanned whatever the indexes).
 */
export async function planText(db: Db, dialect: Dialect, compiled: CompiledQuery): Promise<string> {
  const plan = await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
    return trx.executeQuery(Raw.raw((dialect === 'sqlite' ? 'explain query plan ' : 'explain ') + compiled.sql, [...compiled.parameters]));
  });
  return JSON.stringify(plan.rows);
}
