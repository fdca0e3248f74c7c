/**
 * A routing transaction whose lock wait fails must leave its pooled connection usable: on
 * PostgreSQL the lock is taken in the round trip that opens the transaction, so a lock_timeout,
 * statement_timeout, pg_cancel_backend or a dropped connection there used to leave the connection
 * inside an aborted transaction, back in the pool, failing every later query. On a pool of ONE
 * connection the next query and the next routing transaction must work. SQLite's equivalent is
 * BEGIN IMMEDIATE failing with SQLITE_BUSY while another connection holds the write lock.
 */
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db, type DbHandle } from '../../src/db/connect.js';
import { inRoutingTransaction } from '../../src/db/transaction.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { eventually, lockWaiters, signalBackends, uniqueAppName, withAppName } from './backends.js';

/** A routing transaction that answers, on the connection it ran on. */
function routedSelect(handle: DbHandle): Promise<number> {
  return inRoutingTransaction(handle, async (trx) => (await sql<{ one: number }>`select 1 as one`.execute(trx)).rows[0]!.one);
}

async function plainSelect(db: Db): Promise<number> {
  return (await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]!.one;
}

/** Holds the routing lock (through a routing transaction on `handle`) until `release()`. */
async function holdRoutingLock(handle: DbHandle): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const done = inRoutingTransaction(handle, async () => {
    held();
    await released;
  });
  await holding;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

describe('a failed routing-lock wait on PostgreSQL (pool of one connection)', () => {
  let database: TestDatabase;
  let holderHandle: DbHandle;
  let handle: DbHandle;
  let name: string;
  const lost: unknown[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    holderHandle = connect(database.url, { poolSize: 1 });
  });
  afterAll(async () => {
    await holderHandle.destroy();
    await database.drop();
  });
  afterEach(async () => {
    await handle.destroy();
  });

  /** A fresh pool of one named connection, `settings` applied to that connection. */
  async function poolOfOne(settings: string[] = []): Promise<DbHandle> {
    name = uniqueAppName('routing-lock');
    lost.length = 0;
    handle = connect(withAppName(database.url, name), { poolSize: 1, onError: (error) => lost.push(error) });
    for (const setting of settings) await sql.raw(setting).execute(handle.db);
    return handle;
  }

  async function backendPid(): Promise<number> {
    return (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db)).rows[0]!.pid;
  }

  /**
   * The waiting routing transaction fails with `expected` (after `interrupt`, if given); then the
   * pool works. Returns the error, and whether the pool still uses the same connection.
   */
  async function failWhileWaiting(expected: RegExp, interrupt?: () => Promise<void>): Promise<{ error: unknown; sameConnection: boolean }> {
    const before = await backendPid();
    const holder = await holdRoutingLock(holderHandle);
    let error: unknown;
    try {
      const waiting = routedSelect(handle).catch((e: unknown) => (error = e));
      // A timeout fires by itself (polling for the waiter could miss its 150 ms); a signal needs it waiting.
      if (interrupt) {
        await eventually(async () => (await lockWaiters(name)) === 1, 'the routing transaction to wait for the lock');
        await interrupt();
      }
      await waiting;
    } finally {
      await holder.release();
    }
    expect(String(error)).toMatch(expected);
    expect(await plainSelect(handle.db)).toBe(1);
    expect(await routedSelect(handle)).toBe(1);
    // The connection is left outside any transaction: a write commits and another connection sees it.
    await sql`create table if not exists lock_probe (id integer)`.execute(handle.db);
    await sql`insert into lock_probe values (1)`.execute(handle.db);
    expect(Number((await sql<{ n: number }>`select count(*) as n from lock_probe`.execute(holderHandle.db)).rows[0]!.n)).toBeGreaterThan(0);
    return { error, sameConnection: (await backendPid()) === before };
  }

  const signal = (action: 'cancel' | 'terminate') => async () => {
    expect(await signalBackends(action, name)).toBe(1);
  };

  // A cancelled wait is rolled back on its own connection, which the pool keeps (no reconnect).

  it('lock_timeout: the next query and the next routing transaction on the same pool succeed', async () => {
    await poolOfOne([`set lock_timeout = '150ms'`]);
    expect(await failWhileWaiting(/lock timeout/)).toMatchObject({ sameConnection: true });
  });

  it('statement_timeout: the next query and the next routing transaction succeed', async () => {
    await poolOfOne([`set statement_timeout = '150ms'`]);
    expect(await failWhileWaiting(/statement timeout/)).toMatchObject({ sameConnection: true });
  });

  it('pg_cancel_backend: the next query and the next routing transaction succeed', async () => {
    await poolOfOne();
    expect(await failWhileWaiting(/cancel/, signal('cancel'))).toMatchObject({ sameConnection: true });
  });

  it('the connection dropped while waiting (its rollback fails too): the pool discards it and opens another', async () => {
    await poolOfOne();
    const { error, sameConnection } = await failWhileWaiting(/terminating connection/, signal('terminate'));
    expect(sameConnection).toBe(false);
    // The caller gets the server's error; the failed ROLLBACK goes with it.
    expect(error).toMatchObject({ code: '57P01', rollbackError: expect.objectContaining({ message: expect.stringMatching(/Connection terminated/) }) });
    expect(lost).toHaveLength(1);
  });

  it('a connection given back to the pool inside an aborted transaction is closed, not handed out again', async () => {
    await poolOfOne();
    // What a ROLLBACK that failed on a live connection would leave behind.
    await handle.db.connection().execute(async (conn) => {
      await expect(sql.raw('begin; select 1 / 0').execute(conn)).rejects.toThrow(/division by zero/);
    });
    expect(await plainSelect(handle.db)).toBe(1);
    expect(await routedSelect(handle)).toBe(1);
  });
});

describe('a failed BEGIN IMMEDIATE on SQLite (SQLITE_BUSY)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('sqlite');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('leaves the connection usable: the next query and the next routing transaction succeed', async () => {
    const { handle } = database;
    // Another process holds the write lock; this connection gives up after 50 ms.
    const other = new SqliteDatabase(database.url.slice('sqlite:'.length));
    await sql`pragma busy_timeout = 50`.execute(handle.db);
    try {
      other.exec('begin immediate');
      const error: unknown = await routedSelect(handle).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SQLITE_BUSY', message: expect.stringMatching(/database is locked/) });
      // No transaction was opened, so none was rolled back (a ROLLBACK would have failed).
      expect(error).not.toHaveProperty('rollbackError');
      other.exec('rollback');
      expect(await plainSelect(handle.db)).toBe(1);
      expect(await routedSelect(handle)).toBe(1);
      // No transaction was left open: a write made now is seen by another connection.
      await sql`create table lock_probe (id integer)`.execute(handle.db);
      expect(other.prepare('select count(*) as n from lock_probe').get()).toEqual({ n: 0 });
    } finally {
      other.close();
      await sql`pragma busy_timeout = 10000`.execute(handle.db);
    }
  });
});
