/**
 * Races made deterministic: a database handle whose next transaction first runs something else to
 * its end (a deactivation, a new password), as if it had committed while the caller was hashing a
 * password outside the lock.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
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

/** Runs `between` to its end once, right after the first statement `which` accepts has answered (inside its transaction, if any). */
class AfterStatement implements KyselyPlugin {
  private readonly watched = new WeakSet<QueryId>();

  constructor(
    private readonly which: (node: RootOperationNode) => boolean,
    private between: (() => Promise<unknown>) | null,
  ) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.between && this.which(args.node)) this.watched.add(args.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const between = this.between;
    if (between && this.watched.has(args.queryId)) {
      this.between = null;
      await between();
    }
    return args.result;
  }
}

/**
 * A handle on which `between` runs to its end (on other connections: PostgreSQL) right after the
 * first statement `which` accepts has answered, before the caller goes on: as if it had committed
 * just then, inside the caller's transaction. On SQLite the one connection is the caller's, so
 * `between` must not use the database there.
 */
export function handleAfterStatement(handle: DbHandle, which: (node: RootOperationNode) => boolean, between: () => Promise<unknown>): DbHandle {
  return { ...handle, db: handle.db.withPlugin(new AfterStatement(which, between)) };
}

/** The races' stage: a fresh database with an admin `root` and an agent `dana`, and a services' context on it (real time). */
export async function raceStage(dialect: Dialect): Promise<{ database: TestDatabase; ctx: ServiceContext; adminId: number; agentId: number }> {
  const database = await freshDatabase(dialect);
  const ctx: ServiceContext = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
  return { database, ctx, adminId: await addStaff(ctx, 'root', { role: 'admin' }), agentId: await addStaff(ctx, 'dana') };
}
