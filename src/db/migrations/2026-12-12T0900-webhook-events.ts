// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Each webhook event's body stored once (`webhook_events`), not once per endpoint that takes it.
 * With three endpoints a ticket's `ticket.created` body (about 1 kB) was written three times inside
 * the routing transaction, and copied again by each endpoint's claim and by its answer's record
 * (an UPDATE writes the whole row anew): nine copies per event. A delivery now points to its
 * event (`event_id`) and its claim reads the body there.
 *
 * Existing deliveries get an event per `webhook-id` (the same body on every endpoint by
 * construction). No foreign key: the two are written together, by one function, and an event is
 * never deleted (a check per delivery would cost intake an index lookup inside the routing lock).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => c.primaryKey())
    .addColumn('message_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('event', 'varchar(40)', (c) => c.notNull())
    .addColumn('ticket_id', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`alter table webhook_deliveries add column event_id integer`.execute(db);
  await sql`insert into webhook_events (message_id, event, ticket_id, payload, created_at)
    select message_id, min(event), min(ticket_id), min(payload), min(created_at) from webhook_deliveries group by message_id order by min(id)`.execute(db);
  // The backfill's join only: deliveries find their event by id from now on.
  await sql`create index webhook_events_by_message on webhook_events (message_id)`.execute(db);
  await sql`update webhook_deliveries set event_id = (select e.id from webhook_events e where e.message_id = webhook_deliveries.message_id)`.execute(db);
  await sql`drop index webhook_events_by_message`.execute(db);
  await sql`alter table webhook_deliveries drop column payload`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table webhook_deliveries add column payload text not null default ''`.execute(db);
  await sql`update webhook_deliveries set payload = (select e.payload from webhook_events e where e.id = webhook_deliveries.event_id)`.execute(db);
  await sql`alter table webhook_deliveries drop column event_id`.execute(db);
  await db.schema.dropTable('webhook_events').execute();
}
