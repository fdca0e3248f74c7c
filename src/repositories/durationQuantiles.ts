/**
 * Exact percentiles of a per-ticket duration (resolution time, first-response time) without
 * reading every ticket: the aggregate behind the dashboard's p50 and p90 (SPEC §6, §11).
 *
 * A duration is an expression over the tickets table's columns, counted on the rows that satisfy
 * its `condition` (the condition of its partial index, written literally so a planner pairs the two),
 * with a histogram kept by triggers (buckets of src/core/resolution-histogram.ts) for all time.
 */
import { PostgresAdapter, sql } from 'kysely';
import { bucketLowerBound, locateRank } from '../core/resolution-histogram.js';
import { scansTickets, sliceSql, windowHint } from './ticketSlice.js';
import type { Db, Dialect } from '../db/connect.js';

export interface Duration {
  /** SQL of the duration, ms, over the tickets table's columns. */
  value: string;
  /** The rows that have one: the partial index's condition, literally. */
  condition: string;
  /** The partial index on (value) where condition. */
  index: string;
  /** The histogram table and its count column (a bucket per row). */
  histogram: 'resolution_histogram' | 'first_response_histogram';
  count: 'closed' | 'answered';
}

/** closed_at − created_at of closed tickets (migration 2026-11-27T1600). */
export const RESOLUTION: Duration = {
  value: 'closed_at - created_at',
  condition: `status = 'closed'`,
  index: 'tickets_resolution',
  histogram: 'resolution_histogram',
  count: 'closed',
};

/** first_response_at − created_at of tickets with a first public reply (migration 2026-12-03T0900). */
export const FIRST_RESPONSE: Duration = {
  value: 'first_response_at - created_at',
  condition: 'first_response_at is not null',
  index: 'tickets_first_response_time',
  histogram: 'first_response_histogram',
  count: 'answered',
};

const dialectOf = (db: Db): Dialect => (db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite');

/**
 * Quantiles (each 0..1) of the duration over the tickets created at or after `since` (null: all
 * time), by linear interpolation between the two nearest ranks: PostgreSQL's `percentile_cont`.
 * For all time, see allTimeQuantiles. For a window, on PostgreSQL that is the query (one aggregate
 * pass); SQLite has no such aggregate, so for each quantile at position p·(n−1) it reads the two
 * values at offset floor(p·(n−1)) in order (ORDER BY … LIMIT 2 OFFSET k) and interpolates. The two
 * give the same numbers. `count` is the number of the window's rows with the duration, counted in
 * the same snapshot. Null for each quantile when there is none.
 */
export async function durationQuantiles(db: Db, duration: Duration, since: number | null, count: number, quantiles: readonly number[], teamId: number | null = null): Promise<(number | null)[]> {
  if (!scansTickets(since, teamId)) return allTimeQuantiles(db, duration, quantiles);
  if (count <= 0) return quantiles.map(() => null);
  const value = sql.raw(duration.value);
  const condition = sql.raw(duration.condition);
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ q: number[] | null }>`select percentile_cont(${sql.val(quantiles)}::float8[]) within group (order by ${value}) as q
      from tickets where ${condition} ${sliceSql(since, teamId)}`.execute(db);
    const q = rows[0]?.q ?? null;
    return quantiles.map((_, i) => (q?.[i] === undefined || q[i] === null ? null : Number(q[i])));
  }
  // SQLite's planner, without ANALYZE statistics, prefers another index and a sort of every
  // matching ticket; INDEXED BY pins the created_at range (then a sort of the window's rows).
  const results: (number | null)[] = [];
  for (const p of quantiles) {
    const position = p * (count - 1);
    const offset = Math.floor(position);
    const { rows } = await sql<{ ms: number }>`select ${value} as ms from tickets ${windowHint(db, since)}
      where ${condition} ${sliceSql(since, teamId)} order by ${value} limit 2 offset ${offset}`.execute(db);
    results.push(interpolate(rows, position - offset));
  }
  return results;
}

/** The value at a fractional position between the first two rows (the second may be missing: the last rank). */
function interpolate(rows: readonly { ms: number }[], fraction: number): number | null {
  const lower = rows[0] === undefined ? null : Number(rows[0].ms);
  const upper = rows[1] === undefined ? lower : Number(rows[1].ms);
  return lower === null || upper === null ? null : lower + fraction * (upper - lower);
}

/**
 * The values at ranks `offset` and `offset + 1` (0-based) among the durations ≥ `lowerMs`, in
 * order: a walk of the duration's partial index from `lowerMs` over `offset` entries. SQLite is
 * told the index (without statistics it preferred a sort of every row). Exported for the
 * query-plan tests and bench:scale --explain.
 */
export function durationAtQuery(duration: Duration, dialect: Dialect, lowerMs: number, offset: number) {
  const from = sql.raw(dialect === 'sqlite' ? `tickets indexed by ${duration.index}` : 'tickets');
  const value = sql.raw(duration.value);
  return sql<{ ms: number }>`select ${value} as ms from ${from}
    where ${sql.raw(duration.condition)} and ${value} >= ${lowerMs} order by ${value} limit 2 offset ${offset}`;
}

/** The duration's histogram, non-empty buckets in order. */
export async function histogramOf(db: Db, duration: Duration): Promise<{ bucket: number; closed: number }[]> {
  const { rows } = await sql<{ bucket: number; n: number }>`select bucket, ${sql.ref(duration.count)} as n from ${sql.table(duration.histogram)}
    where ${sql.ref(duration.count)} > 0 order by bucket`.execute(db);
  return rows.map((r) => ({ bucket: Number(r.bucket), closed: Number(r.n) }));
}

/**
 * All-time quantiles, exact, without reading every row. The histogram counts the rows per bucket of
 * the duration, in order (src/core/resolution-histogram.ts). For the quantile at position p·(n−1),
 * its rank k = floor(p·(n−1)) lies in the bucket where the running sum passes k, at rank r inside
 * it; every value of that bucket is ≥ its lower bound and every earlier bucket's is below, so ranks
 * k and k + 1 are the values at offset r and r + 1 from the bound (durationAtQuery), interpolated as
 * percentile_cont does. The histogram has a few thousand rows at most; r is below the bucket's
 * population (a second's or ten seconds' worth of tickets).
 */
async function allTimeQuantiles(db: Db, duration: Duration, quantiles: readonly number[]): Promise<(number | null)[]> {
  const histogram = await histogramOf(db, duration);
  const n = histogram.reduce((total, r) => total + r.closed, 0);
  if (n === 0) return quantiles.map(() => null);
  const dialect = dialectOf(db);
  const results: (number | null)[] = [];
  for (const p of quantiles) {
    const position = p * (n - 1);
    const k = Math.floor(position);
    const at = locateRank(histogram, k);
    if (at === null) {
      results.push(null);
      continue;
    }
    const { rows } = await durationAtQuery(duration, dialect, bucketLowerBound(at.bucket), at.rank).execute(db);
    results.push(interpolate(rows, position - k));
  }
  return results;
}
