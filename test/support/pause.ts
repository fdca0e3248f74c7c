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

/**
 * A handle whose first query (a service's read before it decides) answers only after `between` ran
 * to its end on the plain handle: as if `between` had committed just after that read. Later queries
 * run as usual. The wait is after the query's connection is given back (SQLite has one).
 */
export function handleAfterFirstRead(handle: DbHandle, between: () => Promise<unknown>): DbHandle {
  let pending: (() => Promise<unknown>) | null = between;
  const finish = async () => {
    const run = pending;
    pending = null;
    if (run) await run();
  };
  const executions = new Set(['execute', 'executeTakeFirst', 'executeTakeFirstOrThrow']);
  // Every builder the handle makes, however chained, runs `finish` after its first execution.
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value, {
      get(target, property) {
        const member: unknown = Reflect.get(target, property);
        if (typeof member !== 'function') return member;
        const method = member as (...args: unknown[]) => unknown;
        if (typeof property === 'string' && executions.has(property)) {
          return async (...args: unknown[]) => {
            const result = await method.apply(target, args);
            await finish();
            return result;
          };
        }
        return (...args: unknown[]) => wrap(method.apply(target, args));
      },
    });
  };
  return { ...handle, db: wrap(handle.db) as Db };
}

/** The races' stage: a fresh database with an admin `root` and an agent `dana`, and a services' context on it (real time). */
export async function raceStage(dialect: Dialect): Promise<{ database: TestDatabase; ctx: ServiceContext; adminId: number; agentId: number }> {
  const database = await freshDatabase(dialect);
  const ctx: ServiceContext = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
  return { database, ctx, adminId: await addStaff(ctx, 'root', { role: 'admin' }), agentId: await addStaff(ctx, 'dana') };
}
