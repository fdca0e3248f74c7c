import { type RawBuilder, sql } from 'kysely';
import type { AttemptWindow, CheckOutcome, Limit } from '../core/attemptWindows.js';
import type { Db } from '../db/connect.js';

/** The count of a key's window after a hit, and when the window ends (epoch ms). */
export interface CountedHit {
  count: number;
  resetAt: number;
}

/**
 * Counts one hit on `key` in one statement: a key without a live window starts one of `windowMs`
 * at 1; otherwise its count goes up by one. The upsert holds the row's lock for the statement, so
 * hits from any number of processes are each counted once, never lost.
 */
export async function countHit(db: Db, key: string, now: number, windowMs: number): Promise<CountedHit> {
  const row = await db
    .insertInto('rate_limit_counts')
    .values({ key, count: 1, reset_at: now + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: whileLive(now, sql<number>`rate_limit_counts.count + 1`, sql<number>`1`),
        reset_at: windowEnd(now),
      }),
    )
    .returning(['count', 'reset_at'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), resetAt: Number(row.reset_at) };
}

/** In an upsert: `live` while the stored window has not ended at `now`, else `restarted` (a new window). */
function whileLive<T>(now: number, live: RawBuilder<T>, restarted: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`case when rate_limit_counts.reset_at <= ${now} then ${restarted} else ${live} end`;
}

/** In an upsert: the stored window's end while it is live, else the new window's. */
const windowEnd = (now: number) => whileLive(now, sql<number>`rate_limit_counts.reset_at`, sql<number>`excluded.reset_at`);

/**
 * Reserves one sign-in check on `key` (core/attemptWindows.ts reserveCheck) in one statement: when
 * the key's live window has room — failures plus checks in flight below `max` — or has none, the
 * check is held in it and the window's end is returned; otherwise nothing changes and the answer is
 * null. The upsert holds the row's lock for the statement, so of any number of simultaneous
 * reservations from any number of processes at most `max` are granted.
 */
export async function reserveCheckOn(db: Db, key: string, now: number, limit: Limit): Promise<number | null> {
  const row = await db
    .insertInto('rate_limit_counts')
    .values({ key, count: 0, held: 1, reset_at: now + limit.windowMs })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          count: whileLive(now, sql<number>`rate_limit_counts.count`, sql<number>`0`),
          held: whileLive(now, sql<number>`rate_limit_counts.held + 1`, sql<number>`1`),
          reset_at: windowEnd(now),
        })
        .where(sql<boolean>`rate_limit_counts.reset_at <= ${now} or rate_limit_counts.count + rate_limit_counts.held < ${limit.max}`),
    )
    .returning('reset_at')
    .executeTakeFirst();
  return row ? Number(row.reset_at) : null;
}

/** A login key's live window (failures, checks in flight, end), without changing it; null when it has none. */
export async function readCheckWindow(db: Db, key: string, now: number): Promise<AttemptWindow | null> {
  const row = await db.selectFrom('rate_limit_counts').select(['count', 'held', 'reset_at']).where('key', '=', key).where('reset_at', '>', now).executeTakeFirst();
  return row ? { failed: Number(row.count), held: Number(row.held), resetAt: Number(row.reset_at) } : null;
}

/**
 * Ends a check reserved in the window ending at `resetAt` (core/attemptWindows.ts settleCheck):
 * its hold is given back (never below zero), and a failure is counted. A window that has ended
 * meanwhile (another end, or swept) is left alone.
 */
export async function settleCheckOn(db: Db, key: string, resetAt: number, outcome: CheckOutcome): Promise<void> {
  await db
    .updateTable('rate_limit_counts')
    .set((eb) => ({
      held: sql<number>`case when held > 0 then held - 1 else 0 end`,
      count: outcome === 'failed' ? eb('count', '+', 1) : eb.ref('count'),
    }))
    .where('key', '=', key)
    .where('reset_at', '=', resetAt)
    .execute();
}

/** Forgets windows that have ended (they would restart at 1 anyway). */
export async function sweepEndedWindows(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('rate_limit_counts').where('reset_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
