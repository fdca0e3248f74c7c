// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The email channel (SPEC §10).
 * - `inbound_mails`: every mail received, whatever became of it (the inbound log). `mail_key` is
 *   its Message-ID, or `sha256:<hex>` of the raw message without one; unique, so a mail is
 *   recorded once however often it arrives. `result` is null while the mail is being handled. The
 *   raw message is kept (the original staff can open); a mail refused for its size keeps only its
 *   header.
 * - messages: `mail_key`, the mail a message came from (unique: a mail becomes at most one message,
 *   which is what makes handling it again harmless), and so the Message-IDs of the customer's mails
 *   that a later answer may quote.
 * - api_tokens: `scope`, `api` (everything its owner's role allows) or `inbound` (only
 *   POST /api/v1/inbound/email).
 * - settings: `email_priority`, the priority of tickets created from mail.
 * - leases: a named job one process at a time runs (the IMAP watcher), with its holder and expiry.
 * - outbox: the `bounced` status needs no schema change (status is text); its reason goes in
 *   `last_error`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema
    .createTable('inbound_mails')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('mail_key', 'varchar(1000)', (c) => c.notNull().unique())
    .addColumn('source', 'varchar(10)', (c) => c.notNull())
    .addColumn('from_address', 'varchar(320)', (c) => c.notNull())
    .addColumn('from_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('subject', 'varchar(1000)', (c) => c.notNull())
    .addColumn('result', 'varchar(12)')
    .addColumn('reason', 'varchar(1000)')
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id'))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('raw', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('received_at', time, (c) => c.notNull())
    .addColumn('handled_at', time)
    .execute();
  // The log by result (its filter), and the per-sender hourly cap on new tickets (rule 7).
  await sql`create index inbound_mails_by_result on inbound_mails (result, id)`.execute(db);
  await sql`create index inbound_mails_created_by_sender on inbound_mails (from_address, received_at) where result in ('created', 'follow_up')`.execute(db);

  await db.schema.alterTable('messages').addColumn('mail_key', 'varchar(1000)').execute();
  await sql`create unique index messages_mail_key on messages (mail_key) where mail_key is not null`.execute(db);

  await db.schema.alterTable('api_tokens').addColumn('scope', 'varchar(10)', (c) => c.notNull().defaultTo('api')).execute();
  await db.schema.alterTable('settings').addColumn('email_priority', 'varchar(10)', (c) => c.notNull().defaultTo('medium')).execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(200)', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leases').execute();
  await db.schema.alterTable('settings').dropColumn('email_priority').execute();
  await db.schema.alterTable('api_tokens').dropColumn('scope').execute();
  await sql`drop index if exists messages_mail_key`.execute(db);
  await db.schema.alterTable('messages').dropColumn('mail_key').execute();
  await db.schema.dropTable('inbound_mails').execute();
}
