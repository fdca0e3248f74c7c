import type { Db, DbHandle } from '../../src/db/connect.js';
import { claimLanes, settleLane } from '../../src/repositories/webhookLanes.js';
import { insertWebhookEvents, type NewWebhookEvent } from '../../src/repositories/webhooks.js';
import type { WebhookEventRow } from '../../src/db/schema.js';

/** The events a change wrote for an endpoint (those naming it), in the order its lane reads them. */
export async function eventsFor(db: Db, endpointId: number): Promise<WebhookEventRow[]> {
  return db.selectFrom('webhook_events').selectAll().where('endpoint_ids', 'like', `%,${endpointId},%`).orderBy('txid').orderBy('id').execute();
}

/**
 * Settles an endpoint's lane as if each event it waits for had been answered 204 (no POST made):
 * the delivery log gets a delivered row for each, as the worker's lane writes it. Other lanes are
 * left alone. The rows' ids, oldest first.
 */
export async function settledAsDelivered(handle: DbHandle, endpointId: number, now: number): Promise<number[]> {
  const others = (await handle.db.selectFrom('webhook_endpoints').select('id').where('id', '!=', endpointId).execute()).map((e) => e.id);
  const lanes = await claimLanes(handle, { now, perLane: 1_000, busy: others, leaseUntil: now + 60_000 });
  for (const lane of lanes) await settleLane(handle, lane, lane.events.map((event) => ({ event, status: 204, delivered: true, error: null })), now, now + 60_000);
  return (await handle.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).orderBy('id').execute()).map((d) => d.id);
}

/**
 * Events as the retry path holds them: each event stored (naming no endpoint, so no lane reads it)
 * with a pending delivery per endpoint, due at its time, as a failed try or an admin's retry
 * leaves it (and as changes wrote them before the lanes).
 */
export async function pendingDeliveries(db: Db, events: readonly NewWebhookEvent[]): Promise<void> {
  await insertWebhookEvents(db, events.map((e) => ({ ...e, endpointIds: [] })));
  const stored = await db.selectFrom('webhook_events').select(['id', 'message_id']).where('message_id', 'in', events.map((e) => e.messageId)).execute();
  const idOf = new Map(stored.map((e) => [e.message_id, e.id]));
  const rows = events.flatMap((e) =>
    e.endpointIds.map((endpointId) => ({ endpoint_id: endpointId, event_id: idOf.get(e.messageId)!, event: e.event, message_id: e.messageId, ticket_id: e.ticketId, status: 'pending' as const, attempts: 0, next_attempt_at: e.now, created_at: e.now })),
  );
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('webhook_deliveries').values(rows.slice(i, i + 500)).execute();
}
