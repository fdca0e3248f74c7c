import { classifyWriteError } from '../core/writeErrors.js';

/**
 * Group commit. Callers hand in one item each; the items that arrive while a batch is being written
 * (or in the same turn of the event loop as the first one) are written together by `write`, one
 * batch at a time. A write pays per batch what it pays per transaction (round trips, locks, a
 * commit waiting for the disk), so under load the cost per item falls as batches grow, and at rest
 * an item is written at once, alone: nobody waits for a batch to fill.
 *
 * `write` must return one result per item, in order, and write all or nothing (one transaction).
 *
 * When a write fails, the batch may have been committed all the same: a connection that drops while
 * COMMIT's answer is on its way leaves the rows stored and the client with an error. So before
 * anything is written again, `committed` (when given) is asked which items the store already holds,
 * by a key each item carries; those callers get the stored result, and only the others are written
 * again. (Should even that question fail, nothing is written again, since writing an item whose
 * fate is unknown could store it twice: the callers get an error saying so, caused by both.) Then, by the kind of
 * error (src/core/writeErrors.ts):
 * - transient (connection lost, lock or statement timeout, cancelled, busy, serialization): the
 *   rest is written once more as one batch, and if that fails too (after asking `committed` again),
 *   its callers get the error. Two writes in all: the condition hit every item alike, and writing
 *   them one by one would repeat it up to maxBatch times while the lock or the database is sick.
 * - anything else may be one item's fault: each item is written alone, once, and gets its own
 *   outcome, so one bad item fails only its own caller. A transient error meanwhile ends that: the
 *   items not yet written are written once more as one batch, as above.
 * At most maxBatch + 2 writes per batch, then; with a transient error, two.
 */
export class Batcher<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private running = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 100,
    private readonly recovery: {
      /** The stored result of each item already committed, undefined for the others, in order. */
      committed?: (items: I[]) => Promise<(O | undefined)[]>;
    } = {},
  ) {}

  /** Resolves with the item's result once its batch is written (committed). */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.running) return;
      this.running = true;
      // After the event loop's I/O phase, so every request already read from the sockets has
      // reached here. (better-sqlite3 runs a whole transaction without yielding to I/O, so
      // starting at once would leave every batch at one item; the delay is below a millisecond.)
      setImmediate(() => void this.run());
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.writeBatch(this.waiting.splice(0, this.maxBatch));
    } finally {
      this.running = false;
    }
  }

  private async writeBatch(batch: Waiting<I, O>[]): Promise<void> {
    const error = await this.tryWrite(batch);
    if (error === null) return;
    const rest = await this.settleCommitted(batch, error);
    if (classifyWriteError(error) === 'transient') return this.lastTry(rest);
    if (rest.length === 1) return rest[0]!.reject(error);
    for (const [i, w] of rest.entries()) {
      const own = await this.tryWrite([w]);
      if (own === null) continue;
      const [unsettled] = await this.settleCommitted([w], own);
      if (!unsettled) continue;
      if (classifyWriteError(own) === 'transient') return this.lastTry(rest.slice(i));
      unsettled.reject(own);
    }
  }

  /** Writes the items once more as one batch; whoever is still unwritten after it gets its error. */
  private async lastTry(items: Waiting<I, O>[]): Promise<void> {
    if (items.length === 0) return;
    const error = await this.tryWrite(items);
    if (error === null) return;
    for (const w of await this.settleCommitted(items, error)) w.reject(error);
  }

  /** Writes the items, resolving their callers on success; returns the error, else null. */
  private async tryWrite(items: Waiting<I, O>[]): Promise<unknown> {
    try {
      const results = await this.write(items.map((w) => w.item));
      items.forEach((w, i) => w.resolve(results[i]!));
      return null;
    } catch (error) {
      return error ?? new Error('write failed without an error');
    }
  }

  /**
   * After `error`: resolves the items the store holds although the write failed, returns the
   * others. If the store cannot say, every item gets `error` and none is returned (see the header).
   */
  private async settleCommitted(items: Waiting<I, O>[], error: unknown): Promise<Waiting<I, O>[]> {
    if (!this.recovery.committed || items.length === 0) return items;
    let stored: (O | undefined)[];
    try {
      stored = await this.recovery.committed(items.map((w) => w.item));
    } catch (lookupError) {
      for (const w of items) w.reject(new Error('The write failed and whether it was stored is unknown.', { cause: [error, lookupError] }));
      return [];
    }
    return items.filter((w, i) => {
      const result = stored[i];
      if (result === undefined) return true;
      w.resolve(result);
      return false;
    });
  }
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}
