/**
 * Kysely's SQLite dialect, waiting for the write lock without blocking the event loop.
 *
 * better-sqlite3 is synchronous: with a busy timeout, a statement that finds the write lock held by
 * another connection (the delivery thread, `npm run worker`, `npm run search:reindex` on the same
 * file) sleeps inside SQLite's busy handler, and the whole process with it: no request, not even
 * `/healthz`, was answered until the other writer let go (up to the 10 s timeout). Here a statement
 * run outside a transaction (an autocommit write, or the BEGIN IMMEDIATE that opens one) meets a
 * held lock at once (busy timeout 0), and is tried again after a pause (core/lockWait.ts) on the
 * event loop, for up to `maxWaitMs`; then it fails with SQLITE_BUSY as before. Nothing of it ran,
 * so trying again is safe. Statements inside a transaction keep SQLite's own waiting (busy timeout
 * `maxWaitMs`): a deferred transaction's first write (the search reindex, migrations) cannot be
 * retried alone, and a transaction opened IMMEDIATE already holds the lock.
 */
import type SqliteDatabase from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, SqliteDialect, type SqliteDialectConfig, type TransactionSettings } from 'kysely';
import { isLockBusy, lockRetryDelayMs } from '../core/lockWait.js';

/**
 * The connection's busy timeout, switched between 0 (outside a transaction) and the wait (inside).
 * A PRAGMA takes effect when it is prepared, so it is prepared each time (about 10 µs, twice per
 * transaction), never kept.
 */
class BusyTimeout {
  private waitingInside = false;

  constructor(
    private readonly database: SqliteDatabase.Database,
    readonly maxWaitMs: number,
  ) {
    database.pragma('busy_timeout = 0');
  }

  /** Sets the timeout for the statement about to run; whether it runs inside a transaction. */
  beforeStatement(): boolean {
    const inside = this.database.inTransaction;
    if (inside !== this.waitingInside) {
      this.database.pragma(`busy_timeout = ${inside ? Math.trunc(this.maxWaitMs) : 0}`);
      this.waitingInside = inside;
    }
    return inside;
  }
}

class WaitingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly timeout: BusyTimeout,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const inside = this.timeout.beforeStatement();
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (error) {
        if (inside || !isLockBusy((error as { code?: unknown }).code) || Date.now() - started >= this.timeout.maxWaitMs) throw error;
      }
      const pause = lockRetryDelayMs(attempt);
      await (pause === 0 ? new Promise((next) => setImmediate(next)) : sleep(pause));
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/** Hands out the driver's one connection wrapped; everything else is the driver's own. */
class WaitingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly timeout: BusyTimeout,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new WaitingConnection(await this.inner.acquireConnection(), this.timeout);
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  savepoint(...args: Parameters<NonNullable<Driver['savepoint']>>): Promise<void> {
    return this.inner.savepoint!(...args);
  }
  rollbackToSavepoint(...args: Parameters<NonNullable<Driver['rollbackToSavepoint']>>): Promise<void> {
    return this.inner.rollbackToSavepoint!(...args);
  }
  releaseSavepoint(...args: Parameters<NonNullable<Driver['releaseSavepoint']>>): Promise<void> {
    return this.inner.releaseSavepoint!(...args);
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as WaitingConnection).inner);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** SqliteDialect on `connection` (the better-sqlite3 database `config.database` wraps), waiting for the write lock up to `maxWaitMs` without blocking. */
export class WaitingSqliteDialect extends SqliteDialect {
  private readonly timeout: BusyTimeout;

  constructor(config: SqliteDialectConfig, connection: SqliteDatabase.Database, maxWaitMs: number) {
    super(config);
    this.timeout = new BusyTimeout(connection, maxWaitMs);
  }

  override createDriver(): Driver {
    return new WaitingDriver(super.createDriver(), this.timeout);
  }
}
