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

/** An error shaped like pg's when its connection drops (no SQLSTATE, this message). */
const connectionLost = () => new Error('Connection terminated unexpectedly');

describe('Batcher after a failed write', () => {
  it('a batch failing with a transient error is written once more as a batch, then its callers get the error (2 writes, not 1 + N)', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => batcher.add(i)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.value))).toEqual(Array(5).fill('database is locked'));
    expect(batches).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
  });

  it('a transient failure that clears is answered by the second batch write', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) throw connectionLost();
      return items.map((i) => i * 2);
    });
    expect(await Promise.all([1, 2, 3].map((i) => batcher.add(i)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('items the store already holds (committed although the write failed) are answered from it and never written again', async () => {
    const stored = new Map<number, number>();
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        for (const i of items) stored.set(i, i * 2);
        // Committed, then the connection dropped before the answer came back.
        if (batches.length === 1) throw connectionLost();
        return items.map((i) => i * 2);
      },
      100,
      { committed: async (items) => items.map((i) => stored.get(i)) },
    );
    expect(await Promise.all([1, 2, 3].map((i) => batcher.add(i)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('an item-specific failure isolates the items, each written once; one found committed is not written', async () => {
    const stored = new Map<number, number>([[2, 4]]);
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (items.includes(3)) throw Object.assign(new Error('value too long'), { code: '22001' });
        return items.map((i) => i * 2);
      },
      100,
      { committed: async (items) => items.map((i) => stored.get(i)) },
    );
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([2, 4, 'value too long', 8]);
    expect(batches).toEqual([[1, 2, 3, 4], [1], [3], [4]]);
  });

  it('a transient error while isolating ends the isolation: the rest is written once more as a batch', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) throw new Error('bad row somewhere');
      if (batches.length === 3) throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
      return items.map((i) => i * 2);
    });
    expect(await Promise.all([1, 2, 3, 4].map((i) => batcher.add(i)))).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [2, 3, 4]]);
  });

  it('when the store cannot be asked what committed, nothing is written again and the callers get an error saying so, with both causes', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        throw connectionLost();
      },
      100,
      {
        committed: async () => {
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        },
      },
    );
    const outcomes = await Promise.allSettled([1, 2].map((i) => batcher.add(i)));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason.message).toBe('The write failed and whether it was stored is unknown.');
      expect((reason.cause as Error[]).map((e) => e.message)).toEqual(['Connection terminated unexpectedly', 'connect ECONNREFUSED']);
    }
    expect(batches).toEqual([[1, 2]]);
  });
});
