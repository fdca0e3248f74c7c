/**
 * Webhook endpoints, events and the delivery log with its retry path (`webhook_deliveries`), SPEC
 * §13. An event (its body stored once, naming the endpoints that take it) is written by the
 * change's own transaction (insertWebhookEvents) and posted by each endpoint's lane
 * (repositories/webhookLanes.ts); a failed try becomes a pending delivery here, claimed again by
 * workers with a lease, like emails (repositories/outbox.ts), never more than a few dozen per
 * endpoint at once.
 */
import { type Insertable, PostgresAdapter, type QueryCreator, type RawBuilder, sql } from 'kysely';
import type { Db, DbHandle } from '../db/connect.js';
import type { Database, WebhookDeliveriesTable, WebhookDeliveryRow, WebhookEndpointRow, WebhookEventsTable } from '../db/schema.js';
import { jsonRows } from '../db/jsonRows.js';
import { inTransaction } from '../db/transaction.js';
import { giveUpAbandoned, toBeTried } from './abandoned.js';
import { loggedError } from '../core/webhooks.js';

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

/** A claimed delivery with what its POST needs from its endpoint. */
export type ClaimedDelivery = WebhookDeliveryRow & { url: string; secret: string; payload: string };

export interface DeliveryClaim {
  now: number;
  /** At most this many deliveries in all… */
  limit: number;
  /** …and at most this many of any one endpoint. */
  perEndpoint: number;
  /** Endpoints this worker is still posting to: none of theirs is claimed. */
  busy: readonly number[];
  leaseUntil: number;
  maxAttempts: number;
}

/**
 * Claims due deliveries of active endpoints, as claimDueEmails does: `pending`, or `sending` whose
 * lease ran out, due by `now`; they become `sending` until `leaseUntil` with their try counted. The
 * oldest first, at most `perEndpoint` of any endpoint and none of a `busy` one, so a slow endpoint's
 * backlog never fills a round. The outer UPDATE checks status and due time again, so two workers
 * never take the same row (PostgreSQL re-reads a row another transaction changed before updating
 * it; SQLite's writers take turns).
 *
 * On PostgreSQL it is one statement (abandoned sends given up, endpoints read, rows claimed): a
 * round trip and a commit, not five, each a wake-up of the server on a machine whose cores intake
 * needs (issue 17 item 5). SQLite has no data-modifying WITH and no LATERAL, and its statements
 * cost no round trip: one short transaction of three.
 */
export async function claimDueDeliveries(handle: DbHandle, claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
  const rows = handle.dialect === 'postgres' ? await claimStatement(handle.db, claim).execute() : await claimInTransaction(handle, claim);
  return rows.sort((a, b) => a.id - b.id);
}

function claimedSet(leaseUntil: number) {
  return { status: 'sending' as const, attempts: sql<number>`attempts + 1`, next_attempt_at: leaseUntil };
}

/** Endpoints read in one UNION of dueDeliveryIds, at most (SQLite's limit is 500 terms). */
const UNION_TERMS = 400;

