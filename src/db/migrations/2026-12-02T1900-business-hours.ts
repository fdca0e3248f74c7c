// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Business hours and SLA targets (SPEC §11).
 * - `calendars`: a name and the version in force. `calendar_versions`: each saved definition
 *   (zone, hours, holidays as JSON), never changed once written, so a clock keeps counting with the
 *   calendar it started with while an edit applies to clocks started after it. A deleted calendar's
 *   versions stay for the tickets that count with them.
 * - settings: the first-response and next-reply targets per priority (seconds, null = none),
 *   the SLA calendar (null = 24/7), `pause_while_waiting`, `warn_at_percent` (null = off).
 * - tickets:
 *   - `sla_calendar_version_id`: the calendar the ticket's clocks count with (null = 24/7).
 *   - the resolution clock's pause: `sla_paused_at` (null = running) and what was left of it then
 *     (`sla_remaining_ms`, `sla_warn_remaining_ms`); while paused `sla_due_at` holds a far-future
 *     sentinel so that no breach rule, index or queue order sees the ticket as due.
 *   - each target's warning instant and when the warning was given (`*_warn_at`, `*_warned_at`).
 *   - first response: `first_response_due_at` (null = no target), `first_response_breached_at`.
 *   - next reply: the running clock (`next_reply_started_at`, `next_reply_due_at`; null = none
 *     running) and `next_reply_breached_at` for that clock.
 *   Partial indexes give the SLA monitor the due rows of each watch without reading the rest.
 * - `sla_target_counts`: per target and priority, the clocks that met their target (answered or
 *   closed at or before the due instant) and those that breached, kept by the services in the
 *   transaction of the reply or the breach, so the figures read nine rows, never the tickets.
 * - events: `metric`, which target an `sla_breached` event is about (warnings are not events: `*_warned_at` records them) (null on
 *   older rows: resolution).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema
    .createTable('calendar_versions')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('calendar_id', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('calendars')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('version_id', 'integer', (c) => c.notNull().references('calendar_versions.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await sql`create unique index calendars_name on calendars (lower(name))`.execute(db);
  await sql`create index calendar_versions_by_calendar on calendar_versions (calendar_id, id)`.execute(db);

  for (const metric of ['first_response', 'next_reply']) {
    for (const priority of ['high', 'medium', 'low']) {
      await db.schema.alterTable('settings').addColumn(`${metric}_${priority}_seconds`, 'integer').execute();
    }
  }
  await db.schema.alterTable('settings').addColumn('calendar_id', 'integer').execute();
  await db.schema.alterTable('settings').addColumn('pause_while_waiting', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('settings').addColumn('warn_at_percent', 'integer').execute();

  await db.schema.alterTable('tickets').addColumn('sla_calendar_version_id', 'integer').execute();
  for (const column of [
    'sla_paused_at',
    'sla_remaining_ms',
    'sla_warn_at',
    'sla_warned_at',
    'sla_warn_remaining_ms',
    'first_response_due_at',
    'first_response_warn_at',
    'first_response_warned_at',
    'first_response_breached_at',
    'next_reply_started_at',
    'next_reply_due_at',
    'next_reply_warn_at',
    'next_reply_warned_at',
    'next_reply_breached_at',
  ]) {
    await db.schema.alterTable('tickets').addColumn(column, time).execute();
  }
  // The monitor's watches (repositories/slaWatches.ts): each index holds only the rows its watch
  // may still fire for, and its condition is repeated literally in the watch's query.
  await sql`create index tickets_sla_warn_watch on tickets (sla_warn_at) where status = 'open' and sla_warn_at is not null and sla_warned_at is null and sla_breached_at is null`.execute(db);
  await sql`create index tickets_first_response_watch on tickets (first_response_due_at) where status = 'open' and first_response_due_at is not null and first_response_at is null and first_response_breached_at is null`.execute(db);
  await sql`create index tickets_first_response_warn_watch on tickets (first_response_warn_at) where status = 'open' and first_response_warn_at is not null and first_response_at is null and first_response_warned_at is null and first_response_breached_at is null`.execute(db);
  await sql`create index tickets_next_reply_watch on tickets (next_reply_due_at) where status = 'open' and next_reply_due_at is not null and next_reply_breached_at is null`.execute(db);
  await sql`create index tickets_next_reply_warn_watch on tickets (next_reply_warn_at) where status = 'open' and next_reply_warn_at is not null and next_reply_warned_at is null and next_reply_breached_at is null`.execute(db);

  await db.schema.alterTable('ticket_events').addColumn('metric', 'varchar(20)').execute();

  await db.schema
    .createTable('sla_target_counts')
    .addColumn('metric', 'varchar(20)', (c) => c.notNull())
    .addColumn('priority', 'varchar(10)', (c) => c.notNull())
    .addColumn('met', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('breached', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('sla_target_counts_pk', ['metric', 'priority'])
    .execute();
  for (const metric of ['resolution', 'first_response', 'next_reply']) {
    for (const priority of ['high', 'medium', 'low']) await db.insertInto('sla_target_counts').values({ metric, priority, met: 0, breached: 0 }).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sla_target_counts').execute();
  await db.schema.alterTable('ticket_events').dropColumn('metric').execute();
  for (const index of ['tickets_sla_warn_watch', 'tickets_first_response_watch', 'tickets_first_response_warn_watch', 'tickets_next_reply_watch', 'tickets_next_reply_warn_watch']) {
    await sql`drop index if exists ${sql.raw(index)}`.execute(db);
  }
  for (const column of [
    'next_reply_breached_at',
    'next_reply_warned_at',
    'next_reply_warn_at',
    'next_reply_due_at',
    'next_reply_started_at',
    'first_response_breached_at',
    'first_response_warned_at',
    'first_response_warn_at',
    'first_response_due_at',
    'sla_warn_remaining_ms',
    'sla_warned_at',
    'sla_warn_at',
    'sla_remaining_ms',
    'sla_paused_at',
    'sla_calendar_version_id',
  ]) {
    await db.schema.alterTable('tickets').dropColumn(column).execute();
  }
  for (const column of ['warn_at_percent', 'pause_while_waiting', 'calendar_id']) await db.schema.alterTable('settings').dropColumn(column).execute();
  for (const metric of ['next_reply', 'first_response']) {
    for (const priority of ['low', 'medium', 'high']) await db.schema.alterTable('settings').dropColumn(`${metric}_${priority}_seconds`).execute();
  }
  await db.schema.dropTable('calendars').execute();
  await db.schema.dropTable('calendar_versions').execute();
}
