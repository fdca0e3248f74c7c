/**
 * Commits pending closes at the end of their undo window (src/core/pendingClose.ts). Runs in every
 * server process, like the SLA monitor: it reads the earliest due instant from the partial index,
 * sleeps until then (at most `maxSleepMs`, so closes asked for in other processes are seen in time),
 * and commits what is due through services/pendingCloses.ts, where the routing lock and the
 * conditional close make each close commit exactly once however many processes run the job. A
 * pending close is a row, so a restart loses none: the next process commits it when it starts.
 */
import { Sleeper } from './sleeper.js';
import { nextPendingCloseDue } from '../repositories/pendingCloses.js';
import type { ServiceContext } from '../services/context.js';
import { commitDuePendingCloses } from '../services/pendingCloses.js';

export interface PendingCloseJobOptions {
  /** Closes per transaction (default 50). */
  batchSize?: number;
  /** The longest sleep between looks (default 500 ms: a close asked for in another process commits within half a second of its instant). */
  maxSleepMs?: number;
  onError?: (error: unknown) => void;
}

export class PendingCloseJob {
  private readonly batchSize: number;
  private readonly maxSleepMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly sleeper = new Sleeper();
  private loop: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    private readonly ctx: ServiceContext,
    options: PendingCloseJobOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 50;
    this.maxSleepMs = options.maxSleepMs ?? 500;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Commits every close due at `now`, batch after batch; returns how many closed. */
  async runOnce(now: number = this.ctx.clock.now()): Promise<number> {
    let closed = 0;
    for (;;) {
      const batch = await commitDuePendingCloses(this.ctx, now, this.batchSize);
      closed += batch.closed;
      if (!batch.more) return closed;
    }
  }

  start(): this {
    if (this.loop) return this;
    this.stopped = false;
    this.loop = this.run();
    return this;
  }

  /** A close was asked for in this process: look at the due instants again now. */
  wake(): void {
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
        // Only a pass with something due opens a (routing) transaction.
        let next = await nextPendingCloseDue(this.ctx.handle.db, this.ctx.handle.dialect);
        if (next !== null && next <= this.ctx.clock.now()) {
          await this.runOnce();
          next = await nextPendingCloseDue(this.ctx.handle.db, this.ctx.handle.dialect);
        }
        if (next !== null) delay = Math.min(this.maxSleepMs, Math.max(0, next - this.ctx.clock.now()));
      } catch (error) {
        this.onError(error);
      }
      if (this.stopped) break;
      if (this.wakeRequested) continue;
      await this.sleeper.sleep(delay);
    }
  }
}

/** Starts the job on the app's context (the server calls this next to the SLA monitor). */
export function startPendingCloseJob(ctx: ServiceContext, onError: (error: unknown) => void, options: Omit<PendingCloseJobOptions, 'onError'> = {}): PendingCloseJob {
  return new PendingCloseJob(ctx, { ...options, onError }).start();
}
