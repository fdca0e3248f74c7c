// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Webhook lanes (issue 17 item 5): a change writes only its events, each naming the endpoints that
 * take it (`endpoint_ids`, as `,1,2,3,`), not a delivery row per endpoint inside the routing lock.
 * Each endpoint has a cursor over the events (`cursor_position`, `cursor_id`: the last one its lane
 * has handled) and a lane held by one worker at a time (`lane_until`, a lease). The lane posts the
 * events after its cursor that name its endpoint and then, in one statement, moves the cursor and
 * writes the delivery log's rows (delivered, or a failed try that the retry path takes on).
 *
 * A cursor needs the events in the order they were committed, or one committed late could fall
 * behind it and never be posted. On SQLite writers take turns, so ids are in that order. On
 * PostgreSQL ids are drawn before the commit, so each transaction that writes events gets a
 * position at its commit (`webhook_commits`): a deferred trigger, run as the transaction commits,
 * takes a per-schema advisory lock, held until the commit ends, and draws the next position. The
 * positions are therefore in commit order, and a lane reads events by `(position, id)`. The lock
 * is the last one such a transaction takes and is held only through the commit, so it cannot be
 * part of a deadlock; each event row keeps its transaction's id (`txid`) to join its position.
 *
 * Existing events name no endpoint (their deliveries are rows already, served by the retry path);
 * existing endpoints' cursors start after them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql`alter table webhook_events add column endpoint_ids text not null default ''`.execute(db);
  await sql`alter table webhook_events add column txid bigint not null default 0`.execute(db);
  await sql`alter table webhook_endpoints add column cursor_position bigint not null default 0`.execute(db);
  await sql`alter table webhook_endpoints add column cursor_id integer not null default 0`.execute(db);
  await sql`alter table webhook_endpoints add column lane_until bigint not null default 0`.execute(db);
  if (!pg) {
    await sql`update webhook_endpoints set cursor_id = (select coalesce(max(id), 0) from webhook_events)`.execute(db);
    return;
  }
  await sql`alter table webhook_events alter column txid set default (pg_current_xact_id()::text::bigint)`.execute(db);
  await sql`create index webhook_events_by_txid on webhook_events (txid, id)`.execute(db);
  await sql`create table webhook_commits (position bigserial primary key, txid bigint not null)`.execute(db);
  // Once per transaction (a transaction-local setting remembers it), however many events it wrote.
  // The lock's class (4,243) is the routing lock's plus one; its object is the schema, as there.
  await sql`create function webhook_commit_position() returns trigger language plpgsql as $$
    begin
      if coalesce(current_setting('helpdesk.webhook_commit', true), '') = '' then
        perform pg_advisory_xact_lock(4243, hashtext(current_schema()));
        insert into webhook_commits (txid) values (pg_current_xact_id()::text::bigint);
        perform set_config('helpdesk.webhook_commit', 'positioned', true);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create constraint trigger webhook_events_commit_position after insert on webhook_events
    deferrable initially deferred for each row execute function webhook_commit_position()`.execute(db);
}

/** Events a lane had not yet handled become pending deliveries again, as the code before wrote them. */
export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const endpoints = await sql<{ id: number; cursor_position: number; cursor_id: number }>`select id, cursor_position, cursor_id from webhook_endpoints order by id`.execute(db);
  for (const e of endpoints.rows) {
    const waiting = pg
      ? sql`select ev.id, ev.event, ev.message_id, ev.ticket_id, ev.created_at from webhook_commits c join webhook_events ev on ev.txid = c.txid
          where (c.position, ev.id) > (${e.cursor_position}, ${e.cursor_id}) and ev.endpoint_ids like ${`%,${e.id},%`} order by c.position, ev.id`
      : sql`select id, event, message_id, ticket_id, created_at from webhook_events where id > ${e.cursor_id} and endpoint_ids like ${`%,${e.id},%`} order by id`;
    for (const ev of (await waiting.execute(db)).rows as { id: number; event: string; message_id: string; ticket_id: number | null; created_at: number }[]) {
      await sql`insert into webhook_deliveries (endpoint_id, event_id, event, message_id, ticket_id, status, attempts, next_attempt_at, created_at)
        values (${e.id}, ${ev.id}, ${ev.event}, ${ev.message_id}, ${ev.ticket_id}, 'pending', 0, ${ev.created_at}, ${ev.created_at})`.execute(db);
    }
  }
  if (pg) {
    await sql`drop trigger webhook_events_commit_position on webhook_events`.execute(db);
    await sql`drop function webhook_commit_position()`.execute(db);
    await sql`drop table webhook_commits`.execute(db);
    await sql`drop index webhook_events_by_txid`.execute(db);
  }
  await sql`alter table webhook_endpoints drop column lane_until`.execute(db);
  await sql`alter table webhook_endpoints drop column cursor_id`.execute(db);
  await sql`alter table webhook_endpoints drop column cursor_position`.execute(db);
  await sql`alter table webhook_events drop column txid`.execute(db);
  await sql`alter table webhook_events drop column endpoint_ids`.execute(db);
}
