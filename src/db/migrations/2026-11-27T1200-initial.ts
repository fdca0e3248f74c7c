// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema
    .createTable('users')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('role', 'varchar(10)', (c) => c.notNull())
    .addColumn('capacity', 'integer')
    .addColumn('presence', 'varchar(10)', (c) => c.notNull().defaultTo('offline'))
    .addColumn('last_assigned_at', time)
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('token', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('customer_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('customer_email', 'varchar(254)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('priority', 'varchar(10)', (c) => c.notNull())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('agent_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('assigned_at', time)
    .addColumn('closed_at', time)
    .addColumn('sla_due_at', time, (c) => c.notNull())
    .addColumn('sla_breached_at', time)
    .execute();

  // The queue head in either queue order: only pending tickets are in these indexes.
  await sql`create index tickets_queue_oldest on tickets (created_at, id) where status = 'open' and agent_id is null`.execute(db);
  await sql`create index tickets_queue_deadline on tickets (sla_due_at, created_at, id) where status = 'open' and agent_id is null`.execute(db);
  // An agent's open tickets (loads, dashboard, newest for balancing) and recent closed ones.
  await sql`create index tickets_open_by_agent on tickets (agent_id, created_at, id) where status = 'open'`.execute(db);
  await sql`create index tickets_closed_by_agent on tickets (agent_id, closed_at) where status = 'closed'`.execute(db);
  // The SLA monitor's next deadlines.
  await sql`create index tickets_sla_watch on tickets (sla_due_at) where status = 'open' and sla_breached_at is null`.execute(db);
  await sql`create index tickets_created_at on tickets (created_at)`.execute(db);

  await db.schema
    .createTable('ticket_events')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('type', 'varchar(20)', (c) => c.notNull())
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('from_agent_id', 'integer', (c) => c.references('users.id'))
    .addColumn('to_agent_id', 'integer', (c) => c.references('users.id'))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
    .execute();
  await sql`create index ticket_events_by_ticket on ticket_events (ticket_id, id)`.execute(db);
  await sql`create index ticket_events_at on ticket_events (at)`.execute(db);

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .execute();
  await sql`create index sessions_by_user on sessions (user_id)`.execute(db);
  await sql`create index sessions_last_seen on sessions (last_seen_at)`.execute(db);

  await db.schema
    .createTable('settings')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('sla_high_seconds', 'integer', (c) => c.notNull())
    .addColumn('sla_medium_seconds', 'integer', (c) => c.notNull())
    .addColumn('sla_low_seconds', 'integer', (c) => c.notNull())
    .addColumn('default_capacity', 'integer', (c) => c.notNull())
    .addColumn('queue_order', 'varchar(10)', (c) => c.notNull())
    .addColumn('release_on_logout', 'integer', (c) => c.notNull())
    .execute();
  await db
    .insertInto('settings')
    .values({ id: 1, sla_high_seconds: 60, sla_medium_seconds: 240, sla_low_seconds: 3600, default_capacity: 5, queue_order: 'oldest', release_on_logout: 0 })
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('to_address', 'varchar(254)', (c) => c.notNull())
    .addColumn('subject', 'varchar(300)', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('sent_at', time)
    .execute();
  await sql`create index outbox_due on outbox (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
  await sql`create index outbox_by_status on outbox (status, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['outbox', 'settings', 'sessions', 'ticket_events', 'tickets', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
