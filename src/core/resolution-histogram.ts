/**
 * The buckets of `resolution_histogram` (migration 2026-11-27T1600), which the all-time resolution
 * percentiles start from. Pure.
 *
 * A closed ticket's resolution d = closed_at − created_at (ms; negatives count as 0) falls in one
 * bucket: 1 s wide below 10 min, 10 s below 2 h, 2 min below 2 days, 1 h below 60 days, 1 day
 * beyond. Bucket numbers grow with d, so every value of bucket b is ≥ lowerBound(b) and every value
 * of an earlier bucket is < lowerBound(b): the values of bucket b, in order, are the first ones
 * ≥ lowerBound(b). About 4 000 buckets cover 60 days.
 *
 * The migration's triggers compute the same numbers in SQL (integer arithmetic, frozen there);
 * test/db/dashboard-summaries.test.ts checks the two agree, edges included.
 */

/** Each range of equal-width buckets: from `fromMs` (inclusive), `widthMs` wide, first bucket `first`. */
export const RESOLUTION_RANGES: readonly { fromMs: number; widthMs: number; first: number }[] = [
  { fromMs: 0, widthMs: 1_000, first: 0 },
  { fromMs: 600_000, widthMs: 10_000, first: 600 },
  { fromMs: 7_200_000, widthMs: 120_000, first: 1_260 },
  { fromMs: 172_800_000, widthMs: 3_600_000, first: 2_640 },
  { fromMs: 5_184_000_000, widthMs: 86_400_000, first: 4_032 },
];

function rangeOfValue(ms: number) {
  let range = RESOLUTION_RANGES[0]!;
  for (const r of RESOLUTION_RANGES) if (ms >= r.fromMs) range = r;
  return range;
}

/** The bucket of a resolution time in ms (negative: bucket 0). */
export function resolutionBucket(ms: number): number {
  const d = ms < 0 ? 0 : ms;
  const range = rangeOfValue(d);
  return range.first + Math.trunc((d - range.fromMs) / range.widthMs);
}

/**
 * The least resolution bucket `bucket` may hold, in ms; for bucket 0, which also holds the
 * negatives, −∞ (as Number.MIN_SAFE_INTEGER, below any difference of two epoch-ms times).
 */
export function bucketLowerBound(bucket: number): number {
  if (bucket <= 0) return Number.MIN_SAFE_INTEGER;
  let range = RESOLUTION_RANGES[0]!;
  for (const r of RESOLUTION_RANGES) if (bucket >= r.first) range = r;
  return range.fromMs + (bucket - range.first) * range.widthMs;
}

/** Where rank k (0-based, in ascending order) lies: its bucket, and its rank r inside the bucket. */
export function locateRank(histogram: readonly { bucket: number; closed: number }[], k: number): { bucket: number; rank: number } | null {
  let before = 0;
  for (const { bucket, closed } of histogram) {
    if (k < before + closed) return { bucket, rank: k - before };
    before += closed;
  }
  return null;
}
