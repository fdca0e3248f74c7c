/**
 * Keeping the webhook history bounded (WEBHOOKS_HISTORY_DAYS, core/webhooks.ts historyCutoff).
 * Every change writes an event (about 1 kB of body) and every delivery a log row; left alone, a
 * million tickets leave millions of both. Dropped, once written before the cutoff:
 *
 * - the delivery log's settled rows (`delivered`, `failed`); a try still to be made (`pending`,
 *   `sending`) stays, whatever its age;
 * - events no such try points to (its body is what a retry posts) and no active endpoint's lane
 *   has ahead of its cursor (it may still have to post them). A disabled endpoint holds nothing:
 *   turned on again, its lane goes on with the events still kept;
 * - on PostgreSQL, the commit positions (`webhook_commits`) whose events are all gone.
 *
 * Each table is read oldest first, a batch at a time, through an index in the order rows are
 * written, up to the first row newer than the cutoff: a pass reads what it drops and a batch more,
 * however much history is kept. The checks that matter against a worker running meanwhile are in
 * the DELETEs themselves (a row retried meanwhile is no longer settled; an event whose try failed
 * meanwhile is pointed to), and a lane's cursor only moves forward, so reading it first is safe.
 */
import { sql } from 'kysely';
import { oldRowsToPrune } from '../core/webhooks.js';
import type { Db, DbHandle } from '../db/connect.js';
import { toBeTried } from './abandoned.js';

export interface PrunedHistory {
  deliveries: number;
  events: number;
  /** PostgreSQL's commit positions (always 0 on SQLite). */
  commits: number;
}

const SETTLED = ['delivered', 'failed'] as const;

/** Drops the history written before `cutoff` that nothing needs any more, `batch` rows at a time. */
export async function pruneWebhookHistory(handle: DbHandle, cutoff: number, batch = 500): Promise<PrunedHistory> {
  const { db } = handle;
  const deliveries = await pruneDeliveryLog(db, cutoff, batch, handle.dialect === 'sqlite');
  if (handle.dialect === 'sqlite') {
    // Ids are in commit order here (writers take turns), and the lanes read by id. The newest event
    // always stays: SQLite gives a new row the greatest id plus one, so dropping it would hand its
    // id again, to an event that every cursor at it would then skip.
    const { newest } = await db.selectFrom('webhook_events').select((eb) => eb.fn.max('id').as('newest')).executeTakeFirstOrThrow();
    if (newest === null) return { deliveries, events: 0, commits: 0 };
    const { through } = await db.selectFrom('webhook_endpoints').select((eb) => eb.fn.min('cursor_id').as('through')).where('active', '=', 1).executeTakeFirstOrThrow();
    // The newest log row stays (above) whatever its age, and so must its event: a Retry of that
    // row posts the event's body (its event may be older than newer events no try was made of).
    const newestTry = await db.selectFrom('webhook_deliveries').select('event_id').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return { deliveries, events: await pruneEventsById(db, cutoff, batch, Math.min(through ?? Infinity, newest - 1), newestTry?.event_id ?? null), commits: 0 };
  }
  // Events written before the lanes (no position; served by the retry path), then the lanes' events.
  const unpositioned = await pruneEventsById(db, cutoff, batch, null, null);
  const { events, commits } = await prunePositionedEvents(db, cutoff, batch);
  return { deliveries, events: unpositioned + events, commits };
}

/**
 * Each endpoint's settled log rows written before `cutoff`, in the order its lane wrote them. On
 * SQLite the newest row of the log stays (`keepNewest`), so that no id is ever handed out twice
 * (see the events'): a link to a row dropped must not lead to another.
 */
