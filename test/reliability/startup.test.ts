/**
 * Several server processes started at the same moment on an empty database (a deploy of N replicas,
 * or `bench:load`) all come up: the schema is migrated once, and there is one first admin. On
 * SQLite this used to fail now and then ("table users already exists": Kysely's migration lock is
 * per connection there, so two processes could both start creating the tables).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { blankDatabase, sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const PROCESSES = 3;
const ROUNDS = 3;

for (const dialect of DIALECTS) {
  describe(`${PROCESSES} processes starting together on an empty ${dialect} database`, () => {
    it(`all start, migrate once and make one admin (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const database = await blankDatabase(dialect);
        const servers: ServerProcess[] = [];
        try {
          // SQLite: hold the file's write lock while they boot, so that all of them reach their
          // migrations at the same moment (without it the race is rare, and a test of it proves little).
          const hold = dialect === 'sqlite' ? new Database(database.url.slice('sqlite:'.length)) : null;
          hold?.pragma('journal_mode = WAL');
          hold?.exec('begin immediate');
          // Info logs: a server that does not come up shows how far it got (one hung once in a CI run,
          // on PostgreSQL, silently at the default warn level).
          const starting = Array.from({ length: PROCESSES }, () => spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', LOG_LEVEL: 'info' }));
          if (hold) {
            await sleep(3_000);
            hold.exec('commit');
            hold.close();
          }
          const started = await Promise.allSettled(starting);
          for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
          const failures = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason).split('\n').slice(0, 40).join('\n')] : []));
          expect(failures, `round ${round + 1}`).toEqual([]);
          const db = database.open().db;
          const migrations = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
          expect(new Set(migrations.map((m) => (m as { name: string }).name)).size).toBe(migrations.length);
          expect(await db.selectFrom('users').select('username').where('role', '=', 'admin').execute()).toEqual([{ username: 'admin' }]);
          for (const server of servers) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        } finally {
          await Promise.all(servers.map((s) => s.kill('SIGTERM')));
          await database.drop();
        }
      }
    });
  });
}
