/**
 * sla_target_counts (§11 figures): per target and priority, the clocks that met their target and
 * those that breached, bumped in the transaction of the reply or the breach.
 */
import { sql } from 'kysely';
import type { SlaMetric } from '../core/slaClocks.js';
import type { Priority } from '../core/tickets.js';
import type { Db } from '../db/connect.js';

export async function countTarget(db: Db, metric: SlaMetric, priority: Priority, outcome: 'met' | 'breached'): Promise<void> {
  const column = sql.ref(outcome);
  await db
    .updateTable('sla_target_counts')
    .set({ [outcome]: sql<number>`${column} + 1` })
    .where('metric', '=', metric)
    .where('priority', '=', priority)
    .execute();
}
