/**
 * Races made deterministic: a database handle whose next transaction first runs something else to
 * its end (a deactivation, a new password), as if it had committed while the caller was hashing a
 * password outside the lock.
 */
import type { Db, DbHandle, Dialect } from '../../src/db/connect.js';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff } from './app.js';
import { freshDatabase, type TestDatabase } from './db.js';

/** A handle whose every transaction (routing ones and plain ones) first waits for `before` (run on the plain handle). */
export function handleWithPause(handle: DbHandle, before: () => Promise<unknown>): DbHandle {
  const db = new Proxy(handle.db, {
    get(target, property) {
      if (property === 'transaction') {
        return () => {
          const builder = target.transaction();
          return new Proxy(builder, {
            get(b, p) {
              if (p === 'execute') return async <T,>(work: (trx: Db) => Promise<T>) => (await before(), b.execute(work));
              const value: unknown = Reflect.get(b, p);
              return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(b) : value;
            },
          });
        };
      }
      if (property === 'connection') {
        return () => {
          const connection = target.connection();
          return { execute: async <T,>(work: (trx: Db) => Promise<T>) => (await before(), connection.execute(work)) };
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...handle, db };
}

/** The races' stage: a fresh database with an admin `root` and an agent `dana`, and a services' context on it (real time). */
export async function raceStage(dialect: Dialect): Promise<{ database: TestDatabase; ctx: ServiceContext; adminId: number; agentId: number }> {
  const database = await freshDatabase(dialect);
  const ctx: ServiceContext = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
  return { database, ctx, adminId: await addStaff(ctx, 'root', { role: 'admin' }), agentId: await addStaff(ctx, 'dana') };
}
