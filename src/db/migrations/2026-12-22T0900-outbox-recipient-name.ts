// Frozen: this migration must never import application code, and never change once released.
import type { Kysely } from 'kysely';

/**
 * The name of an email's recipient (the ticket's customer), fixed when the row is written like its
 * address, so its To: reads `Name <address>` on every try. '' for none (older rows, staff emails).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('to_name', 'varchar(200)', (c) => c.notNull().defaultTo('')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('to_name').execute();
}
