// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * Topics an admin keeps off the customer form (SPEC §12, issue 16): `hidden` = 1 for a topic only
 * inbound addresses lead to (a VIP address, a partner's mailbox). The form and the ticket API refuse
 * it by name; a ticket naming no topic gets the first topic that is not hidden. Every existing topic
 * stays on the form.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('topics').addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table topics drop column hidden`.execute(db);
}
