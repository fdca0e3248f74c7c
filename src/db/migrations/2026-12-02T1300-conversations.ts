// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Conversations (SPEC §9, §10.1): every ticket becomes a thread of messages.
 * - `messages`: kind `customer` | `reply` | `note`, oldest first by id. The ticket's description
 *   becomes its first message, for existing tickets too (copied below, in one statement).
 * - `files`: attachment contents, one row per distinct SHA-256 (deduplicated), so every process on
 *   every host serves them from the database. `attachments`: one file on one message, with the name
 *   and type it came with; `ticket_id` repeated so access checks need no join.
 * - `canned_replies`: named texts admins keep for agents (§9).
 * - tickets: `waiting_on` (`agent` | `customer`; null once closed), `first_response_at` (the first
 *   public reply), `follow_up_of` (the closed ticket a follow-up continues).
 * - outbox: `message_id`, the message a `reply` email carries (its attachments are sent with it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema.alterTable('tickets').addColumn('waiting_on', 'varchar(10)').execute();
  await db.schema.alterTable('tickets').addColumn('first_response_at', time).execute();
  await db.schema.alterTable('tickets').addColumn('follow_up_of', 'integer', (c) => c.references('tickets.id')).execute();
  await sql`update tickets set waiting_on = 'agent' where status = 'open'`.execute(db);
  // A closed ticket's status page lists its follow-ups; few tickets have any, so the index is partial.
  await sql`create index tickets_follow_up_of on tickets (follow_up_of) where follow_up_of is not null`.execute(db);

  await db.schema
    .createTable('messages')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('kind', 'varchar(10)', (c) => c.notNull())
    .addColumn('author_id', 'integer', (c) => c.references('users.id'))
    .addColumn('author_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('channel', 'varchar(10)', (c) => c.notNull())
    .addColumn('automatic', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  // A thread in order and its pages; the public thread (status page, stale checks) skips notes.
  await sql`create index messages_by_ticket on messages (ticket_id, id)`.execute(db);
  await sql`create index messages_public_by_ticket on messages (ticket_id, id) where kind <> 'note'`.execute(db);
  await sql`insert into messages (ticket_id, kind, author_id, author_name, body, channel, automatic, created_at)
    select id, 'customer', null, customer_name, description, 'web', 0, created_at from tickets order by id`.execute(db);

  await db.schema
    .createTable('files')
    .addColumn('sha256', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('attachments')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('file_sha256', 'varchar(64)', (c) => c.notNull().references('files.sha256'))
    .addColumn('filename', 'varchar(255)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await sql`create index attachments_by_message on attachments (message_id, id)`.execute(db);

  await db.schema
    .createTable('canned_replies')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema.alterTable('outbox').addColumn('message_id', 'integer', (c) => c.references('messages.id')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('message_id').execute();
  for (const table of ['canned_replies', 'attachments', 'files', 'messages']) await db.schema.dropTable(table).execute();
  await sql`drop index tickets_follow_up_of`.execute(db);
  for (const column of ['follow_up_of', 'first_response_at', 'waiting_on']) await db.schema.alterTable('tickets').dropColumn(column).execute();
}
