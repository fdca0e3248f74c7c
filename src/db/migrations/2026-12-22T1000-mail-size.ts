// Frozen: this migration must never import application code, and never change once released.
import type { Kysely } from 'kysely';

/**
 * A reply's files travel in its email as far as the mail server takes them (core/mailSize.ts):
 * - `mail_server`, one row: the SIZE the SMTP server advertised when the outbox worker last asked
 *   (null: it advertised none), so that whoever writes an email knows it;
 * - `outbox.attachment_room`: the bytes (as sent) its files were given when the email was written,
 *   so the worker attaches the very files its text does not link. Null: written before, by the
 *   fixed 7 MB rule.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_server')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('max_message_bytes', 'bigint')
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('outbox').addColumn('attachment_room', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('attachment_room').execute();
  await db.schema.dropTable('mail_server').execute();
}