async function claimInTransaction(handle: DbHandle, claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
  const { now, limit, perEndpoint, busy, leaseUntil, maxAttempts } = claim;
  return inTransaction(handle, async (trx) => {
    await giveUpAbandoned(trx, 'webhook_deliveries', now, maxAttempts).execute();
    let active = trx.selectFrom('webhook_endpoints').select(['id', 'url', 'secret']).where('active', '=', 1);
    if (busy.length > 0) active = active.where('id', 'not in', [...busy]);
    const endpoints = await active.execute();
    if (endpoints.length === 0) return [];
    // SQLite allows at most 500 terms in one UNION: endpoints are read in groups, and the oldest
    // due of all groups claimed.
    const groups: number[][] = [];
    for (let i = 0; i < endpoints.length; i += UNION_TERMS) groups.push(endpoints.slice(i, i + UNION_TERMS).map((e) => e.id));
    const dueIds =
      groups.length === 1
        ? dueDeliveryIds(groups[0]!, now, perEndpoint, limit)
        : (
            await Promise.all(
              groups.map((group) => trx.selectFrom('webhook_deliveries').select(['id', 'next_attempt_at']).where('id', 'in', dueDeliveryIds(group, now, perEndpoint, limit)).execute()),
            )
          )
            .flat()
            .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id)
            .slice(0, limit)
            .map((d) => d.id);
    if (Array.isArray(dueIds) && dueIds.length === 0) return [];
    const rows = await trx
      .updateTable('webhook_deliveries')
      .set(claimedSet(leaseUntil))
      .where('id', 'in', dueIds)
      .where(toBeTried())
      .where('next_attempt_at', '<=', now)
      .returningAll()
      .execute();
    if (rows.length === 0) return [];
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    const events = await trx.selectFrom('webhook_events').select(['id', 'payload']).where('id', 'in', [...new Set(rows.map((r) => r.event_id))]).execute();
    const payloadOf = new Map(events.map((e) => [e.id, e.payload]));
    return rows.map((r) => ({ ...r, url: byId.get(r.endpoint_id)!.url, secret: byId.get(r.endpoint_id)!.secret, payload: payloadOf.get(r.event_id)! }));
  });
}

/**
 * The claim as one PostgreSQL statement (built, not run): each active endpoint's oldest due
 * deliveries through the index of due deliveries by endpoint (a LATERAL read per endpoint, as
 * dueDeliveryIds's union does), the oldest `limit` of those claimed (by id), each returned with its
 * endpoint's url and secret and its event's body. A row given up by the same statement is never
 * claimed: both parts see the rows as they were, and a row on its last try whose lease ran out is
 * left out of the due ones.
 */
export function claimStatement(db: Db, claim: DeliveryClaim) {
  const { now, limit, perEndpoint, busy, leaseUntil, maxAttempts } = claim;
  const notBusy = busy.length > 0 ? sql`and e.id not in (${sql.join(busy)})` : sql``;
  const due = sql<{ id: number; url: string; secret: string }>`(select due.id, e.url, e.secret from webhook_endpoints e cross join lateral (
      select d.id, d.next_attempt_at from webhook_deliveries d
      where d.endpoint_id = e.id and ${toBeTried('d.status')} and d.next_attempt_at <= ${now}
        and (d.status = 'pending' or d.attempts < ${maxAttempts})
      order by d.next_attempt_at, d.id limit ${perEndpoint}) due
    where e.active = 1 ${notBusy}
    order by due.next_attempt_at, due.id limit ${limit})`.as('due');
  return db
    .with('given_up', () => giveUpAbandoned(db, 'webhook_deliveries', now, maxAttempts).returning('id'))
    .updateTable('webhook_deliveries as d')
    .from([due, 'webhook_events as ev'])
    .set(claimedSet(leaseUntil))
    .whereRef('d.id', '=', 'due.id')
    .whereRef('ev.id', '=', 'd.event_id')
    .where(toBeTried('d.status'))
    .where('d.next_attempt_at', '<=', now)
    .returningAll('d')
    .returning(['due.url', 'due.secret', 'ev.payload']);
}

/**
 * The ids of the deliveries a claim takes: each endpoint's oldest due ones (at most `perEndpoint`,
 * read in the index of due deliveries by endpoint: a few entries each, whatever the backlog), then
 * the oldest `limit` of those. (Ranking every due delivery took 46 ms on SQLite with 30,000
 * waiting, inside the claim's write transaction, while intake waited for the lock.)
 */
export function dueDeliveryIds(endpointIds: readonly number[], now: number, perEndpoint: number, limit: number): RawBuilder<number> {
  const perEndpointDue = endpointIds.map(
    (id, i) => sql`select * from (select d.id, d.next_attempt_at from webhook_deliveries d
      where d.endpoint_id = ${id} and ${toBeTried('d.status')} and d.next_attempt_at <= ${now}
      order by d.next_attempt_at, d.id limit ${perEndpoint}) as ${sql.raw(`e${i}`)}`,
  );
  return sql<number>`(select id from (${sql.join(perEndpointDue, sql` union all `)}) as due order by next_attempt_at, id limit ${limit})`;
}

