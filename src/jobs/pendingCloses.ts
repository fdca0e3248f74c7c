/**
 * Commits pending closes at the end of their undo window (src/core/pendingClose.ts). Runs in every
 * server process, like the SLA monitor: it reads the earliest due instant from the partial index,
 * sleeps until then (at most `maxSleepMs`, so closes asked for in other processes are seen in time),
 * and commits what is due through services/pendingCloses.ts, where the routing lock and the
 * conditional close make each close commit exactly once however many processes run the job. A
 * pending close is a row, so a restart loses none: the next process commits it when it starts.
 */
import { DueLoop } from './dueLoop.js';
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

export class PendingCloseJob extends DueLoop {
  private readonly batchSize: number;

  constructor(
    private readonly ctx: ServiceContext,
    options: PendingCloseJobOptions = {},
  ) {
    super(ctx.clock, options.maxSleepMs ?? 500, options.onError ?? (() => undefined));
    this.batchSize = options.batchSize ?? 50;
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

  /** A close commits once the clock reads its `close_due_at`. */
  protected firstDueInstant(): Promise<number | null> {
    return nextPendingCloseDue(this.ctx.handle.db, this.ctx.handle.dialect);
  }

  protected pass(): Promise<number> {
    return this.runOnce();
  }
}

/** Starts the job on the app's context (the server calls this next to the SLA monitor). */
export function startPendingCloseJob(ctx: ServiceContext, onError: (error: unknown) => void, options: Omit<PendingCloseJobOptions, 'onError'> = {}): PendingCloseJob {
  return new PendingCloseJob(ctx, { ...options, onError }).start();
}
