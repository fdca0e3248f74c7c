import { sql } from 'kysely';
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
  const ended = sql<boolean>`rate_limit_counts.reset_at <= ${now}`;
  const row = await db
    .insertInto('rate_limit_counts')
    .values({ key, count: 1, reset_at: now + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when ${ended} then 1 else rate_limit_counts.count + 1 end`,
        reset_at: sql<number>`case when ${ended} then excluded.reset_at else rate_limit_counts.reset_at end`,
      }),
    )
    .returning(['count', 'reset_at'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), resetAt: Number(row.reset_at) };
}

/** A key's count in its live window and when that ends, without counting; null when it has none. */
export async function readHits(db: Db, key: string, now: number): Promise<CountedHit | null> {
  const row = await db.selectFrom('rate_limit_counts').select(['count', 'reset_at']).where('key', '=', key).where('reset_at', '>', now).executeTakeFirst();
  return row ? { count: Number(row.count), resetAt: Number(row.reset_at) } : null;
}

/** Forgets windows that have ended (they would restart at 1 anyway). */
export async function sweepEndedWindows(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('rate_limit_counts').where('reset_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