/** A 2xx answer to record. */
export interface DeliveredMark {
  id: number;
  endpointId: number;
  status: number;
}

/**
 * Records 2xx answers — those finishing together in one statement, so a busy endpoint costs a
 * round trip and a commit per batch rather than per delivery. Only rows still `sending` change;
 * the endpoints' runs of failures end (on PostgreSQL in the same statement; on SQLite, which has
 * no data-modifying WITH, in the same transaction). Per mark, whether its row changed.
 */
export async function markDelivered(handle: DbHandle, marks: readonly DeliveredMark[], now: number): Promise<boolean[]> {
  if (marks.length === 0) return [];
  // Each answer's status beside its id (cast: PostgreSQL types a VALUES list's parameters as text).
  const answers = sql<{ column1: number; column2: number }>`(values ${sql.join(marks.map((m) => sql`(cast(${m.id} as integer), cast(${m.status} as integer))`))})`.as('answer');
  const mark = (db: Db) =>
    db
      .updateTable('webhook_deliveries')
      .from(answers)
      .set((eb) => ({ status: 'delivered', delivered_at: now, response_status: eb.ref('answer.column2'), last_error: null }))
      .whereRef('webhook_deliveries.id', '=', 'answer.column1')
      .where('webhook_deliveries.status', '=', 'sending');
  const runEnds = (db: Db, endpointIds: RawBuilder<number> | number[]) =>
    db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', 'in', endpointIds).where('failing_since', 'is not', null);
  const rows =
    handle.dialect === 'postgres'
      ? await handle.db
          .with('marked', () => mark(handle.db).returning(['webhook_deliveries.id', 'webhook_deliveries.endpoint_id']))
          .with('run_ended', () => runEnds(handle.db, sql<number>`(select endpoint_id from marked)`).returning('id'))
          .selectFrom('marked')
          .select('id')
          .execute()
      : await inTransaction(handle, async (trx) => {
          const marked = await mark(trx).returning('webhook_deliveries.id').execute();
          await runEnds(trx, [...new Set(marks.map((m) => m.endpointId))]).execute();
          return marked;
        });
  const marked = new Set(rows.map((r) => r.id));
  return marks.map((m) => marked.has(m.id));
}

/** Records a failed try: `pending` until `nextAttemptAt`, or `failed` (null). Only a row still `sending` changes. */
export async function recordDeliveryFailure(db: Db, id: number, failure: { status: number | null; error: string }, nextAttemptAt: number | null): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      response_status: failure.status,
      last_error: loggedError(failure.error),
      ...(nextAttemptAt === null ? { status: 'failed' as const } : { status: 'pending' as const, next_attempt_at: nextAttemptAt }),
    })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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

/**
 * An admin's retry: a delivered or failed delivery is sent again, due now, with a fresh set of tries;
 * one waiting for a later try (after a failure) is due now (an admin who fixed the receiver need not
 * wait out the backoff). False when it is due already or being sent.
 */
export async function retryDelivery(db: Db, endpointId: number, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    // A waiting try keeps its count (the backoff and the 24 h give-up go on from it); a settled one starts again.
    .set((eb) => ({ status: 'pending', attempts: eb.case().when('status', '=', 'pending').then(eb.ref('attempts')).else(0).end(), next_attempt_at: now }))
    .where('id', '=', id)
    .where('endpoint_id', '=', endpointId)
    .where((eb) => eb.or([eb('status', 'in', ['failed', 'delivered']), eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '>', now)])]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** An endpoint's delivery log, newest first, a page at a time (before `beforeId`). */
export async function deliveriesOf(db: Db, endpointId: number, options: { beforeId?: number; limit: number }): Promise<WebhookDeliveryRow[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  return query.orderBy('id', 'desc').limit(options.limit).execute();
}

/** One delivery of an endpoint. */
export async function findDelivery(db: Db, endpointId: number, id: number): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).where('endpoint_id', '=', endpointId).executeTakeFirst();
}
