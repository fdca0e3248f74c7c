// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The §11 figures (first-response time, breaches per metric, share met per target) kept flat at
 * millions of tickets, and the all-time overdue count kept flat however deep the open backlog.
 *
 * - tickets.next_reply_met / next_reply_breached: the ticket's next-reply clocks that stopped in
 *   time and late (a ticket runs many such clocks, so the ticket counts them; the services add one
 *   as a reply or a close stops a clock, the monitor as it records a breach).
 * - sla_target_counts (2026-12-02T1900, kept until now by the services) is kept from here on by
 *   triggers on tickets, from each ticket's outcome per target (the rules of src/core/slaFigures.ts,
 *   frozen here as SQL): resolution met = closed at or before sla_due_at, breached = closed after
 *   it or open with sla_breached_at; first response (with a target) stops at the first public reply
 *   or else the close: met at or before first_response_due_at, breached after it, or open with
 *   first_response_breached_at; next reply = the ticket's two counters. An update adds the new
 *   row's outcome and takes away the old one's, so every writer (services, the monitor, admin tools,
 *   tests writing rows) keeps the counts right, in the transaction of the change.
 * - open_breach_summary: per priority, the open tickets whose resolution breach the monitor has
 *   recorded (status 'open' and sla_breached_at set), by the same trigger. The all-time dashboard's
 *   open-overdue count was open − open-not-yet-due, a walk of every open ticket not yet due (a burst
 *   of new tickets made it walk all of them); it is now this summary plus the open tickets past due
 *   that no monitor has marked yet (a second's worth: the monitor marks within 1 s).
 * - first_response_histogram: the tickets with a first public reply per bucket of
 *   first_response_at − created_at (the buckets of resolution_histogram, 2026-11-27T1600), with the
 *   sum of those times for the mean; and the index tickets_first_response_time that the exact
 *   percentiles read a few entries of, inside one bucket.
 *
 * Lock order (PostgreSQL): every statement below touches open_breach_summary first, then
 * sla_target_counts by metric (first_response, next_reply, resolution), one priority per row
 * change, and only rows whose count changes (the WHERE leaves the others unlocked). The SLA monitor
 * claims its batch's tickets in priority order, so two monitors (or a monitor and a close) bump
 * these rows in one order and cannot deadlock on them.
 *
 * Backfill: every table from the tickets. A breach recorded before §11 (an sla_breached event
 * without a metric) is a resolution breach, and the rule reads it from the ticket's sla_breached_at,
 * which that breach set. The per-ticket next-reply counters start from the recorded next-reply
 * breaches (sla_breached events naming next_reply); next-reply clocks met before this migration
 * cannot be told apart per ticket and are not counted, so sla_target_counts equals a recount of
 * the tickets from the first day.
 */

type Row = 'old' | 'new';

/** The figures' rules over the row `r` (old, new, or tickets), as 0/1 integers. */
const outcome = {
  openBreached: (r: string) => `case when ${r}.status = 'open' and ${r}.sla_breached_at is not null then 1 else 0 end`,
  resolutionMet: (r: string) => `case when ${r}.status = 'closed' and ${r}.closed_at <= ${r}.sla_due_at then 1 else 0 end`,
  resolutionBreached: (r: string) =>
    `case when (${r}.status = 'closed' and ${r}.closed_at > ${r}.sla_due_at) or (${r}.status = 'open' and ${r}.sla_breached_at is not null) then 1 else 0 end`,
  firstResponseMet: (r: string) => `case when ${firstResponseStop(r)} <= ${r}.first_response_due_at then 1 else 0 end`,
  firstResponseBreached: (r: string) =>
    `case when ${firstResponseStop(r)} > ${r}.first_response_due_at
      or (${firstResponseStop(r)} is null and ${r}.first_response_due_at is not null and ${r}.first_response_breached_at is not null) then 1 else 0 end`,
  nextReplyMet: (r: string) => `${r}.next_reply_met`,
  nextReplyBreached: (r: string) => `${r}.next_reply_breached`,
};

function firstResponseStop(r: string): string {
  return `coalesce(${r}.first_response_at, case when ${r}.status = 'closed' then ${r}.closed_at end)`;
}

/** Each sla_target_counts metric, in lock order, with its met and breached rules. */
const TARGETS = [
  { metric: 'first_response', met: outcome.firstResponseMet, breached: outcome.firstResponseBreached },
  { metric: 'next_reply', met: outcome.nextReplyMet, breached: outcome.nextReplyBreached },
  { metric: 'resolution', met: outcome.resolutionMet, breached: outcome.resolutionBreached },
] as const;

/**
 * A summary row's change for a row change: + the new row's value where the row is the new
 * priority's, − the old row's where it is the old priority's (`rows` lists which of old/new exist).
 */
function delta(rows: readonly Row[], value: (r: string) => string): string {
  return rows.map((r) => `${r === 'new' ? '+' : '-'} (case when priority = ${r}.priority then ${value(r)} else 0 end)`).join(' ');
}

/** The statements that move the summaries for one row change, in lock order; each touches only rows that change. */
function summaryStatements(rows: readonly Row[]): string[] {
  const priorities = rows.map((r) => `${r}.priority`).join(', ');
  const open = delta(rows, outcome.openBreached);
  const statements = [`update open_breach_summary set breached = breached ${open} where priority in (${priorities}) and (0 ${open}) <> 0`];
  for (const t of TARGETS) {
    const met = delta(rows, t.met);
    const breached = delta(rows, t.breached);
    statements.push(
      `update sla_target_counts set met = met ${met}, breached = breached ${breached}
        where metric = '${t.metric}' and priority in (${priorities}) and ((0 ${met}) <> 0 or (0 ${breached}) <> 0)`,
    );
  }
  return statements;
}

/** The columns the rules read. */
const FIGURE_COLUMNS = [
  'status',
  'priority',
  'closed_at',
  'sla_due_at',
  'sla_breached_at',
  'first_response_at',
  'first_response_due_at',
  'first_response_breached_at',
  'next_reply_met',
  'next_reply_breached',
] as const;

/** A new row that counts anywhere (an ordinary new ticket does not: the insert trigger skips it). */
const counts = (r: Row) =>
  `${r}.status = 'closed' or ${r}.sla_breached_at is not null or ${r}.first_response_at is not null or ${r}.first_response_breached_at is not null or ${r}.next_reply_met <> 0 or ${r}.next_reply_breached <> 0`;

/** The first-response bucket of the row `r` (the resolution buckets: 2026-11-27T1600). */
function bucket(r: string): string {
  const time = `(${r}.first_response_at - ${r}.created_at)`;
  const d = `(case when ${time} < 0 then 0 else ${time} end)`;
  return `cast(case when ${d} < 600000 then ${d} / 1000
      when ${d} < 7200000 then 600 + (${d} - 600000) / 10000
      when ${d} < 172800000 then 1260 + (${d} - 7200000) / 120000
      when ${d} < 5184000000 then 2640 + (${d} - 172800000) / 3600000
      else 4032 + (${d} - 5184000000) / 86400000 end as integer)`;
}
const answered = (r: Row) => `${r}.first_response_at is not null`;
const histogramAdd = (r: Row) => `insert into first_response_histogram (bucket, answered, total_ms) select ${bucket(r)}, 1, ${r}.first_response_at - ${r}.created_at where ${answered(r)}
  on conflict (bucket) do update set answered = first_response_histogram.answered + 1, total_ms = first_response_histogram.total_ms + excluded.total_ms`;
const histogramRemove = (r: Row) =>
  `update first_response_histogram set answered = answered - 1, total_ms = total_ms - (${r}.first_response_at - ${r}.created_at) where bucket = ${bucket(r)} and ${answered(r)}`;

const TRIGGERS = ['sla_figures_insert', 'sla_figures_update', 'sla_figures_delete', 'first_response_histogram_insert', 'first_response_histogram_update', 'first_response_histogram_delete'];

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable('tickets').addColumn('next_reply_met', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('tickets').addColumn('next_reply_breached', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update tickets set next_reply_breached = (select count(*) from ticket_events e where e.ticket_id = tickets.id and e.type = 'sla_breached' and e.metric = 'next_reply')
    where id in (select ticket_id from ticket_events where type = 'sla_breached' and metric = 'next_reply')`.execute(db);

  await db.schema
    .createTable('open_breach_summary')
    .addColumn('priority', 'varchar(10)', (c) => c.primaryKey())
    .addColumn('breached', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('first_response_histogram')
    .addColumn('bucket', 'integer', (c) => c.primaryKey())
    .addColumn('answered', 'bigint', (c) => c.notNull())
    .addColumn('total_ms', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index tickets_first_response_time on tickets ((first_response_at - created_at)) where first_response_at is not null`.execute(db);
  await rebuildSlaFigures(db);

  const columns = sql.raw(FIGURE_COLUMNS.join(', '));
  const changed = sql.raw(`(${FIGURE_COLUMNS.map((c) => `old.${c}`).join(', ')}) is distinct from (${FIGURE_COLUMNS.map((c) => `new.${c}`).join(', ')})`);
  if (pg) {
    // OLD is null in an insert trigger and NEW in a delete trigger: the statements for both rows serve all three.
    const body = summaryStatements(['old', 'new']).join(';\n');
    await sql`create function sla_figures_apply() returns trigger language plpgsql as $$ begin ${sql.raw(body)}; return null; end $$`.execute(db);
    await sql`create trigger sla_figures_insert after insert on tickets for each row when (${sql.raw(counts('new'))}) execute function sla_figures_apply()`.execute(db);
    await sql`create trigger sla_figures_update after update of ${columns} on tickets for each row when (${changed}) execute function sla_figures_apply()`.execute(db);
    await sql`create trigger sla_figures_delete after delete on tickets for each row when (${sql.raw(counts('old'))}) execute function sla_figures_apply()`.execute(db);

    await sql`create function first_response_histogram_apply() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then ${sql.raw(histogramRemove('old'))}; end if;
        if tg_op in ('INSERT', 'UPDATE') then ${sql.raw(histogramAdd('new'))}; end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger first_response_histogram_insert after insert on tickets for each row when (${sql.raw(answered('new'))}) execute function first_response_histogram_apply()`.execute(db);
    await sql`create trigger first_response_histogram_update after update of first_response_at, created_at on tickets for each row
      when ((old.first_response_at, old.created_at) is distinct from (new.first_response_at, new.created_at)) execute function first_response_histogram_apply()`.execute(db);
    await sql`create trigger first_response_histogram_delete after delete on tickets for each row when (${sql.raw(answered('old'))}) execute function first_response_histogram_apply()`.execute(db);
  } else {
    const block = (rows: readonly Row[]) => sql.raw(summaryStatements(rows).join(';\n') + ';');
    await sql`create trigger sla_figures_insert after insert on tickets when ${sql.raw(counts('new'))} begin ${block(['new'])} end`.execute(db);
    await sql`create trigger sla_figures_update after update of ${columns} on tickets when ${sql.raw(FIGURE_COLUMNS.map((c) => `old.${c} is not new.${c}`).join(' or '))}
      begin ${block(['old', 'new'])} end`.execute(db);
    await sql`create trigger sla_figures_delete after delete on tickets when ${sql.raw(counts('old'))} begin ${block(['old'])} end`.execute(db);

    await sql`create trigger first_response_histogram_insert after insert on tickets when ${sql.raw(answered('new'))} begin ${sql.raw(histogramAdd('new'))}; end`.execute(db);
    await sql`create trigger first_response_histogram_update after update of first_response_at, created_at on tickets
      when old.first_response_at is not new.first_response_at or old.created_at is not new.created_at
      begin ${sql.raw(histogramRemove('old'))}; ${sql.raw(histogramAdd('new'))}; end`.execute(db);
    await sql`create trigger first_response_histogram_delete after delete on tickets when ${sql.raw(answered('old'))} begin ${sql.raw(histogramRemove('old'))}; end`.execute(db);
  }
}

/**
 * open_breach_summary, sla_target_counts and first_response_histogram recomputed from the tickets
 * (one pass each), as the triggers keep them. Also for bulk loads that write tickets with the
 * triggers off (bench/seed.ts).
 */
export async function rebuildSlaFigures(db: Kysely<any>): Promise<void> {
  const sum = (rule: (r: string) => string) => sql.raw(`coalesce(sum(${rule('t')}), 0)`);
  const { rows } = await sql<Record<string, string | number>>`select t.priority,
      ${sum(outcome.openBreached)} as open_breached,
      ${sql.join(
        TARGETS.flatMap((target) => [sql`${sum(target.met)} as ${sql.id(`${target.metric}_met`)}`, sql`${sum(target.breached)} as ${sql.id(`${target.metric}_breached`)}`]),
        sql`, `,
      )}
    from tickets t group by t.priority`.execute(db);
  await sql`delete from open_breach_summary`.execute(db);
  await sql`delete from sla_target_counts`.execute(db);
  for (const priority of ['high', 'medium', 'low']) {
    const row = rows.find((r) => r.priority === priority);
    const value = (key: string) => Number(row?.[key] ?? 0);
    await db.insertInto('open_breach_summary').values({ priority, breached: value('open_breached') }).execute();
    for (const t of TARGETS) {
      await db.insertInto('sla_target_counts').values({ metric: t.metric, priority, met: value(`${t.metric}_met`), breached: value(`${t.metric}_breached`) }).execute();
    }
  }
  await sql`delete from first_response_histogram`.execute(db);
  await sql`insert into first_response_histogram (bucket, answered, total_ms)
    select b, count(*), sum(ms) from (select ${sql.raw(bucket('tickets'))} as b, first_response_at - created_at as ms from tickets where first_response_at is not null) t group by b`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const trigger of TRIGGERS) {
    if (pg) await sql`drop trigger if exists ${sql.raw(trigger)} on tickets`.execute(db);
    else await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
  }
  if (pg) {
    await sql`drop function if exists sla_figures_apply()`.execute(db);
    await sql`drop function if exists first_response_histogram_apply()`.execute(db);
  }
  await sql`drop index if exists tickets_first_response_time`.execute(db);
  await db.schema.dropTable('first_response_histogram').execute();
  await db.schema.dropTable('open_breach_summary').execute();
  await db.schema.alterTable('tickets').dropColumn('next_reply_breached').execute();
  await db.schema.alterTable('tickets').dropColumn('next_reply_met').execute();
}
