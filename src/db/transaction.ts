import { sql } from 'kysely';
import type { Db, DbHandle } from './connect.js';

/** Any advisory-lock class id of ours; the object id is the schema, so each schema is one domain. */
const ROUTING_LOCK_CLASS = 4_242;

/**
 * Runs `work` in one transaction that holds the routing lock, so routing decisions are serialised
 * (SPEC §3, the I3 race): on PostgreSQL a transaction-scoped advisory lock per schema, on SQLite
 * `BEGIN IMMEDIATE`, which takes the database's write lock at once and so also serialises
 * several processes sharing one file. Rolls back if `work` throws.
 */
export async function inRoutingTransaction<T>(handle: DbHandle, work: (trx: Db) => Promise<T>): Promise<T> {
  // On PostgreSQL, BEGIN and the lock go in one round trip (a query without parameters may hold
  // several statements): the lock is held until the commit, so every round trip saved inside it
  // is time the next routing transaction no longer waits.
  const begin =
    handle.dialect === 'postgres'
      ? sql.raw(`begin; select pg_advisory_xact_lock(${ROUTING_LOCK_CLASS}, hashtext(current_schema()))`)
      : sql.raw('begin immediate');
  return handle.db.connection().execute(async (conn) => {
    await begin.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

/** A plain transaction (no routing lock) for writes that must land together. */
export async function inTransaction<T>(handle: DbHandle, work: (trx: Db) => Promise<T>): Promise<T> {
  if (handle.dialect === 'postgres') return handle.db.transaction().execute(work);
  return inRoutingTransaction(handle, work);
}
