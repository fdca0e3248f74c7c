import { historyCutoff } from '../core/webhooks.js';
import type { DbHandle } from '../db/connect.js';
import type { WorkerLogger } from '../mail/worker.js';
import { pruneWebhookHistory } from '../repositories/webhookHistory.js';
import { type Clock, systemClock } from '../services/context.js';
import { repeat } from './repeat.js';

/**
 * Every `everyMs` (an hour), drops the webhook history older than `days` that nothing needs any
 * more (repositories/webhookHistory.ts). Runs beside the senders; several processes may run it at
 * once (each DELETE checks what it drops, a row dropped twice is dropped once).
 */
export function startWebhookHistoryPruning(handle: DbHandle, days: number, logger: WorkerLogger, options: { clock?: Clock; everyMs?: number } = {}) {
  const clock = options.clock ?? systemClock;
  return repeat(
    async () => {
      const pruned = await pruneWebhookHistory(handle, historyCutoff(clock.now(), days));
      if (pruned.deliveries + pruned.events + pruned.commits > 0) logger.info({ ...pruned, days }, 'webhooks: history older than its retention dropped');
    },
    options.everyMs ?? 3_600_000,
    (error) => logger.error({ err: error }, 'webhooks: dropping old history failed'),
  );
}
