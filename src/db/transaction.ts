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
    // On PostgreSQL the round trip that fails is usually BEGIN's own (the lock wait cancelled by
    // lock_timeout, statement_timeout or pg_cancel_backend), and BEGIN has run: the pooled
    // connection holds an aborted transaction until a ROLLBACK, which outside a transaction is only
    // a warning. SQLite's BEGIN IMMEDIATE fails as a whole (SQLITE_BUSY): no transaction is open,
    // and a ROLLBACK would fail.
    let open = handle.dialect === 'postgres';
    try {
      await begin.execute(conn);
      open = true;
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      if (open) await rollbackAfter(conn, error);
      throw error;
    }
  });
}

/**
 * Rolls back after `failure`. If the ROLLBACK fails too, the connection is almost surely gone (the
 * same loss failed the transaction); the pool must not hand it out again, and does not: pg-pool
 * discards a client whose connection ended when it is released, and connect.ts closes one released
 * inside a transaction. The caller gets the first error (a domain error stays what it is), with the
 * rollback's attached as `rollbackError` for the log.
 */
async function rollbackAfter(conn: Db, failure: unknown): Promise<void> {
  try {
    await sql`rollback`.execute(conn);
  } catch (rollbackError) {
    if (failure instanceof Error) Object.assign(failure, { rollbackError });
    else throw rollbackError;
  }
}

/** A plain transaction (no routing lock) for writes that must land together. */
export async function inTransaction<T>(handle: DbHandle, work: (trx: Db) => Promise<T>): Promise<T> {
  if (handle.dialect === 'postgres') return handle.db.transaction().execute(work);
  return inRoutingTransaction(handle, work);
}
