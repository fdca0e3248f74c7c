/**
 * Webhook lanes (SPEC §13, issue 17 item 5; migration 2026-12-13T0900-webhook-lanes). A change
 * writes only its events, each naming the endpoints that take it. Each endpoint has a cursor over
 * the events and a lane that one worker holds at a time (a lease on the endpoint's row): the
 * worker reads the events after the cursor (claimLanes), posts those that name the endpoint, then
 * in one statement moves the cursor and writes the delivery log's rows (settleLane). A failed try
 * is written as a delivery being sent, which the worker then records as any failed try: from there
 * the retry path of `webhook_deliveries` takes it on.
 *
 * Per delivery that is one row written, once, outside the routing lock; the outbox before it wrote
 * a row per endpoint inside the lock and rewrote it at the claim and at the record.
 *
 * Order: a cursor needs the events in commit order, or one committed late would fall behind it.
 * On SQLite writers take turns, so ids are in that order. On PostgreSQL each transaction that writes
 * events gets a position as it commits (`webhook_commits`, drawn under a per-schema lock held through
 * the commit; see the migration), and a lane reads events by `(position, id)`.
 */
import { sql } from 'kysely';
import type { DbHandle } from '../db/connect.js';
import { inTransaction } from '../db/transaction.js';
import { jsonRows } from '../db/jsonRows.js';
import type { WebhookEventRow } from '../db/schema.js';
import { ALL_EVENTS, subscribes, WAITING_COUNTED, type WebhookEvent } from '../core/webhooks.js';
import { toBeTried } from './abandoned.js';

/** A place in the events' order: the last event a lane has handled (SQLite: position 0). */
export interface LanePlace {
  position: number;
  id: number;
}

/** An event for a lane to post. */
export type LaneEvent = Pick<WebhookEventRow, 'id' | 'event' | 'message_id' | 'ticket_id' | 'payload' | 'created_at'>;

/** An endpoint's lane, claimed: the events after its cursor that name it, and where the cursor goes after them. */
export interface ClaimedLane {
  endpointId: number;
  url: string;
  secret: string;
  /** The lease, and the token that settles it. */
  leaseUntil: number;
  events: LaneEvent[];
  /** The last event read (whether it names the endpoint or not). */
  through: LanePlace;
  /** Events read: as many as asked means there may be more. */
  read: number;
}

export interface LaneClaim {
  now: number;
  /** Events read per lane, at most. */
  perLane: number;
  /** Endpoints this worker is still posting to: not claimed. */
  busy: readonly number[];
  leaseUntil: number;
}

interface ReadEvent {
  endpoint_id: number;
  url: string;
  secret: string;
  /** The endpoint's event filter as it is now. */
  events: string;
  id: number;
  position: number;
  event: string;
  message_id: string;
  ticket_id: number | null;
  created_at: number;
  /** Null when the event does not name the endpoint (nothing to post). */
  payload: string | null;
}

/**
 * Claims the lanes of active endpoints that are free (or whose lease ran out) and have events after
 * their cursors: at most `perLane` events each, in order. Of those naming the endpoint, the ones its
 * filter no longer takes (changed since they were written) are passed, not posted. On PostgreSQL one statement; a lane is
 * taken only if its cursor is still where the events were read from (another worker may have moved
 * it meanwhile), so no worker posts an event another has already settled.
 */
export async function claimLanes(handle: DbHandle, claim: LaneClaim): Promise<ClaimedLane[]> {
  const rows = handle.dialect === 'postgres' ? (await claimLanesStatement(claim).execute(handle.db)).rows : await claimLanesInTransaction(handle, claim);
  const lanes = new Map<number, ClaimedLane>();
  for (const r of rows) {
    let lane = lanes.get(r.endpoint_id);
    if (!lane) lanes.set(r.endpoint_id, (lane = { endpointId: r.endpoint_id, url: r.url, secret: r.secret, leaseUntil: claim.leaseUntil, events: [], through: { position: 0, id: 0 }, read: 0 }));
    lane.read += 1;
    lane.through = { position: Number(r.position), id: r.id };
    // An event its endpoint no longer takes (its events changed since it was written) is passed.
    if (r.payload !== null && subscribes(r.events, r.event as WebhookEvent)) lane.events.push({ id: r.id, event: r.event, message_id: r.message_id, ticket_id: r.ticket_id, payload: r.payload, created_at: Number(r.created_at) });
  }
  return [...lanes.values()];
}

/**
 * PostgreSQL's claim (built, not run): the free lanes, each one's next events in commit order
 * (eventsAfterCursor), the lanes taken.
 */
