import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/db/batcher.js';

/** A writer that records each batch it is given and answers each item doubled, after a tick. */
function recordingWriter(fail: (items: number[]) => boolean = () => false) {
  const batches: number[][] = [];
  let running = 0;
  let overlapped = false;
  const write = async (items: number[]) => {
    running++;
    if (running > 1) overlapped = true;
    batches.push(items);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    if (fail(items)) throw new Error(`batch ${items.join(',')} failed`);
    return items.map((i) => i * 2);
  };
  return { write, batches, overlapped: () => overlapped };
}

describe('Batcher (group commit)', () => {
  it('writes items handed in the same turn of the event loop as one batch, answering each its own result', async () => {
    const w = recordingWriter();
    const batcher = new Batcher(w.write);
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(w.batches).toEqual([[1, 2, 3, 4]]);
  });

  it('gathers what arrives during a write into the next batch, one write at a time, in arrival order', async () => {
    const w = recordingWriter();
    const batcher = new Batcher(w.write);
    const first = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is being written now
    const later = [2, 3, 4].map((i) => batcher.add(i));
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8]);
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    expect(w.overlapped()).toBe(false);
  });

  it('never writes more than maxBatch items at once', async () => {
    const w = recordingWriter();
    const batcher = new Batcher(w.write, 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => batcher.add(i)));
    expect(w.batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('when a batch fails, retries each item alone, so only the bad item fails its caller', async () => {
    const w = recordingWriter((items) => items.includes(3));
    const batcher = new Batcher(w.write);
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([2, 4, 'batch 3 failed', 8]);
    expect(w.batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('keeps working after a failure (the next items are written)', async () => {
    const w = recordingWriter((items) => items.includes(1));
    const batcher = new Batcher(w.write);
    await expect(batcher.add(1)).rejects.toThrow('batch 1 failed');
    expect(await batcher.add(5)).toBe(10);
  });
});
