/**
 * The SLA monitor (§4, §11): marks each open ticket breached within a second of its deadline, for
 * each target, and gives each target's warning within a second of its instant, not when somebody
 * happens to open a page. It does not poll the table: after each pass it reads the next instant
 * any watch fires after from their partial indexes (repositories/slaWatches.ts) and sleeps until then, at most `maxSleepMs` (so tickets created
 * by other processes, with deadlines sooner than the one it waits for, are still caught in time),
 * and wakes early when told of a new ticket. Every process may run one: see recordDueBreaches.
 */
import { DueLoop } from './dueLoop.js';
import { nextWatchInstant, SLA_WATCHES, watchHasDue } from '../repositories/slaWatches.js';
import type { ServiceContext, TicketChange } from '../services/context.js';
import { fireDueWatch } from '../services/sla.js';

/** The shortest SLA limit an admin can set: one second. */
const SHORTEST_SLA_MS = 1000;

export interface SlaMonitorOptions {
  /** Tickets marked per transaction (default 100). */
  batchSize?: number;
  /** The longest sleep between passes (default 1000 ms: the §4 promise). */
  maxSleepMs?: number;
  /** Failed passes are reported here and retried after `maxSleepMs`. */
  onError?: (error: unknown) => void;
}

export class SlaMonitor extends DueLoop {
  private readonly batchSize: number;

  constructor(
    private readonly ctx: ServiceContext,
    options: SlaMonitorOptions = {},
  ) {
    super(ctx.clock, options.maxSleepMs ?? 1000, options.onError ?? (() => undefined));
    this.batchSize = options.batchSize ?? 100;
  }

  /**
   * One pass at `now` (default: the context's clock): fires every watch for every ticket due, batch
   * after batch (breaches before warnings of the same target, so a ticket past both hears of the
   * breach), then announces them through `ctx.onChanges` (live pages). Returns them.
   */
  async runOnce(now: number = this.ctx.clock.now()): Promise<TicketChange[]> {
    const all: TicketChange[] = [];
    for (const watch of SLA_WATCHES) {
      // On SQLite a transaction takes the write lock from ticket intake even when it finds nothing.
      if (!(await watchHasDue(this.ctx.handle.db, this.ctx.handle.dialect, watch, now))) continue;
      for (;;) {
        const batch = await fireDueWatch(this.ctx, watch, now, this.batchSize);
        if (batch.changes.length > 0) {
          all.push(...batch.changes);
          this.ctx.onChanges?.(batch.changes);
        }
        // A full batch of tickets all taken by other monitors would also say `more`; they are marked
        // by then, so the next batch simply reads past them.
        if (!batch.more) break;
      }
    }
    return all;
  }

  /** The next instant a watch fires after, or null when none waits. */
  nextDeadline(): Promise<number | null> {
    return nextWatchInstant(this.ctx.handle.db, this.ctx.handle.dialect);
  }

  /** A ticket breaches the first millisecond past its deadline. */
  protected async firstDueInstant(): Promise<number | null> {
    const next = await this.nextDeadline();
    return next === null ? null : next + 1;
  }

  // Only a pass with something due opens a transaction: every new ticket wakes the monitor, and on
  // SQLite an empty pass still took the write lock from ticket intake (bench:intake).
  protected pass(): Promise<TicketChange[]> {
    return this.runOnce();
  }

  /** A ticket was created (maybe with a nearer deadline than the one awaited): look again now. */
  wake(): void {
    // No SLA limit is shorter than a second (parseDuration), so while the monitor never sleeps
    // longer than that, it looks again before any new ticket can be due: nothing to do. (Reading
    // the next deadline for every new ticket cost a query per intake transaction.)
    if (this.maxSleepMs <= SHORTEST_SLA_MS) return;
    this.wakeNow();
  }
}

/** Starts an SLA monitor on the app's context (the server calls this next to presence expiry). */
export function startSlaMonitor(ctx: ServiceContext, onError: (error: unknown) => void, options: Omit<SlaMonitorOptions, 'onError'> = {}): SlaMonitor {
  return new SlaMonitor(ctx, { ...options, onError }).start();
}