export function claimLanesStatement(claim: LaneClaim) {
  const { now, perLane, busy, leaseUntil } = claim;
  const notBusy = busy.length > 0 ? sql`and e.id not in (${sql.join(busy)})` : sql``;
  return sql<ReadEvent>`with free as (
      select e.id, e.cursor_position, e.cursor_id from webhook_endpoints e where e.active = 1 and e.lane_until <= ${now} ${notBusy}
    ), read as (
      select f.id as endpoint_id, f.cursor_position, f.cursor_id, ev.id, ev.position, ev.event, ev.message_id, ev.ticket_id, ev.created_at,
        case when ev.endpoint_ids like '%,' || f.id || ',%' then ev.payload end as payload
      from free f cross join lateral (
        select c.position, ev.* from ${eventsAfterCursor('f', perLane)}
        order by c.position, ev.id limit ${perLane}) ev
    ), taken as (
      update webhook_endpoints e set lane_until = ${leaseUntil}
      from (select distinct endpoint_id, cursor_position, cursor_id from read) r
      where e.id = r.endpoint_id and e.cursor_position = r.cursor_position and e.cursor_id = r.cursor_id and e.lane_until <= ${now} and e.active = 1
      returning e.id, e.url, e.secret, e.events
    )
    select r.endpoint_id, t.url, t.secret, t.events, r.id, r.position, r.event, r.message_id, r.ticket_id, r.created_at, r.payload
    from read r join taken t on t.id = r.endpoint_id
    order by r.endpoint_id, r.position, r.id`;
}

/**
 * PostgreSQL: `webhook_commits c` and their events `ev` after the cursor of the endpoint row
 * `endpoint` (an alias in the statement), up to a WHERE clause others may extend with `and`: the
 * commits from the cursor's on, through their primary key, and each one's events after the cursor
 * through `webhook_events_by_txid`, at most `perCommit` of a commit (so sorting by id within a
 * commit reads a few rows, never every event of a large one).
 */
function eventsAfterCursor(endpoint: 'e' | 'f', perCommit: number) {
  const cursor = sql.raw(endpoint);
  return sql`webhook_commits c cross join lateral (
      select * from webhook_events ev where ev.txid = c.txid and ev.id > (case when c.position = ${cursor}.cursor_position then ${cursor}.cursor_id else 0 end)
      order by ev.id limit ${perCommit}) ev
    where c.position >= ${cursor}.cursor_position`;
}

async function claimLanesInTransaction(handle: DbHandle, claim: LaneClaim): Promise<ReadEvent[]> {
  const { now, perLane, busy, leaseUntil } = claim;
  return inTransaction(handle, async (trx) => {
    let free = trx.selectFrom('webhook_endpoints').select(['id', 'url', 'secret', 'events', 'cursor_id']).where('active', '=', 1).where('lane_until', '<=', now);
    if (busy.length > 0) free = free.where('id', 'not in', [...busy]);
    const read: ReadEvent[] = [];
    for (const e of await free.execute()) {
      const events = await trx
        .selectFrom('webhook_events')
        .select(['id', 'event', 'message_id', 'ticket_id', 'created_at', sql<string | null>`case when endpoint_ids like ${`%,${e.id},%`} then payload end`.as('payload')])
        .where('id', '>', e.cursor_id)
        .orderBy('id')
        .limit(perLane)
        .execute();
      if (events.length === 0) continue;
      await trx.updateTable('webhook_endpoints').set({ lane_until: leaseUntil }).where('id', '=', e.id).execute();
      read.push(...events.map((ev) => ({ ...ev, position: 0, endpoint_id: e.id, url: e.url, secret: e.secret, events: e.events })));
    }
    return read;
  });
}

/** A lane's try of one event: the answer's status (null: none) and, unless a 2xx, what went wrong. */
export interface LaneTry {
  event: LaneEvent;
  status: number | null;
  delivered: boolean;
  error: string | null;
}

/** A failed try written to the log, as a delivery being sent: the worker records the failure next. */
export interface FailedLaneTry {
  deliveryId: number;
  try: LaneTry;
}

/**
 * Settles a lane: its cursor moves to `through`, its lease ends, a 2xx ends its endpoint's run of
 * failures, and each try becomes a row of the delivery log: `delivered`, or `sending` (one try
 * made, leased until `retryLeaseUntil`) for the failed ones, returned for the worker to record as
 * any failed try. Nothing changes when the lane's lease is no longer this worker's (it ran out
 * and another worker took the lane): null.
 */
