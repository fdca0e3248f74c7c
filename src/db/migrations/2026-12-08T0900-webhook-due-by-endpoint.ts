// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * Each endpoint's due deliveries, oldest first, in an index of their own: the delivery worker
 * claims at most a few per endpoint, and found them by ranking every due delivery of every endpoint
 * (a window over the whole backlog: 46 ms on SQLite with 30,000 waiting, inside the write
 * transaction, while intake waited for the lock). With this index a claim reads a few entries per
 * endpoint, whatever the backlog. And the deliveries being sent, apart (a claim first gives up those
 * whose worker died on their last try: it looked for them among every due delivery).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index webhook_deliveries_due_by_endpoint on webhook_deliveries (endpoint_id, next_attempt_at, id) where status in ('pending', 'sending')`.execute(db);
  await sql`create index webhook_deliveries_sending on webhook_deliveries (next_attempt_at) where status = 'sending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index webhook_deliveries_sending`.execute(db);
  await sql`drop index webhook_deliveries_due_by_endpoint`.execute(db);
}
