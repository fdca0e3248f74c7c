import { describe, expect, it } from 'vitest';
import { awaitedLater, eachAtMost, TimedOut, withinMs } from '../../src/core/promises.js';

describe('awaitedLater', () => {
  it('a failure left unawaited raises no unhandled rejection; awaited, it is raised there', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const failing = awaitedLater(Promise.reject(new Error('read-ahead failed')));
      awaitedLater(Promise.reject(new Error('never awaited')));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      await expect(failing).rejects.toThrow('read-ahead failed');
      expect(await awaitedLater(Promise.resolve(7))).toBe(7);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});

describe('eachAtMost', () => {
  it('runs at most limit at once, keeps the order of the items in its results, and runs none for no items', async () => {
    let open = 0;
    let mostOpen = 0;
    const work = async (n: number) => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      await new Promise((resolve) => setTimeout(resolve, (7 - n) * 3));
      open--;
      return n * 10;
    };
    expect(await eachAtMost([1, 2, 3, 4, 5, 6], 4, work)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(mostOpen).toBe(4);
    mostOpen = 0;
    expect(await eachAtMost([1, 2], 8, work)).toEqual([10, 20]);
    expect(mostOpen).toBe(2);
    expect(await eachAtMost([], 3, work)).toEqual([]);
  });

  it('fails with the first failure', async () => {
    await expect(eachAtMost([1, 2, 3], 2, async (n) => (n === 2 ? Promise.reject(new Error('two')) : n))).rejects.toThrow('two');
  });
});

describe('withinMs', () => {
  it('answers what the promise answers in time, its failure too', async () => {
    expect(await withinMs(Promise.resolve(7), 50)).toBe(7);
    await expect(withinMs(Promise.reject(new Error('refused')), 50)).rejects.toThrow('refused');
  });

  it('rejects with TimedOut when the promise has not settled in time; its later failure is no unhandled rejection', async () => {
    let fail: (error: Error) => void = () => undefined;
    const late = new Promise<number>((_resolve, reject) => (fail = reject));
    const started = Date.now();
    await expect(withinMs(late, 30)).rejects.toBeInstanceOf(TimedOut);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    fail(new Error('too late'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});
