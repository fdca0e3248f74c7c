/**
 * Webhook endpoints and events, SPEC §13. An event (its body stored once, naming the endpoints that
 * take it) is written by the change's own transaction (insertWebhookEvents) and posted by each
 * endpoint's lane (repositories/webhookLanes.ts); a failed try becomes a pending delivery
 * (repositories/webhookDeliveries.ts, the delivery log with its retry path).
 */
import { type Insertable, PostgresAdapter, type QueryCreator, type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database, WebhookDeliveriesTable, WebhookEndpointRow, WebhookEventsTable } from '../db/schema.js';
import { jsonRows } from '../db/jsonRows.js';

export type DeliveryStatus = WebhookDeliveriesTable['status'];

export async function listEndpoints(db: Db): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();
}

export async function findEndpoint(db: Db, id: number): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An active endpoint's id and event filter: what a change's transaction needs to know whom to tell. */
export interface ActiveEndpoint {
  id: number;
  events: string;
}

/** The active endpoints' ids and filters: what a change's transaction reads to know whom to tell. */
export async function activeEndpoints(db: Db): Promise<ActiveEndpoint[]> {
  return db.selectFrom('webhook_endpoints').select(['id', 'events']).where('active', '=', 1).orderBy('id').execute();
}

/**
 * activeEndpoints as one text, `id=filter` apart by spaces (a filter is event names and commas, or
 * `*`), for the routing state's one query: a routing transaction learns whom to tell without a
 * round trip of its own inside the routing lock.
 */
export function activeEndpointsSql(pg: boolean): RawBuilder<string | null> {
  const entry = sql`e.id || '=' || e.events`;
  return pg
    ? sql<string | null>`(select string_agg(${entry}, ' ') from webhook_endpoints e where e.active = 1)`
    : sql<string | null>`(select group_concat(${entry}, ' ') from webhook_endpoints e where e.active = 1)`;
}

/** The endpoints of activeEndpointsSql's text, in id order. */
export function activeEndpointsOf(text: string | null | undefined): ActiveEndpoint[] {
  if (!text) return [];
  return text
    .split(' ')
    .map((entry) => {
      const at = entry.indexOf('=');
      return { id: Number(entry.slice(0, at)), events: entry.slice(at + 1) };
    })
    .sort((a, b) => a.id - b.id);
}

/**
 * SQLite gives a new row the largest id plus one, so the newest endpoint deleted left its id to the
 * next one created: an edit form left open on it saved over the new endpoint, the audit log's
 * `webhook:<id>` entries of the two ran together, and a delivery of the deleted endpoint settled
 * after its deletion moved the new endpoint's lane. The id is taken past the newest endpoint the
 * audit log saw created too (every creation writes `webhook.create` in its transaction; the log is
 * never pruned; read through its (action, id) index). PostgreSQL's sequence never gives an id twice.
 */
const newSqliteEndpointId = sql<number>`(select max(coalesce((select max(id) from webhook_endpoints), 0), coalesce((select cast(substr(subject, 9) as integer) from audit_log where action = 'webhook.create' order by id desc limit 1), 0)) + 1)`;

/**
 * A new endpoint, its lane's cursor at the end of the events: none written before can name it. On
 * PostgreSQL that end is the last commit position (a transaction that reads the endpoint once it
 * is committed commits after it, so its position is later).
 */
export async function insertEndpoint(db: Db, row: { url: string; events: string; secret: string; active: boolean; now: number }): Promise<WebhookEndpointRow> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const atEnd = pg
    ? { cursor_position: sql<number>`(select coalesce(max(position), 0) from webhook_commits)`, cursor_id: 2_147_483_647 }
    : { cursor_position: 0, cursor_id: sql<number>`(select coalesce(max(id), 0) from webhook_events)` };
  return db
    .insertInto('webhook_endpoints')
    .values({ ...(pg ? {} : { id: newSqliteEndpointId }), url: row.url, events: row.events, secret: row.secret, active: row.active ? 1 : 0, created_at: row.now, failing_since: null, disabled_at: null, ...atEnd })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Changes an endpoint. Turning it on (again) forgets its run of failures and its disabling; a new
 * URL starts a new run (another receiver). Any other save keeps the run, so editing a failing
 * endpoint's events does not put off its disabling. Decided on the row as it is when written, so a
 * failure recorded meanwhile by a worker is not lost.
 */
