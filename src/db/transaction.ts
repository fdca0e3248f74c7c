import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery, PostgresAdapter, sql } from 'kysely';
import { retriesTransaction, transactionRetryWaitMs } from '../core/transactionRetry.js';
import { type Db, type DbHandle, sessionStatement } from './connect.js';

/** Any advisory-lock class id of ours; the object id is the schema, so each schema is one domain. */
const ROUTING_LOCK_CLASS = 4_242;

/**
 * Runs `work` in one transaction that holds the routing lock, so routing decisions are serialised
 * (SPEC §3, the I3 race): on PostgreSQL a transaction-scoped advisory lock per schema, on SQLite
 * `BEGIN IMMEDIATE`, which takes the database's write lock at once and so also serialises
 * several processes sharing one file. Rolls back if `work` throws.
 *
 * `opening`, when given, is run first once the lock is held, and its rows are handed to `work`. On
 * PostgreSQL it goes in the same round trip as BEGIN and the lock (a query without parameters may
 * hold several statements, each reading after the one before: the lock is taken before it reads),
 * so it must have no parameters. There it is also a statement prepared once per connection
 * (sessionStatement): planning the routing state's query took about 1 ms a transaction, inside
 * the lock, where it ran in 0.2 ms. Its rows come back through JSON (one `json` column, so a
 * migration can never change the prepared statement's result type): numbers, strings, booleans,
 * arrays and JSON texts as they are, nothing that JSON cannot say (dates, bytes).
 *
 * A transaction the database rolled back for a deadlock or a serialization failure is run again as
 * a whole (see retried), so `work` must keep nothing of a failed try outside the transaction.
 */
export function inRoutingTransaction<T, R = never>(handle: DbHandle, work: (trx: Db, opened: R[]) => Promise<T>, opening?: CompiledQuery<R>): Promise<T> {
  return retried(() => routingTransactionOnce(handle, work, opening));
}

/**
 * Runs `once` (a whole transaction: BEGIN to COMMIT) again while it fails with an error that proves
 * the database rolled it back with nothing kept (core/transactionRetry.ts: a deadlock, a
 * serialization failure), after a short random wait, at most TRANSACTION_ATTEMPTS tries in all.
 * Every other error, a lost connection included (COMMIT may have gone through), reaches the caller.
 * Rows a try queued (outbox emails, webhook events, audit entries) are in its transaction, so a
 * rolled-back try leaves none of them behind.
 */
async function retried<T>(once: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (error) {
      if (!retriesTransaction(error, attempt)) throw error;
      await sleep(transactionRetryWaitMs(attempt, Math.random()));
    }
  }
}

async function routingTransactionOnce<T, R>(handle: DbHandle, work: (trx: Db, opened: R[]) => Promise<T>, opening?: CompiledQuery<R>): Promise<T> {
  // On PostgreSQL, BEGIN, the lock and the opening query go in one round trip: the lock is held
  // until the commit, so every round trip saved inside it is time the next routing transaction no
  // longer waits. connect.ts answers a query of several statements with its last one's rows.
  const pg = handle.dialect === 'postgres';
  if (pg && opening && opening.parameters.length > 0) throw new Error('the opening query of a routing transaction must have no parameters on PostgreSQL');
  const begin = pg
    ? CompiledQuery.raw(`begin; select pg_advisory_xact_lock(${ROUTING_LOCK_CLASS}, hashtext(current_schema()))${opening ? `; ${preparedOpening(opening)}` : ''}`)
    : CompiledQuery.raw('begin immediate');
  return handle.db.connection().execute(async (conn) => {
    // On PostgreSQL the round trip that fails is usually BEGIN's own (the lock wait cancelled by
    // lock_timeout, statement_timeout or pg_cancel_backend), and BEGIN has run: the pooled
    // connection holds an aborted transaction until a ROLLBACK, which outside a transaction is only
    // a warning. SQLite's BEGIN IMMEDIATE fails as a whole (SQLITE_BUSY): no transaction is open,
    // and a ROLLBACK would fail.
    let open = pg;
    try {
      const begun = await conn.executeQuery<R>(begin as CompiledQuery<R>);
      open = true;
      const opened = !opening ? [] : pg ? (begun.rows as unknown as { opened: R }[]).map((r) => r.opened) : (await conn.executeQuery(opening)).rows;
      const result = await work(conn, opened);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      if (open) await rollbackAfter(conn, error);
      throw error;
    }
  });
}

/** The `execute` of the opening query prepared with one `json` column, its row. */
function preparedOpening(opening: CompiledQuery): string {
  return sessionStatement(`select row_to_json(o) as opened from (${opening.sql}) o`);
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

/**
 * A plain transaction (no routing lock) for writes that must land together; run again as a whole
 * after a deadlock or serialization failure, like inRoutingTransaction.
 */
export function inTransaction<T>(handle: DbHandle, work: (trx: Db) => Promise<T>): Promise<T> {
  if (handle.dialect === 'postgres') return retried(() => handle.db.transaction().execute(work));
  return inRoutingTransaction(handle, work);
}

/**
 * Runs `work` in one read transaction (REPEATABLE READ on PostgreSQL, a read snapshot on SQLite),
 * so that everything it reads agrees, with PostgreSQL's JIT compilation off; inside a transaction
 * already, in the caller's.
 */
export async function inReadSnapshot<T>(db: Db, work: (t: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (!postgres) return db.transaction().execute(work);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (t) => {
      // PostgreSQL's estimates of the small aggregates read this way pass its JIT threshold: 0.3 s
      // compiling the dashboard's plan (thousands of open tickets per agent, where there are a
      // handful), 12 ms the webhooks' figures' (a thousand events per commit, where there are a few),
      // for plans that run in 1–2 ms.
      await sql`set local jit = off`.execute(t);
      return work(t);
    });
}
