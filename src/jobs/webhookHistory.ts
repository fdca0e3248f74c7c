import { historyCutoff } from '../core/webhooks.js';
import type { DbHandle } from '../db/connect.js';
import type { WorkerLogger } from '../mail/worker.js';
import { pruneWebhookHistory } from '../repositories/webhookHistory.js';
import { type Clock, systemClock } from '../services/context.js';
import { repeat } from './repeat.js';

export interface HistoryPruningOptions {
  clock?: Clock;
  /** The first pass, after the start (default a minute: a process restarted more often than hourly still prunes). */
  firstAfterMs?: number;
  /** Then every this long (default an hour). */
  everyMs?: number;
}

/**
 * Drops the webhook history older than `days` that nothing needs any more
 * (repositories/webhookHistory.ts): once a minute after the start, then every hour. Runs beside the
 * senders; several processes may run it at once (each DELETE checks what it drops, a row dropped
 * twice is dropped once).
 */
export function startWebhookHistoryPruning(handle: DbHandle, days: number, logger: WorkerLogger, options: HistoryPruningOptions = {}): { stop(): Promise<void> } {
  const clock = options.clock ?? systemClock;
  const onError = (error: unknown) => logger.error({ err: error }, 'webhooks: dropping old history failed');
  const pass = async () => {
    const pruned = await pruneWebhookHistory(handle, historyCutoff(clock.now(), days));
    if (pruned.deliveries + pruned.events + pruned.commits > 0) logger.info({ ...pruned, days }, 'webhooks: history older than its retention dropped');
  };
  return repeat(pass, options.everyMs ?? 3_600_000, onError, options.firstAfterMs ?? 60_000);
}