export async function updateEndpoint(db: Db, id: number, change: { url: string; events: string; active: boolean }): Promise<WebhookEndpointRow | undefined> {
  const turnedOn = sql<boolean>`active = 0`;
  const runEnds = change.active ? sql<number | null>`case when ${turnedOn} or url <> ${change.url} then null else failing_since end` : sql<number | null>`failing_since`;
  return db
    .updateTable('webhook_endpoints')
    .set({
      url: change.url,
      events: change.events,
      active: change.active ? 1 : 0,
      failing_since: runEnds,
      ...(change.active ? { disabled_at: sql<number | null>`case when ${turnedOn} then null else disabled_at end` } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Replaces an endpoint's signing secret; undefined when it is gone. */
export async function setEndpointSecret(db: Db, id: number, secret: string): Promise<WebhookEndpointRow | undefined> {
  return db.updateTable('webhook_endpoints').set({ secret }).where('id', '=', id).returningAll().executeTakeFirst();
}

/**
 * Deletes an endpoint with its delivery log; false when it was gone. The endpoint's row is taken
 * first (switched off): a lane settling meanwhile writes its log rows under that row's lock, so it
 * either commits before the log is deleted (and its rows go too) or finds the endpoint gone and
 * writes none. (Otherwise on PostgreSQL a settle between the two deletes left a row that refused
 * the endpoint's delete.)
 */
export async function deleteEndpoint(db: Db, id: number): Promise<boolean> {
  await db.updateTable('webhook_endpoints').set({ active: 0 }).where('id', '=', id).execute();
  await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** An event to tell webhooks (§13): its body, fixed with its change, and the endpoints that take it. */
export interface NewWebhookEvent {
  event: string;
  /** The `webhook-id`: the same on every endpoint and every try. */
  messageId: string;
  ticketId: number | null;
  payload: string;
  /** Each one's lane posts it. */
  endpointIds: readonly number[];
  now: number;
}

/**
 * Adds events to `webhook_events`, each naming the endpoints that take it; callers pass the
 * change's transaction. Each endpoint's lane posts them (repositories/webhookLanes.ts): a change
 * writes one row per event, whatever the number of endpoints, and no delivery row.
 */
export async function insertWebhookEvents(db: Db, events: readonly NewWebhookEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await withWebhookEvents(db, events).selectNoFrom(sql<number>`1`.as('done')).execute();
    return;
  }
  await db.insertInto('webhook_events').values(events.map(eventRowOf)).execute();
}

/**
 * PostgreSQL: `query` (a statement's WITH chain) with the events inserted (`created_webhook_events`,
 * their rows as one JSON parameter). Intake adds them to its own statement: no round trip of their
 * own inside the routing lock. Each row's `txid` is its transaction's (the column's default), given
 * a position in commit order as the transaction commits (migration 2026-12-13T0900).
 */
export function withWebhookEvents<Q>(query: Q, events: readonly NewWebhookEvent[]): Q {
  const { columns, select } = jsonRows('webhook_events', events.map(eventRowOf));
  // (The cast drops the CTE's name from the type: nothing after it refers to it by type.)
  return (query as unknown as QueryCreator<Database>).with('created_webhook_events', (q) => q.insertInto('webhook_events').columns(columns).expression(select)) as unknown as Q;
}

function eventRowOf(e: NewWebhookEvent): Insertable<WebhookEventsTable> {
  return { message_id: e.messageId, event: e.event, ticket_id: e.ticketId, payload: e.payload, created_at: e.now, endpoint_ids: endpointList(e.endpointIds) };
}

/** Endpoint ids as an event stores them: `,1,2,3,`, so `like '%,2,%'` finds an endpoint's. */
function endpointList(ids: readonly number[]): string {
  return `,${ids.join(',')},`;
}

/** An endpoint's run of failures starts at `since` unless it had one; returns the run's start. */
export async function noteEndpointFailing(db: Db, endpointId: number, since: number): Promise<number | null> {
  await db.updateTable('webhook_endpoints').set({ failing_since: since }).where('id', '=', endpointId).where('failing_since', 'is', null).execute();
  const row = await db.selectFrom('webhook_endpoints').select('failing_since').where('id', '=', endpointId).executeTakeFirst();
  return row?.failing_since ?? null;
}

/** Turns an active endpoint off; true only for the call that did (so one email is sent, not one per worker). */
export async function disableEndpoint(db: Db, endpointId: number, now: number): Promise<boolean> {
  const result = await db.updateTable('webhook_endpoints').set({ active: 0, disabled_at: now }).where('id', '=', endpointId).where('active', '=', 1).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