export async function settleLane(handle: DbHandle, lane: Pick<ClaimedLane, 'endpointId' | 'leaseUntil' | 'through'>, tries: readonly LaneTry[], now: number, retryLeaseUntil: number): Promise<FailedLaneTry[] | null> {
  const rows = tries.map((t) => ({
    endpoint_id: lane.endpointId,
    event_id: t.event.id,
    event: t.event.event,
    message_id: t.event.message_id,
    ticket_id: t.event.ticket_id,
    status: t.delivered ? ('delivered' as const) : ('sending' as const),
    attempts: 1,
    next_attempt_at: t.delivered ? now : retryLeaseUntil,
    created_at: t.event.created_at,
    delivered_at: t.delivered ? now : null,
    response_status: t.status,
    last_error: null,
  }));
  const anyDelivered = tries.some((t) => t.delivered);
  const move = { cursor_position: lane.through.position, cursor_id: lane.through.id, lane_until: 0 };
  let logged: { id: number; message_id: string }[];
  if (handle.dialect === 'postgres') {
    // The log's rows go as one JSON parameter (jsonRows), written only if the lane was still ours.
    const log = rows.length === 0 ? undefined : jsonRows('webhook_deliveries', rows);
    const logging = log
      ? sql`insert into webhook_deliveries (${sql.join(log.columns.map((c) => sql.ref(c)))})
          select * from (${log.select}) r where exists (select 1 from moved)
          returning id, message_id, status`
      : sql`select null::integer as id, null::text as message_id, null::text as status where false`;
    const result = await sql<{ id: number | null; message_id: string | null }>`with moved as (
        update webhook_endpoints set cursor_position = ${move.cursor_position}, cursor_id = ${move.cursor_id}, lane_until = 0
          ${anyDelivered ? sql`, failing_since = null` : sql``}
        where id = ${lane.endpointId} and lane_until = ${lane.leaseUntil} returning id
      ), logged as (${logging})
      select l.id, l.message_id from moved m left join logged l on l.status = 'sending'`.execute(handle.db);
    if (result.rows.length === 0) return null;
    logged = result.rows.filter((r) => r.id !== null) as { id: number; message_id: string }[];
  } else {
    const settled = await inTransaction(handle, async (trx) => {
      const moved = await trx
        .updateTable('webhook_endpoints')
        .set({ ...move, ...(anyDelivered ? { failing_since: null } : {}) })
        .where('id', '=', lane.endpointId)
        .where('lane_until', '=', lane.leaseUntil)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return null;
      if (rows.length === 0) return [];
      return trx.insertInto('webhook_deliveries').values(rows).returning(['id', 'message_id', 'status']).execute();
    });
    if (settled === null) return null;
    logged = settled.filter((r) => r.status === 'sending');
  }
  const idOf = new Map(logged.map((r) => [r.message_id, r.id]));
  return tries.filter((t) => !t.delivered).map((t) => ({ deliveryId: idOf.get(t.event.message_id)!, try: t }));
}

/**
 * How many events wait in endpoints' lanes (after their cursors, naming them), counted up to
 * `atMost` each: what the delivery log does not show yet. Per endpoint id; those with none are left out.
 */
export async function waitingInLanes(handle: DbHandle, endpointIds: readonly number[], atMost: number): Promise<Map<number, number>> {
  if (endpointIds.length === 0) return new Map();
  const { rows } = await sql<{ id: number; n: number }>`select e.id, ${waitingInLaneOf(handle.dialect, atMost)} as n
    from webhook_endpoints e where e.id in (${sql.join(endpointIds)})`.execute(handle.db);
  return new Map(rows.filter((r) => Number(r.n) > 0).map((r) => [r.id, Number(r.n)]));
}

/**
 * The events after the cursor of the endpoint row `e` (an alias in the statement) that name it and
 * that its filter still takes (claimLanes passes the others), as `ev` (PostgreSQL: with their commits `c`).
 */
function waitingEvents(dialect: DbHandle['dialect'], perCommit: number) {
  const taken = sql`ev.endpoint_ids like '%,' || e.id || ',%' and (e.events = ${ALL_EVENTS} or ',' || e.events || ',' like '%,' || ev.event || ',%')`;
  return dialect === 'postgres' ? sql`${eventsAfterCursor('e', perCommit)} and ${taken}` : sql`webhook_events ev where ev.id > e.cursor_id and ${taken}`;
}

/** SQL: how many events wait in the lane of the endpoint row `e`, counted up to `atMost`. */
export function waitingInLaneOf(dialect: DbHandle['dialect'], atMost: number) {
  return sql<number>`(select count(*) from (select 1 from ${waitingEvents(dialect, atMost)} limit ${atMost}) w)`;
}

/** SQL: when the first event waiting in the lane of the endpoint row `e` was written (null: none waits). */
export function oldestWaitingOf(dialect: DbHandle['dialect']) {
  const order = dialect === 'postgres' ? sql`c.position, ev.id` : sql`ev.id`;
  return sql<number | null>`(select ev.created_at from ${waitingEvents(dialect, WAITING_COUNTED)} order by ${order} limit 1)`;
}

/** How many events wait in one endpoint's lane, counted up to WAITING_COUNTED: for its page and the API's log. */
export async function waitingInLane(handle: DbHandle, endpointId: number): Promise<number> {
  return (await waitingInLanes(handle, [endpointId], WAITING_COUNTED)).get(endpointId) ?? 0;
}

/**
 * Everything active endpoints still have to be sent: events waiting in their lanes and tries
 * pending or being sent, the lanes' counted up to `atMost` each (1: whether any wait, cheaply).
 */
export async function webhookBacklog(handle: DbHandle, atMost = Number.MAX_SAFE_INTEGER): Promise<number> {
  const active = (await handle.db.selectFrom('webhook_endpoints').select('id').where('active', '=', 1).execute()).map((e) => e.id);
  if (active.length === 0) return 0;
  const retries = await handle.db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('endpoint_id', 'in', active)
    .where(toBeTried())
    .executeTakeFirstOrThrow();
  const lanes = await waitingInLanes(handle, active, atMost);
  return Number(retries.n) + [...lanes.values()].reduce((sum, n) => sum + n, 0);
}
