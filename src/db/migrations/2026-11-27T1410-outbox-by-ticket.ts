// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * The admin ticket page lists the ticket's emails and the admin email list filters by ticket:
 * without this index each of those reads the whole outbox (several rows per ticket ever created).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index outbox_by_ticket on outbox (ticket_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists outbox_by_ticket`.execute(db);
}
