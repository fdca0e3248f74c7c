// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * The inbound log at /admin/inbound/ (§10) and the dashboard's mail figures, at millions of mails:
 * - `inbound_mails_by_sender (from_address, id)`: the log filtered by sender, newest first, walks
 *   only that sender's entries (a keyset page is a short range of it);
 * - `inbound_mails_received (received_at, result)`: the last 24 hours counted by result read only
 *   the entries of that day, from the index alone.
 * (The filter by result has `inbound_mails_by_result (result, id)` since the email channel.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index inbound_mails_by_sender on inbound_mails (from_address, id)`.execute(db);
  await sql`create index inbound_mails_received on inbound_mails (received_at, result)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists inbound_mails_received`.execute(db);
  await sql`drop index if exists inbound_mails_by_sender`.execute(db);
}
