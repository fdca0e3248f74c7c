/**
 * Which failures of a database write say something about the rows written, and which only about the
 * moment. Pure: it reads the `code` and `message` that pg, Node's sockets and better-sqlite3 put on
 * their errors, and imports neither.
 */
import { DomainError } from './errors.js';

/**
 * - `transient`: the write failed because of the connection or the moment (connection lost or
 *   refused, the server shutting down, lock or statement timeout, query cancelled, deadlock,
 *   serialization failure, SQLITE_BUSY/LOCKED, disk I/O). Every row of the batch would have failed
 *   alike; writing them again one by one only repeats it.
 * - `item`: anything else (a constraint, a value out of range, an error in our own code): it may be
 *   specific to one row, so isolating the rows finds the one to blame.
 */
export type WriteErrorKind = 'transient' | 'item';

/** PostgreSQL SQLSTATEs that say nothing about the rows (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '40003', // statement_completion_unknown
  '25P02', // in_failed_sql_transaction: a connection left in an aborted transaction, whatever the rows
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout, pg_cancel_backend)
  '57P01', // admin_shutdown (pg_terminate_backend, a restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: a standby after a failover, or default_transaction_read_only
]);
/** Class 08: connection exception (any code in it). */
const TRANSIENT_SQLSTATE_CLASSES = ['08'];

/** Node socket errors met while talking to the server. */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN']);

/** better-sqlite3 codes (primary, or extended like SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_FSYNC). */
const TRANSIENT_SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_INTERRUPT', 'SQLITE_IOERR', 'SQLITE_FULL'];

/** pg's own errors for a lost connection carry no code, only these messages. */
const TRANSIENT_MESSAGES = [/^Connection terminated/, /connection error and is not queryable/, /timeout exceeded when trying to connect/i, /^Client was closed and is not queryable/];

/** Classifies a failed write (see WriteErrorKind). */
export function classifyWriteError(error: unknown): WriteErrorKind {
  if (typeof error !== 'object' || error === null) return 'item';
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
  if (TRANSIENT_SQLSTATES.has(code) || (code.length === 5 && TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2)))) return 'transient';
  if (TRANSIENT_SOCKET_CODES.has(code)) return 'transient';
  if (TRANSIENT_SQLITE_PREFIXES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`))) return 'transient';
  if (code === '' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return 'transient';
  return 'item';
}

/**
 * Whether a request failed because the database was unavailable for the moment (http/errors.ts
 * answers 503 for it): the error is transient (above), or it wraps only transient ones in `cause`
 * (one error or a list, as the intake batcher gives a write it could not settle), however deep.
 */
export function isDatabaseUnavailable(error: unknown, seen: ReadonlySet<unknown> = new Set()): boolean {
  if (classifyWriteError(error) === 'transient') return true;
  if (!(error instanceof Error) || error.cause === undefined || seen.has(error)) return false;
  const causes = Array.isArray(error.cause) ? error.cause : [error.cause];
  const inner = new Set([...seen, error]);
  return causes.length > 0 && causes.every((cause) => isDatabaseUnavailable(cause, inner));
}

/**
 * What a PostgreSQL connection says when it will not take writes: a statement refused as read-only
 * (SQLSTATE 25006) or the health check's `transaction_read_only` read as `on`. After a failover the
 * connections still open lead to the demoted primary while new ones reach the new one (the address
 * moved), so such a connection is dropped rather than kept (db/pgPool.ts).
 */
export function saysReadOnly(answer: { error: unknown } | { transactionReadOnly: unknown }): boolean {
  if ('transactionReadOnly' in answer) return answer.transactionReadOnly === 'on';
  const { error } = answer;
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '25006';
}

/** A unique index refused the write (either engine): two saves of one name at once. Our own errors are never one. */
export function isUniqueViolation(error: unknown): boolean {
  return !(error instanceof DomainError) && /unique|duplicate/i.test(String(error));
}
