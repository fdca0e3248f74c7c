import { describe, expect, it } from 'vitest';
import { bucketLowerBound, locateRank, resolutionBucket } from '../../src/core/resolution-histogram.js';

describe('resolution histogram buckets', () => {
  it('are contiguous and ordered: each bucket starts at its lower bound, just after the previous one ends', () => {
    for (let b = 1; b < 6000; b++) {
      const lower = bucketLowerBound(b);
      expect(resolutionBucket(lower)).toBe(b);
      expect(resolutionBucket(lower - 1)).toBe(b - 1);
      expect(bucketLowerBound(b + 1)).toBeGreaterThan(lower);
    }
  });

  it('have the documented widths, and put negatives in bucket 0, whose bound is below any of them', () => {
    expect([0, 999, 1000, 599_999, 600_000, 609_999, 610_000].map(resolutionBucket)).toEqual([0, 0, 1, 599, 600, 600, 601]);
    expect([7_199_999, 7_200_000, 7_319_999, 7_320_000].map(resolutionBucket)).toEqual([1259, 1260, 1260, 1261]);
    expect([172_799_999, 172_800_000, 176_399_999, 176_400_000].map(resolutionBucket)).toEqual([2639, 2640, 2640, 2641]);
    expect([5_183_999_999, 5_184_000_000, 5_270_399_999, 5_270_400_000].map(resolutionBucket)).toEqual([4031, 4032, 4032, 4033]);
    expect([-1, -86_400_000].map(resolutionBucket)).toEqual([0, 0]);
    expect(bucketLowerBound(0)).toBeLessThan(-1e15);
  });

  it('locate a rank: the bucket where the running count passes it, and the rank inside', () => {
    const histogram = [
      { bucket: 3, closed: 2 },
      { bucket: 7, closed: 1 },
      { bucket: 9, closed: 3 },
    ];
    expect([0, 1, 2, 3, 5].map((k) => locateRank(histogram, k))).toEqual([
      { bucket: 3, rank: 0 },
      { bucket: 3, rank: 1 },
      { bucket: 7, rank: 0 },
      { bucket: 9, rank: 0 },
      { bucket: 9, rank: 2 },
    ]);
    expect(locateRank(histogram, 6)).toBeNull();
  });
});
