/**
 * Where the sign-in limits count (core/attemptWindows.ts: a check is reserved before a password or
 * code is checked, and settled after). RATE_LIMIT_STORE decides, as for the other limits
 * (rateLimits.ts limitStoreFor): in the database, one count for every process on it, each
 * reservation one upsert that takes the row's lock (repositories/rateLimitCounts.ts); or in this
 * process's memory, where a reservation reads and writes its window without yielding, so no other
 * request can come between. Not @fastify/rate-limit's counters: they can add one, not hold one and
 * give it back.
 */
import { type AttemptWindow, type CheckOutcome, type Limit, type ReserveAnswer, reserveCheck, settleCheck } from '../core/attemptWindows.js';
import type { Db } from '../db/connect.js';
import { readCheckWindow, reserveCheckOn, settleCheckOn } from '../repositories/rateLimitCounts.js';

/** One limit's counts (the login's per address, or per username), by key. */
export interface CheckCounter {
  /** Reserves one check on `key`, or says why not (`busy`: only checks in flight fill the limit). */
  reserve(key: string): Promise<ReserveAnswer>;
  /** Ends a check reserved on `key` in the window ending at `resetAt`. */
  settle(key: string, resetAt: number, outcome: CheckOutcome): Promise<void>;
}

/**
 * Makes a limit's counter: `name` keeps its keys apart from other limits' in a shared table;
 * `capacity` bounds how many keys memory keeps.
 */
export type CheckCounters = (name: string, limit: Limit, capacity: number) => CheckCounter;

/**
 * Counts in this process's memory. A limit keeps at most `capacity` keys, forgetting the one used
 * longest ago (as @fastify/rate-limit's store did), so made-up keys cannot grow it without bound.
 */
export function memoryCheckCounters(now: () => number): CheckCounters {
  return (_name, limit, capacity) => {
    const windows = new Map<string, AttemptWindow>();
    const put = (key: string, window: AttemptWindow | undefined) => {
      windows.delete(key);
      if (!window) return;
      windows.set(key, window);
      if (windows.size > capacity) windows.delete(windows.keys().next().value!);
    };
    return {
      async reserve(key) {
        const { answer, window } = reserveCheck(windows.get(key), now(), limit);
        put(key, window);
        return answer;
      },
      async settle(key, resetAt, outcome) {
        if (windows.has(key)) put(key, settleCheck(windows.get(key), resetAt, outcome));
      },
    };
  };
}

/** Counts in the database (`rate_limit_counts`, beside the other limits' hits); `sweep` after each reservation. */
export function databaseCheckCounters(db: Db, now: () => number, sweep: (at: number) => void): CheckCounters {
  return (name, limit) => ({
    async reserve(key) {
      const at = now();
      const resetAt = await reserveCheckOn(db, `${name}:${key}`, at, limit);
      sweep(at);
      if (resetAt !== null) return { kind: 'reserved', resetAt };
      const { answer } = reserveCheck((await readCheckWindow(db, `${name}:${key}`, at)) ?? undefined, at, limit);
      // Room came between the two statements (a check ended, the window did): the caller asks again.
      return answer.kind === 'reserved' ? { kind: 'busy' } : answer;
    },
    settle: (key, resetAt, outcome) => settleCheckOn(db, `${name}:${key}`, resetAt, outcome),
  });
}
