// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Webhooks (SPEC §13, issue 17):
 * - `webhook_endpoints`: where admins want events POSTed: the URL, the events (a comma list, or
 *   `*` for every event, present and future), the signing secret (kept whole: every delivery is
 *   signed with it), whether it is active, and since when it has been failing (null while it
 *   answers); `disabled_at` says the system turned it off after a day of failures.
 * - `webhook_deliveries`: the webhook outbox. One row per endpoint and event, written in the
 *   transaction of the change like an email (exactly once enqueued), with its body fixed then;
 *   `message_id` is the Standard Webhooks `webhook-id`, the same on every try.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';
  const time = 'bigint';
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'varchar(100)', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('failing_since', time)
    .addColumn('disabled_at', time)
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('endpoint_id', 'integer', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('event', 'varchar(40)', (c) => c.notNull())
    .addColumn('message_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('ticket_id', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('delivered_at', time)
    .addColumn('response_status', 'integer')
    .addColumn('last_error', 'text')
    .execute();
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
  await sql`create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
