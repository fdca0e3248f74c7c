/**
 * Waiting for SQLite's write lock without blocking (db/sqliteWaits.ts): when another connection
 * (the delivery thread, `npm run worker`, a command run on the same file) holds the lock, a
 * statement that needs it is tried again after a pause, and the event loop serves other requests
 * meanwhile. SQLite's own busy handler would sleep inside the call, freezing the whole process.
 */

/** Pauses before the next try: the first at once (the next turn of the event loop), then growing to 20 ms. */
const DELAYS_MS = [0, 1, 1, 2, 2, 5, 5, 10, 10, 20] as const;

/** How long to pause before try `attempt + 1` (0-based: after the first try failed, `attempt` is 0). */
export function lockRetryDelayMs(attempt: number): number {
  return DELAYS_MS[Math.min(Math.max(attempt, 0), DELAYS_MS.length - 1)]!;
}

/**
 * Whether a statement that failed with `code` found the write lock taken and may simply be tried
 * again: SQLITE_BUSY and its extended codes, except BUSY_SNAPSHOT (a transaction's snapshot is
 * stale: only a new transaction helps).
 */
export function isLockBusy(code: unknown): boolean {
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY') && code !== 'SQLITE_BUSY_SNAPSHOT';
}
