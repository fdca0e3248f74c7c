// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * After closed_ticket_summary (2026-11-27T1500), two parts of the all-time dashboard figures still
 * read a number of tickets that grows with the table (bench:scale, 1M tickets: 17× the 10k time on
 * SQLite, 27× on PostgreSQL): the open tickets, counted one by one (the whole queue, 200 000 deep
 * in the benchmark), and the resolution percentiles (PostgreSQL's percentile_cont sorts every
 * closed ticket; SQLite walks the resolution index up to the median's offset).
 *
 * open_ticket_summary: the open tickets per (priority, assigned 0/1), kept by triggers on tickets in
 * the same transaction as the change, like closed_ticket_summary. Overdue is not kept (it moves with
 * the clock): the dashboard counts the open tickets NOT yet due through the partial index
 * tickets_sla_watch and subtracts. There is deliberately no "breached" dimension here: the SLA
 * monitor marks sla_breached_at without the routing lock, and had that write touched these rows,
 * on PostgreSQL it could deadlock with routing transactions, which hold the routing advisory lock
 * and may insert several tickets (so lock several summary rows) in one transaction. Every writer of
 * status, agent_id and priority (intake, routing, closing, admin moves) runs under the routing lock,
 * so these rows' locks are never contended; the triggers fire only on those columns, and an update
 * that leaves a ticket's (status, priority, assigned) as it was (a reassignment from one agent to
 * another) writes nothing.
 *
 * resolution_histogram: closed tickets (with a closed_at) per bucket of closed_at − created_at
 * (negatives as 0): 1 s wide below 10 min, 10 s below 2 h, 2 min below 2 days, 1 h below 60 days,
 * 1 day beyond; integer arithmetic, the same on both engines (src/core/resolution-histogram.ts has
 * the same buckets in JavaScript). Summing it in bucket order finds the bucket holding a given rank
 * and the rank inside it; the exact value is then read from the tickets_resolution index at a small
 * offset past the bucket's lower bound. Kept by its own triggers on status, created_at and closed_at,
 * which change only when a ticket closes (under the routing lock) or by hand.
 *
 * tickets_resolution ((closed_at − created_at), created_at) where status = 'closed' existed on
 * SQLite only (2026-11-27T1400: PostgreSQL sorted for percentile_cont); the lookups above need it on
 * PostgreSQL too, so it is created there.
 *
 * Both tables are backfilled from the existing tickets. Rows may hold zero.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('open_ticket_summary')
    .addColumn('priority', 'varchar(10)', (c) => c.notNull())
    .addColumn('assigned', 'integer', (c) => c.notNull())
    .addColumn('open', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('open_ticket_summary_pkey', ['priority', 'assigned'])
    .execute();
  // An integer primary key: on SQLite the table's own rowid, so the histogram is one small b-tree.
  await db.schema
    .createTable('resolution_histogram')
    .addColumn('bucket', 'integer', (c) => c.primaryKey())
    .addColumn('closed', 'bigint', (c) => c.notNull())
    .execute();

  // --- open_ticket_summary ---
  const assigned = (r: 'old' | 'new') => sql.raw(`case when ${r}.agent_id is null then 0 else 1 end`);
  // No `insert … as alias` (SQLite tools before 3.44 cannot read a schema with one in a trigger).
  const openUpsert = sql`on conflict (priority, assigned) do update set open = open_ticket_summary.open + 1`;
  const openRemove = sql`update open_ticket_summary set open = open - 1 where priority = old.priority and assigned = ${assigned('old')}`;
  const openColumns = sql.raw('status, agent_id, priority');

  // --- resolution_histogram ---
  // The bucket of the row `r` (old, new, or tickets for the backfill).
  const bucket = (r: string) => {
    const resolution = `(${r}.closed_at - ${r}.created_at)`;
    const d = `(case when ${resolution} < 0 then 0 else ${resolution} end)`;
    return sql.raw(`cast(case when ${d} < 600000 then ${d} / 1000
      when ${d} < 7200000 then 600 + (${d} - 600000) / 10000
      when ${d} < 172800000 then 1260 + (${d} - 7200000) / 120000
      when ${d} < 5184000000 then 2640 + (${d} - 172800000) / 3600000
      else 4032 + (${d} - 5184000000) / 86400000 end as integer)`);
  };
  const counted = (r: 'old' | 'new') => sql.raw(`${r}.status = 'closed' and ${r}.closed_at is not null`);
  const histogramUpsert = sql`on conflict (bucket) do update set closed = resolution_histogram.closed + 1`;
  const histogramRemove = sql`update resolution_histogram set closed = closed - 1 where bucket = ${bucket('old')}`;
  const histogramColumns = sql.raw('status, created_at, closed_at');

  if (pg) {
    await sql`create function open_ticket_summary_apply() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.status = 'open' then ${openRemove}; end if;
        if tg_op in ('INSERT', 'UPDATE') and new.status = 'open' then
          insert into open_ticket_summary (priority, assigned, open) values (new.priority, ${assigned('new')}, 1) ${openUpsert};
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger open_ticket_summary_insert after insert on tickets for each row when (new.status = 'open') execute function open_ticket_summary_apply()`.execute(db);
    await sql`create trigger open_ticket_summary_update after update of ${openColumns} on tickets for each row
      when ((old.status = 'open' or new.status = 'open') and (old.status, old.priority, old.agent_id is null) is distinct from (new.status, new.priority, new.agent_id is null))
      execute function open_ticket_summary_apply()`.execute(db);
    await sql`create trigger open_ticket_summary_delete after delete on tickets for each row when (old.status = 'open') execute function open_ticket_summary_apply()`.execute(db);

    await sql`create function resolution_histogram_apply() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and ${counted('old')} then ${histogramRemove}; end if;
        if tg_op in ('INSERT', 'UPDATE') and ${counted('new')} then
          insert into resolution_histogram (bucket, closed) values (${bucket('new')}, 1) ${histogramUpsert};
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger resolution_histogram_insert after insert on tickets for each row when (${counted('new')}) execute function resolution_histogram_apply()`.execute(db);
    await sql`create trigger resolution_histogram_update after update of ${histogramColumns} on tickets for each row
      when ((${counted('old')}) or (${counted('new')})) execute function resolution_histogram_apply()`.execute(db);
    await sql`create trigger resolution_histogram_delete after delete on tickets for each row when (${counted('old')}) execute function resolution_histogram_apply()`.execute(db);

    await sql`create index tickets_resolution on tickets ((closed_at - created_at), created_at) where status = 'closed'`.execute(db);
  } else {
    await sql`create trigger open_ticket_summary_insert after insert on tickets when new.status = 'open' begin
      insert into open_ticket_summary (priority, assigned, open) values (new.priority, ${assigned('new')}, 1) ${openUpsert};
    end`.execute(db);
    await sql`create trigger open_ticket_summary_update after update of ${openColumns} on tickets
      when (old.status = 'open' or new.status = 'open')
        and (old.status is not new.status or old.priority is not new.priority or (old.agent_id is null) <> (new.agent_id is null))
    begin
      ${openRemove} and old.status = 'open';
      insert into open_ticket_summary (priority, assigned, open) select new.priority, ${assigned('new')}, 1 where new.status = 'open' ${openUpsert};
    end`.execute(db);
    await sql`create trigger open_ticket_summary_delete after delete on tickets when old.status = 'open' begin ${openRemove}; end`.execute(db);

    await sql`create trigger resolution_histogram_insert after insert on tickets when ${counted('new')} begin
      insert into resolution_histogram (bucket, closed) values (${bucket('new')}, 1) ${histogramUpsert};
    end`.execute(db);
    await sql`create trigger resolution_histogram_update after update of ${histogramColumns} on tickets when (${counted('old')}) or (${counted('new')}) begin
      ${histogramRemove} and ${counted('old')};
      insert into resolution_histogram (bucket, closed) select ${bucket('new')}, 1 where ${counted('new')} ${histogramUpsert};
    end`.execute(db);
    await sql`create trigger resolution_histogram_delete after delete on tickets when ${counted('old')} begin ${histogramRemove}; end`.execute(db);
  }

  // Tickets written before this migration.
  await sql`insert into open_ticket_summary (priority, assigned, open)
    select priority, case when agent_id is null then 0 else 1 end, count(*) from tickets where status = 'open'
    group by priority, case when agent_id is null then 0 else 1 end`.execute(db);
  await sql`insert into resolution_histogram (bucket, closed)
    select b, count(*) from (select ${bucket('tickets')} as b from tickets where status = 'closed' and closed_at is not null) t group by b`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const triggers = ['open_ticket_summary_insert', 'open_ticket_summary_update', 'open_ticket_summary_delete', 'resolution_histogram_insert', 'resolution_histogram_update', 'resolution_histogram_delete'];
  for (const trigger of triggers) {
    if (pg) await sql`drop trigger if exists ${sql.raw(trigger)} on tickets`.execute(db);
    else await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
  }
  if (pg) {
    await sql`drop function if exists open_ticket_summary_apply()`.execute(db);
    await sql`drop function if exists resolution_histogram_apply()`.execute(db);
    await sql`drop index if exists tickets_resolution`.execute(db);
  }
  await db.schema.dropTable('resolution_histogram').execute();
  await db.schema.dropTable('open_ticket_summary').execute();
}
