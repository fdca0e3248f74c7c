// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * Each ticket form or API submission carries a random request key, stored with the ticket it
 * creates. After a write that failed, perhaps after committing (a connection dropped while COMMIT's
 * answer was on its way), intake looks the keys up before writing again, and the unique index
 * refuses a second ticket for the same submission should two writes race. Null for tickets from
 * before this migration and those created without a key; a unique index allows many nulls on both
 * engines. (An index rather than a column constraint: SQLite cannot add a UNIQUE column.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('intake_key', 'varchar(64)').execute();
  await sql`create unique index tickets_intake_key on tickets (intake_key)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tickets_intake_key`.execute(db);
  await db.schema.alterTable('tickets').dropColumn('intake_key').execute();
}
