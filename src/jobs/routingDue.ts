/**
 * Routes waiting tickets at the moments nobody acts (§12): a required skill turning optional after
 * its wait, an overflow team opening. Runs in every server process, like the pending-close job: it
 * reads the earliest `routing_due_at` of a waiting ticket from the partial index, sleeps until then
 * (at most `maxSleepMs`, so tickets created in other processes are seen in time), and runs one
 * routing transaction, which handles every due ticket first (services/routing.ts routeDueTickets)
 * inside the routing lock: with several processes, each moment is handled once, by whichever takes
 * the lock first; the others find nothing due.
 */
import { DueLoop } from './dueLoop.js';
import { nextRoutingDueAt } from '../repositories/routingDue.js';
import type { ServiceContext } from '../services/context.js';
import { withRouting } from '../services/routing.js';

export class RoutingDueJob extends DueLoop {
  constructor(
    private readonly ctx: ServiceContext,
    options: { maxSleepMs?: number; onError?: (error: unknown) => void } = {},
  ) {
    super(ctx.clock, options.maxSleepMs ?? 500, options.onError ?? (() => undefined));
  }

  /** One routing transaction: the due tickets get their next moment and are routed under the wider rule. */
  async runOnce(): Promise<void> {
    await withRouting(this.ctx, null, async () => undefined);
  }

  protected firstDueInstant(): Promise<number | null> {
    return nextRoutingDueAt(this.ctx.handle.db);
  }

  protected pass(): Promise<void> {
    return this.runOnce();
  }
}

/** Starts the job on the app's context (the server calls this next to the SLA monitor). */
export function startRoutingDueJob(ctx: ServiceContext, onError: (error: unknown) => void): RoutingDueJob {
  return new RoutingDueJob(ctx, { onError }).start();
}
