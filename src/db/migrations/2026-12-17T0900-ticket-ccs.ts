// Frozen: this migration must never import application code, and never change once released.
import type { Kysely } from 'kysely';

/**
 * The people a customer copied (Cc) on their mail stay on the ticket's conversation (§10): one row
 * per ticket and lower-case address. The outbox row of an email that copies them carries its Cc
 * (`cc_addresses`, comma-separated), fixed when the row is written, so a retry sends the same.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ticket_ccs')
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('address', 'varchar(254)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().defaultTo(''))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_ccs_pk', ['ticket_id', 'address'])
    .execute();
  await db.schema.alterTable('outbox').addColumn('cc_addresses', 'text', (c) => c.notNull().defaultTo('')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('cc_addresses').execute();
  await db.schema.dropTable('ticket_ccs').execute();
}