async function pruneDeliveryLog(db: Db, cutoff: number, batch: number, keepNewest: boolean): Promise<number> {
  let pruned = 0;
  const newest = keepNewest ? (await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id : null;
  for (const { id: endpointId } of await db.selectFrom('webhook_endpoints').select('id').execute()) {
    for (let after = 0; ; ) {
      let query = db.selectFrom('webhook_deliveries').select(['id', 'status', 'created_at']).where('endpoint_id', '=', endpointId).where('id', '>', after);
      if (newest !== null) query = query.where('id', '<', newest);
      const rows = await query.orderBy('id').limit(batch).execute();
      const { prune, reached } = oldRowsToPrune(rows, cutoff, (row) => !(SETTLED as readonly string[]).includes(row.status));
      if (prune.length > 0) {
        const deleted = await db.deleteFrom('webhook_deliveries').where('id', 'in', prune.map((r) => r.id)).where('status', 'in', SETTLED).executeTakeFirst();
        pruned += Number(deleted.numDeletedRows);
      }
      if (reached || rows.length < batch) break;
      after = rows.at(-1)!.id;
    }
  }
  return pruned;
}

/** Events without a commit position (`txid` 0: all of SQLite's), by id, up to `throughId` (null: all), but `spared`. */
async function pruneEventsById(db: Db, cutoff: number, batch: number, throughId: number | null, spared: number | null): Promise<number> {
  let pruned = 0;
  for (let after = 0; ; ) {
    let query = db.selectFrom('webhook_events').select(['id', 'created_at']).where('txid', '=', 0).where('id', '>', after);
    if (throughId !== null) query = query.where('id', '<=', throughId);
    const rows = await query.orderBy('id').limit(batch).execute();
    const { prune, reached } = oldRowsToPrune(rows, cutoff, (row) => row.id === spared);
    pruned += await deleteEvents(db, prune.map((r) => r.id));
    if (reached || rows.length < batch) break;
    after = rows.at(-1)!.id;
  }
  return pruned;
}

/**
 * PostgreSQL: the events every active lane's cursor has passed, a few commits at a time in commit
 * order, then those commits left without events.
 */
async function prunePositionedEvents(db: Db, cutoff: number, batch: number): Promise<{ events: number; commits: number }> {
  const rearmost = await db.selectFrom('webhook_endpoints').select(['cursor_position', 'cursor_id']).where('active', '=', 1).orderBy('cursor_position').orderBy('cursor_id').limit(1).executeTakeFirst();
  const ahead = (position: number, id: number) => rearmost !== undefined && (position > Number(rearmost.cursor_position) || (position === Number(rearmost.cursor_position) && id > rearmost.cursor_id));
  // A commit holds a group commit's events (up to a hundred tickets'): a tenth of a batch of them.
  const perRound = Math.max(1, Math.floor(batch / 10));
  let events = 0;
  let commits = 0;
  for (let after = 0; ; ) {
    let query = db.selectFrom('webhook_commits').select(['position', 'txid']).where('position', '>', after);
    if (rearmost) query = query.where('position', '<=', rearmost.cursor_position);
    const group = await query.orderBy('position').limit(perRound).execute();
    if (group.length === 0) break;
    const positionOf = new Map(group.map((c) => [Number(c.txid), Number(c.position)]));
    const rows = await db.selectFrom('webhook_events').select(['id', 'txid', 'created_at']).where('txid', 'in', [...positionOf.keys()]).execute();
    rows.sort((a, b) => positionOf.get(Number(a.txid))! - positionOf.get(Number(b.txid))! || a.id - b.id);
    const { prune, reached } = oldRowsToPrune(rows, cutoff, (row) => ahead(positionOf.get(Number(row.txid))!, row.id));
    events += await deleteEvents(db, prune.map((r) => r.id));
    const emptied = await db
      .deleteFrom('webhook_commits')
      .where('position', 'in', group.map((c) => c.position))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_events as ev').select(sql<number>`1`.as('one')).whereRef('ev.txid', '=', 'webhook_commits.txid'))))
      .executeTakeFirst();
    commits += Number(emptied.numDeletedRows);
    if (reached || group.length < perRound) break;
    after = Number(group.at(-1)!.position);
  }
  return { events, commits };
}

/** Deletes the events `ids` but those a try still to be made points to; how many went. */
async function deleteEvents(db: Db, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await db.deleteFrom('webhook_events').where('id', 'in', [...ids]).where('id', 'not in', eventsToRetry(db)).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/**
 * The events that tries still to be made point to (through the partial index of tries to make:
 * reading the whole log instead cost 38 ms a batch with 600,000 rows, bench:webhook-history).
 */
export function eventsToRetry(db: Db) {
  return db.selectFrom('webhook_deliveries').select('event_id').where(toBeTried()).where('event_id', 'is not', null);
}
