/**
 * SQLite's write lock held by another connection (db/sqliteWaits.ts): a write waits for it without
 * blocking the event loop (timers keep firing, so the other writer, here on the same loop, can let
 * go), then runs; a wait longer than the limit fails with SQLITE_BUSY and writes nothing; inside a
 * transaction SQLite's own wait applies. With SQLite's busy handler on the event loop (before),
 * the first test could not end but by the 10 s timeout: the loop that would release the lock was
 * the one asleep. The server's main connection waits this way (`yieldWhileLocked`); the delivery
 * thread's and the commands' block, as checked last. SQLite only: PostgreSQL's waits are the
 * server's, on a socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { inRoutingTransaction } from '../../src/db/transaction.js';

describe('waiting for the SQLite write lock', () => {
  let dir: string;
  let file: string;
  let handle: DbHandle;
  let other: SqliteDatabase.Database;

  const open = async (lockWaitMs?: number) => {
    handle = connect(`sqlite:${file}`, { yieldWhileLocked: true, ...(lockWaitMs === undefined ? {} : { lockWaitMs }) });
    await sql`create table if not exists notes (text text not null)`.execute(handle.db);
  };
  const notes = async () => (await sql<{ text: string }>`select text from notes order by rowid`.execute(handle.db)).rows.map((r) => r.text);
  /** Counts timer turns until `until` settles: how often the event loop ran meanwhile. */
  const turnsDuring = async (until: Promise<unknown>) => {
    let turns = 0;
    const timer = setInterval(() => turns++, 5);
    try {
      await until;
    } finally {
      clearInterval(timer);
    }
    return turns;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'helpdesk-lock-wait-'));
    file = join(dir, 'desk.sqlite');
    other = new SqliteDatabase(file);
    other.pragma('journal_mode = WAL');
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await handle?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an autocommit write waits without blocking the event loop, then runs', async () => {
    await open();
    other.exec('begin immediate');
    const write = sql`insert into notes (text) values ('after the lock')`.execute(handle.db);
    // The other writer lets go from a timer: only an event loop left running can get there.
    setTimeout(() => other.exec('commit'), 200);
    const turns = await turnsDuring(write);
    expect(turns).toBeGreaterThan(2);
    expect(await notes()).toEqual(['after the lock']);
  });

  it('a routing transaction (BEGIN IMMEDIATE) waits the same way', async () => {
    await open();
    other.exec('begin immediate');
    other.exec(`insert into notes (text) values ('theirs')`);
    const ours = inRoutingTransaction(handle, async (trx) => {
      await sql`insert into notes (text) values ('ours')`.execute(trx);
    });
    setTimeout(() => other.exec('commit'), 200);
    expect(await turnsDuring(ours)).toBeGreaterThan(2);
    expect(await notes()).toEqual(['theirs', 'ours']);
  });

  it('gives up with SQLITE_BUSY after its limit, having written nothing', async () => {
    await open(150);
    other.exec('begin immediate');
    // Still held when the write fails: the lock is let go only after.
    await expect(sql`insert into notes (text) values ('never')`.execute(handle.db)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    other.exec('commit');
    expect(await notes()).toEqual([]);
    // And the connection works on.
    await sql`insert into notes (text) values ('later')`.execute(handle.db);
    expect(await notes()).toEqual(['later']);
  });

  it("inside a transaction SQLite's own wait applies; outside, none (the wait is ours)", async () => {
    await open(7_000);
    const timeout = async (db: typeof handle.db) => (await sql<{ timeout: number }>`pragma busy_timeout`.execute(db)).rows[0]!.timeout;
    expect(await timeout(handle.db)).toBe(0);
    await handle.db.transaction().execute(async (trx) => {
      expect(await timeout(trx)).toBe(7_000);
    });
    expect(await timeout(handle.db)).toBe(0);
  });

  it('a connection opened without yieldWhileLocked waits inside SQLite (the thread stops)', async () => {
    handle = connect(`sqlite:${file}`, { lockWaitMs: 7_000 });
    expect((await sql<{ timeout: number }>`pragma busy_timeout`.execute(handle.db)).rows[0]!.timeout).toBe(7_000);
  });
});
