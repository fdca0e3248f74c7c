import { describe, expect, it } from 'vitest';
import { awaitedLater } from '../../src/core/promises.js';

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
