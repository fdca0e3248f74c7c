/**
 * Group commit. Callers hand in one item each; the items that arrive while a batch is being written
 * (or in the same turn of the event loop as the first one) are written together by `write`, one
 * batch at a time. A write pays per batch what it pays per transaction (round trips, locks, a
 * commit waiting for the disk), so under load the cost per item falls as batches grow, and at rest
 * an item is written at once, alone: nobody waits for a batch to fill.
 *
 * `write` must return one result per item, in order, and write all or nothing (one transaction).
 * When a batch of several fails, each item is written again alone and its caller gets its own
 * outcome: one bad item fails only its own caller.
 */
export class Batcher<I, O> {
  private waiting: { item: I; resolve(result: O): void; reject(error: unknown): void }[] = [];
  private running = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 100,
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

  private async writeBatch(batch: typeof this.waiting): Promise<void> {
    try {
      const results = await this.write(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const w of batch) {
        await this.write([w.item]).then(([result]) => w.resolve(result!), w.reject);
      }
    }
  }
}
