/**
 * The loop of a background job that acts at instants read from the database (the SLA monitor, the
 * pending-close job): it asks for the first instant something is due, runs a pass when that instant
 * has come, and sleeps until the next one, at most `maxSleepMs` (so work another process added,
 * due sooner than the instant awaited, is still seen in time). A job with nothing due opens no
 * transaction. `wake()` makes it look again at once; errors are reported and retried after `maxSleepMs`.
 */
import type { Clock } from '../services/context.js';
import { Sleeper } from './sleeper.js';

export abstract class DueLoop {
  protected readonly sleeper = new Sleeper();
  private loop: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    private readonly loopClock: Clock,
    protected readonly maxSleepMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The first instant at which a pass has something to do (work is due once the clock reads it), or null. */
  protected abstract firstDueInstant(): Promise<number | null>;

  /** One pass over what is due now. */
  protected abstract pass(): Promise<unknown>;

  /** Runs passes until stop(). */
  start(): this {
    if (this.loop) return this;
    this.stopped = false;
    this.loop = this.run();
    return this;
  }

  /** Something may be due sooner than the instant awaited: look again now. */
  protected wakeNow(): void {
    this.wakeRequested = true;
    this.sleeper.wake();
  }

  /** Stops the loop; resolves once the pass in progress (if any) has committed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wake();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay = this.maxSleepMs;
      try {
        this.wakeRequested = false;
        let next = await this.firstDueInstant();
        if (next !== null && next <= this.loopClock.now()) {
          await this.pass();
          next = await this.firstDueInstant();
        }
        if (next !== null) delay = Math.min(this.maxSleepMs, Math.max(0, next - this.loopClock.now()));
      } catch (error) {
        this.onError(error);
      }
      if (this.stopped) break;
      // A wake() during the pass may concern work the pass did not see yet.
      if (this.wakeRequested) continue;
      await this.sleeper.sleep(delay);
    }
  }
}
