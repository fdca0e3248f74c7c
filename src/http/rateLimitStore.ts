/**
 * A store for @fastify/rate-limit that counts in the database (RATE_LIMIT_STORE=database, the
 * default on PostgreSQL): every server process on the database shares one count per limit and key,
 * so N processes behind a balancer allow what one allows (issue 20 item 1). The plugin's own
 * in-memory store counts per process (RATE_LIMIT_STORE=memory, the default on SQLite).
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Db } from '../db/connect.js';
import { countHit, readHits, sweepEndedWindows } from '../repositories/rateLimitCounts.js';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];

const SWEEP_EVERY_MS = 60_000;

/**
 * The store class the plugin instantiates. Each limiter (`createRateLimit({ limitName })`) gets a
 * child whose keys carry its name, so one address's logins and tickets are counted apart. Ended
 * windows are swept at most once a minute per process, by whichever hit comes first.
 */
export function databaseLimitStore(db: Db, now: () => number, onSweepError: (error: unknown) => void): FastifyRateLimitStoreCtor {
  let nextSweepAt = 0;
  const sweep = (at: number) => {
    if (at < nextSweepAt) return;
    nextSweepAt = at + SWEEP_EVERY_MS;
    sweepEndedWindows(db, at).catch(onSweepError);
  };
  class DatabaseLimitStore implements FastifyRateLimitStore {
    constructor(
      _params?: unknown,
      private readonly name = '',
    ) {}
    incr(key: string, callback: Callback, timeWindow: number): void {
      const at = now();
      countHit(db, `${this.name}:${key}`, at, timeWindow).then(
        (hit) => {
          sweep(at);
          callback(null, { current: hit.count, ttl: Math.max(0, hit.resetAt - at) });
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    /** The count so far, counting nothing (a limiter called with `{ increment: false }`). */
    read(key: string, callback: Callback): void {
      const at = now();
      readHits(db, `${this.name}:${key}`, at).then(
        (hit) => callback(null, hit === null ? { current: 0, ttl: 0 } : { current: hit.count, ttl: Math.max(0, hit.resetAt - at) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    // The plugin passes the limiter's options merged into route options: ours carry `limitName`.
    child(params: object): FastifyRateLimitStore {
      const { limitName } = params as { limitName?: unknown };
      return new DatabaseLimitStore(undefined, typeof limitName === 'string' ? limitName : this.name);
    }
  }
  return DatabaseLimitStore;
}
