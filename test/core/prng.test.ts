import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/core/heap.js';
import { exponential, pick, seededRandom } from '../../src/core/prng.js';

describe('seededRandom', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
  });

  it('stays in [0, 1) with a mean near one half and exponential draws near their mean', () => {
    const random = seededRandom(1);
    let sum = 0;
    let expSum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = random();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      expSum += exponential(random, 30);
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(Math.abs(expSum / n - 30)).toBeLessThan(0.5);
  });

  it('pick draws every element of a list and refuses an empty one', () => {
    const random = seededRandom(3);
    const seen = new Set(Array.from({ length: 200 }, () => pick(random, ['a', 'b', 'c'])));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => pick(random, [])).toThrow(RangeError);
  });
});

describe('Heap', () => {
  it('pops in comparator order whatever the push order, and take gives the smallest first', () => {
    const random = seededRandom(9);
    const values = Array.from({ length: 300 }, () => Math.floor(random() * 1000));
    const heap = new Heap<number>((a, b) => a - b);
    for (const v of values) heap.push(v);
    expect(heap.size).toBe(300);
    const sorted = [...values].sort((a, b) => a - b);
    expect(heap.take(10)).toEqual(sorted.slice(0, 10));
    const rest: number[] = [];
    while (heap.size > 0) rest.push(heap.pop()!);
    expect(rest).toEqual(sorted.slice(10));
    expect(heap.pop()).toBeUndefined();
  });
});
