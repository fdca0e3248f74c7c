// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * Forms that create something shown once (a webhook endpoint and its secret, an API token): the
 * answer is the creating POST's own page, so a reload, or Back and send again, posts the form a
 * second time. Each such form carries a one-time key; the creation writes its receipt here in its
 * own transaction (what it made, e.g. `webhook:12`), so the same key posted again makes nothing
 * and leads to what the first post made. Kept a day (pruned by the writes themselves).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('form_receipts')
    .addColumn('form_key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('made', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index form_receipts_age on form_receipts (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('form_receipts').execute();
}
