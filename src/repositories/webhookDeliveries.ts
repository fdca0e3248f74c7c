/**
 * The webhook delivery log with its retry path (`webhook_deliveries`), SPEC §13: a failed try of an
 * endpoint's lane (repositories/webhookLanes.ts) becomes a pending delivery, claimed again by
 * workers with a lease, like emails (repositories/outbox.ts), never more than a few dozen per
 * endpoint at once; and an admin's retry and the endpoint's log. Endpoints and events:
 * repositories/webhooks.ts.
 */
import { type RawBuilder, sql } from 'kysely';
import { loggedError } from '../core/webhooks.js';
import type { Db, DbHandle } from '../db/connect.js';
import type { WebhookDeliveryRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { giveUpAbandoned, toBeTried } from './abandoned.js';

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
