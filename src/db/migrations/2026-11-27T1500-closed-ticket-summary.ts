// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The admin dashboard's default window is "all": every figure over every ticket ever, which read
 * the whole tickets table (3–4 s on SQLite, 1 s on PostgreSQL at a million tickets: bench:scale),
 * and on SQLite blocked every other request meanwhile. Closed tickets never change again (I1), so
 * their share of the figures can be kept up to date as they close: one row per (agent, priority,
 * closed after its deadline or not) with the count, how many have a closed_at, and the sum of their
 * resolution times. Triggers keep it, so every writer (services, admin tools, tests writing rows
 * directly) keeps it right, in the same transaction as the ticket. Closing happens under the
 * routing lock, so the few rows are never contended. agent_id 0 stands for "no agent".
 *
 * Open tickets (time-dependent: overdue as the clock moves) and the resolution percentiles (an
 * order statistic) are still computed from the tickets themselves.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('closed_ticket_summary')
    .addColumn('agent_id', 'integer', (c) => c.notNull())
    .addColumn('priority', 'varchar(10)', (c) => c.notNull())
    .addColumn('late', 'integer', (c) => c.notNull())
    .addColumn('closed', 'bigint', (c) => c.notNull())
    .addColumn('resolved', 'bigint', (c) => c.notNull())
    .addColumn('resolution_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('closed_ticket_summary_pkey', ['agent_id', 'priority', 'late'])
    .execute();

  // One ticket's key and contribution, for the OLD or NEW row of a trigger.
  const key = (r: 'old' | 'new') => sql.raw(`coalesce(${r}.agent_id, 0), ${r}.priority, case when ${r}.closed_at > ${r}.sla_due_at then 1 else 0 end`);
  const resolved = (r: 'old' | 'new') => sql.raw(`case when ${r}.closed_at is null then 0 else 1 end`);
  const resolution = (r: 'old' | 'new') => sql.raw(`coalesce(${r}.closed_at - ${r}.created_at, 0)`);
  // No `insert … as alias` (SQLite tools before 3.44 cannot read a schema with one in a trigger).
  const upsert = sql`on conflict (agent_id, priority, late) do update set closed = closed_ticket_summary.closed + 1,
    resolved = closed_ticket_summary.resolved + excluded.resolved, resolution_ms = closed_ticket_summary.resolution_ms + excluded.resolution_ms`;
  const add = sql`insert into closed_ticket_summary (agent_id, priority, late, closed, resolved, resolution_ms)
    values (${key('new')}, 1, ${resolved('new')}, ${resolution('new')}) ${upsert}`;
  const remove = sql`update closed_ticket_summary set closed = closed - 1, resolved = resolved - ${resolved('old')}, resolution_ms = resolution_ms - ${resolution('old')}
    where (agent_id, priority, late) = (${key('old')})`;
  const columns = sql.raw('status, agent_id, priority, created_at, closed_at, sla_due_at');

  if (pg) {
    await sql`create function closed_ticket_summary_apply() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.status = 'closed' then ${remove}; end if;
        if tg_op in ('INSERT', 'UPDATE') and new.status = 'closed' then ${add}; end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger closed_ticket_summary_insert after insert on tickets for each row when (new.status = 'closed') execute function closed_ticket_summary_apply()`.execute(db);
    await sql`create trigger closed_ticket_summary_update after update of ${columns} on tickets for each row when (old.status = 'closed' or new.status = 'closed') execute function closed_ticket_summary_apply()`.execute(db);
    await sql`create trigger closed_ticket_summary_delete after delete on tickets for each row when (old.status = 'closed') execute function closed_ticket_summary_apply()`.execute(db);
  } else {
    await sql`create trigger closed_ticket_summary_insert after insert on tickets when new.status = 'closed' begin ${add}; end`.execute(db);
    await sql`create trigger closed_ticket_summary_update after update of ${columns} on tickets when old.status = 'closed' or new.status = 'closed' begin
      ${remove} and old.status = 'closed';
      insert into closed_ticket_summary (agent_id, priority, late, closed, resolved, resolution_ms)
        select ${key('new')}, 1, ${resolved('new')}, ${resolution('new')} where new.status = 'closed' ${upsert};
    end`.execute(db);
    await sql`create trigger closed_ticket_summary_delete after delete on tickets when old.status = 'closed' begin ${remove}; end`.execute(db);
  }

  // Tickets closed before this migration.
  await sql`insert into closed_ticket_summary (agent_id, priority, late, closed, resolved, resolution_ms)
    select coalesce(agent_id, 0), priority, case when closed_at > sla_due_at then 1 else 0 end, count(*), count(closed_at), coalesce(sum(closed_at - created_at), 0)
    from tickets where status = 'closed'
    group by coalesce(agent_id, 0), priority, case when closed_at > sla_due_at then 1 else 0 end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const trigger of ['closed_ticket_summary_insert', 'closed_ticket_summary_update', 'closed_ticket_summary_delete']) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`drop trigger if exists ${sql.raw(trigger)} on tickets`.execute(db);
    else await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
  }
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`drop function if exists closed_ticket_summary_apply()`.execute(db);
  await db.schema.dropTable('closed_ticket_summary').execute();
}
