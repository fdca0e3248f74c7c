/**
 * A store for @fastify/rate-limit that counts in the database (RATE_LIMIT_STORE=database, the
 * default on PostgreSQL): every server process on the database shares one count per limit and key,
 * so N processes behind a balancer allow what one allows (issue 20 item 1). The plugin's own
 * in-memory store counts per process (RATE_LIMIT_STORE=memory, the default on SQLite).
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Db } from '../db/connect.js';
import { countHit, sweepEndedWindows } from '../repositories/rateLimitCounts.js';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];

const SWEEP_EVERY_MS = 60_000;

/**
 * What a hit at `at` calls to forget ended windows: a sweep at most once a minute per process, by
 * whichever hit comes first (of this store's limits or the sign-in checks, loginChecks.ts).
 */
export function endedWindowSweeper(db: Db, onSweepError: (error: unknown) => void): (at: number) => void {
  let nextSweepAt = 0;
  return (at) => {
    if (at < nextSweepAt) return;
    nextSweepAt = at + SWEEP_EVERY_MS;
    sweepEndedWindows(db, at).catch(onSweepError);
  };
}

/**
 * The store class the plugin instantiates. Each limiter (`createRateLimit({ limitName })`) gets a
 * child whose keys carry its name, so one address's tickets and password resets are counted apart.
 */
export function databaseLimitStore(db: Db, now: () => number, sweep: (at: number) => void): FastifyRateLimitStoreCtor {
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
    // The plugin passes the limiter's options merged into route options: ours carry `limitName`.
    child(params: object): FastifyRateLimitStore {
      const { limitName } = params as { limitName?: unknown };
      return new DatabaseLimitStore(undefined, typeof limitName === 'string' ? limitName : this.name);
    }
  }
  return DatabaseLimitStore;
}
