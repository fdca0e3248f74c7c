/**
 * A short memory of values read from the database, for reads that many requests make at once and
 * that may be a moment old: the topics' names (topicNames.ts), token authentications
 * (tokenCache.ts), the figures of a metrics scrape (http/routes/ops.ts).
 *
 * - A value is kept `ttlMs` from the moment its read was asked for.
 * - Callers arriving while a key's read is on its way share that read. Without this, a memory run
 *   out under load is a herd: every request in flight at that moment reads for itself (bench:intake
 *   with 10 teams and 100 connections read the topics about 50 times a second instead of once, each
 *   read holding one of the pool's connections that routing transactions wait for).
 * - `forget()` empties the memory and drops the reads on their way: their callers still get what
 *   they read, but it is not kept and no later caller shares it (a revoked token is refused by the
 *   very next request).
 * - A failed read is not kept: every caller sharing it gets the failure, the next one reads again.
 * - `keep(value)` decides which values are kept (a refused token is always asked again).
 */
import type { Clock } from './context.js';

export interface ShortMemoryOptions<V> {
  ttlMs: number;
  /** Real time by default, not the app's clock (a test's hand-moved clock would keep values for ever). */
  clock?: Clock;
  /** Beyond this many keys, the memory starts again. Default 1,000. */
  maxEntries?: number;
  /** Whether a value read is kept; default every value. */
  keep?: (value: V) => boolean;
}

const realTime: Clock = { now: () => performance.now() };

export class ShortMemory<K, V> {
  private readonly kept = new Map<K, { value: V; until: number }>();
  private readonly reading = new Map<K, Promise<V>>();
  private generation = 0;

  constructor(private readonly options: ShortMemoryOptions<V>) {}

  /** The value of `key`: kept if fresh, else the read on its way, else `read()` (kept unless forgotten meanwhile). */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const { ttlMs, clock = realTime, maxEntries = 1_000, keep } = this.options;
    const now = clock.now();
    const entry = this.kept.get(key);
    if (entry && entry.until > now) return Promise.resolve(entry.value);
    const onItsWay = this.reading.get(key);
    if (onItsWay) return onItsWay;
    const generation = this.generation;
    const read$: Promise<V> = read()
      .then((value) => {
        if (generation === this.generation && (keep?.(value) ?? true)) {
          if (this.kept.size >= maxEntries) this.kept.clear();
          this.kept.set(key, { value, until: now + ttlMs });
        }
        return value;
      })
      .finally(() => {
        if (this.reading.get(key) === read$) this.reading.delete(key);
      });
    this.reading.set(key, read$);
    return read$;
  }

  /** Forgets everything, and whatever is being read now. */
  forget(): void {
    this.generation++;
    this.kept.clear();
    this.reading.clear();
  }
}
