/**
 * When a whole transaction is run again after it failed (db/transaction.ts). Pure: it reads the
 * `code` pg and better-sqlite3 put on their errors, and imports neither.
 *
 * Only a failure that proves the database rolled the transaction back, and that says nothing about
 * what it wrote, is retried: PostgreSQL's deadlock (40P01) and serialization failure (40001), and
 * SQLite's stale snapshot (SQLITE_BUSY_SNAPSHOT, its serialization failure). Nothing else is, in
 * particular not a lost connection: if it was lost while COMMIT's answer was on its way, the
 * transaction may have committed, and running it again would write it twice. Nor a plain
 * SQLITE_BUSY: it comes after the lock wait of db/sqliteWaits.ts, itself a retry of up to 10 s, and
 * another one would only make the request hang longer behind a writer that does not let go.
 */

/** SQLSTATEs / codes after which the database has rolled the whole transaction back, with nothing kept. */
const ROLLED_BACK_CODES = new Set(['40P01', '40001', 'SQLITE_BUSY_SNAPSHOT']);

/** How many times a transaction runs at most (the first try included). */
export const TRANSACTION_ATTEMPTS = 3;

/** The wait before a retry grows with each one: up to this many ms times the retry's number, at random. */
const RETRY_WAIT_MS = 20;

/**
 * Whether a transaction that failed with `error` on its `attempt`-th try (1-based) is run again. A
 * domain error of our own carries no such code, so it is never retried.
 */
export function retriesTransaction(error: unknown, attempt: number, attempts: number = TRANSACTION_ATTEMPTS): boolean {
  if (attempt >= attempts) return false;
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  return typeof error.code === 'string' && ROLLED_BACK_CODES.has(error.code);
}

/**
 * The wait before retry number `attempt` (the try that failed, 1-based), `random` in [0, 1): a
 * jittered, growing wait, so that the two sides of a deadlock do not meet again at once.
 */
export function transactionRetryWaitMs(attempt: number, random: number): number {
  return Math.floor(random * RETRY_WAIT_MS * Math.max(attempt, 1)) + 1;
}
