import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

/**
 * I5, "a 303 means durable": a commit the server answers for must survive power loss or an OS
 * crash, not only a killed process. These read the settings on the very handle connect() returns
 * (the one the server writes through).
 */
for (const dialect of DIALECTS) {
  describe(`durable commits (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    if (dialect === 'sqlite') {
      it('runs WAL with synchronous = FULL (NORMAL loses the last commits on power loss)', async () => {
        const { db } = database.handle;
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
        expect(mode.rows[0]!.journal_mode).toBe('wal');
        // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. FULL syncs the WAL at every commit.
        const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
        expect(sync.rows[0]!.synchronous).toBe(2);
      });
    } else {
      it('commits wait for the WAL flush (synchronous_commit on, fsync on: the server defaults we rely on)', async () => {
        const { db } = database.handle;
        const commit = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db);
        expect(commit.rows[0]!.synchronous_commit).toBe('on');
        const fsync = await sql<{ fsync: string }>`show fsync`.execute(db);
        expect(fsync.rows[0]!.fsync).toBe('on');
      });
    }
  });
}
