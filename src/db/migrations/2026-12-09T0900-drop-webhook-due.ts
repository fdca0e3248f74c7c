// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * The index of every due delivery by time, which claims read before 2026-12-08T0900 gave each
 * endpoint its own: nothing reads it since, and each delivery written (inside the routing
 * transaction of its change) and each claim and record of a try still kept it up to date.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index webhook_deliveries_due`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
}
