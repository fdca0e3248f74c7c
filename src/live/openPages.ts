/**
 * Which staff members have a page of the help desk open in THIS process, for auto-away
 * (src/core/autoAway.ts). A page is open while its live stream (`/agents/events/`) is connected;
 * a page whose stream is unavailable polls with background refreshes instead, and each of those
 * counts as the page seen open at that moment.
 *
 * Other processes cannot see this process's connections, so the registry also stamps
 * `users.live_seen_at` for them: every `intervalMs` (30 s, or a third of a short limit), ONE
 * statement for everyone with a stream open here, everyone whose page was seen since the last
 * stamp, and everyone whose last stream here closed since then (so the close itself is a sign of
 * life, and the limit counts from it, give or take one interval). A crashed process stops stamping,
 * and its agents' pages count as closed from its last stamp.
 */
import type { Clock } from '../services/context.js';
import type { Db } from '../db/connect.js';
import { stampLiveSeen } from '../repositories/lifeSigns.js';

export class OpenPages {
  /** Open streams per user id. */
  private readonly streams = new Map<number, number>();
  /** Users seen (a background refresh, a stream that opened or closed) since the last stamp. */
  private seenSince = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** A stream of `userId` opened here; returns the function to call when it closes (once). */
  open(userId: number): () => void {
    this.streams.set(userId, (this.streams.get(userId) ?? 0) + 1);
    this.seenSince.add(userId);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.streams.get(userId) ?? 1) - 1;
      if (left > 0) this.streams.set(userId, left);
      else this.streams.delete(userId);
      this.seenSince.add(userId);
    };
  }

  /** One of `userId`'s pages was seen open now (a background refresh). */
  seen(userId: number): void {
    this.seenSince.add(userId);
  }

  /** Users with a stream open in this process right now. */
  here(): ReadonlySet<number> {
    return new Set(this.streams.keys());
  }

  /** Stamps everyone open or seen since the last stamp (one statement). */
  flush(): Promise<void> {
    const ids = [...new Set([...this.streams.keys(), ...this.seenSince])];
    this.seenSince = new Set();
    this.flushing = this.flushing.then(() => stampLiveSeen(this.db, ids, this.clock.now())).catch(this.onError);
    return this.flushing;
  }

  /** Stamps every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Stops stamping; the last stamp in flight finishes first. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
  }
}
