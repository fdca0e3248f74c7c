// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Customer satisfaction (§13): a closed ticket's rating, on the ticket, and its figures kept flat
 * at millions of tickets.
 *
 * - tickets.csat_score ('good' | 'bad', null: not rated), csat_comment (null: none), csat_rated_at
 *   (the latest rating's instant, ms). One rating per ticket: a change overwrites it. On the ticket
 *   rather than a table of its own, so the windowed figures count it in the scan of the window's
 *   tickets that the other figures make, and ticket pages read it with the ticket.
 * - csat_summary: per agent (agent_id 0: none), the rated tickets and the good ones. Triggers on
 *   tickets keep it in the transaction of every change of csat_score or agent_id (add the new row's
 *   share, take away the old one's), so every writer keeps it right. The all-time figures read
 *   these few rows instead of the tickets. When tickets gain a team, a sibling summary keyed by
 *   team (or a team_id column here) is kept the same way.
 *
 * Lock order (PostgreSQL): a rating locks its ticket, then touches the old agent's row before the
 * new one's only when the agent changes (never at once with a rating); one row otherwise.
 */
type Row = 'old' | 'new';

const agent = (r: Row) => `coalesce(${r}.agent_id, 0)`;
const good = (r: Row) => `case when ${r}.csat_score = 'good' then 1 else 0 end`;
const add = (r: Row) => `insert into csat_summary (agent_id, rated, good) select ${agent(r)}, 1, ${good(r)} where ${r}.csat_score is not null
  on conflict (agent_id) do update set rated = csat_summary.rated + 1, good = csat_summary.good + excluded.good`;
const remove = (r: Row) => `update csat_summary set rated = rated - 1, good = good - ${good(r)} where agent_id = ${agent(r)} and ${r}.csat_score is not null`;

const TRIGGERS = ['csat_summary_insert', 'csat_summary_update', 'csat_summary_delete'];

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable('tickets').addColumn('csat_score', 'varchar(4)').execute();
  await db.schema.alterTable('tickets').addColumn('csat_comment', 'text').execute();
  await db.schema.alterTable('tickets').addColumn('csat_rated_at', 'bigint').execute();
  await db.schema
    .createTable('csat_summary')
    .addColumn('agent_id', 'integer', (c) => c.primaryKey())
    .addColumn('rated', 'bigint', (c) => c.notNull())
    .addColumn('good', 'bigint', (c) => c.notNull())
    .execute();

  if (pg) {
    await sql`create function csat_summary_apply() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then ${sql.raw(remove('old'))}; end if;
        if tg_op in ('INSERT', 'UPDATE') then ${sql.raw(add('new'))}; end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger csat_summary_insert after insert on tickets for each row when (new.csat_score is not null) execute function csat_summary_apply()`.execute(db);
    await sql`create trigger csat_summary_update after update of csat_score, agent_id on tickets for each row
      when ((old.csat_score, old.agent_id) is distinct from (new.csat_score, new.agent_id) and (old.csat_score is not null or new.csat_score is not null))
      execute function csat_summary_apply()`.execute(db);
    await sql`create trigger csat_summary_delete after delete on tickets for each row when (old.csat_score is not null) execute function csat_summary_apply()`.execute(db);
  } else {
    await sql`create trigger csat_summary_insert after insert on tickets when new.csat_score is not null begin ${sql.raw(add('new'))}; end`.execute(db);
    await sql`create trigger csat_summary_update after update of csat_score, agent_id on tickets
      when (old.csat_score is not new.csat_score or old.agent_id is not new.agent_id) and (old.csat_score is not null or new.csat_score is not null)
      begin ${sql.raw(remove('old'))}; ${sql.raw(add('new'))}; end`.execute(db);
    await sql`create trigger csat_summary_delete after delete on tickets when old.csat_score is not null begin ${sql.raw(remove('old'))}; end`.execute(db);
  }
}

/** csat_summary recomputed from the tickets (one pass), as the triggers keep it; for bulk loads with the triggers off (bench/seed.ts). */
export async function rebuildCsatSummary(db: Kysely<any>): Promise<void> {
  await sql`delete from csat_summary`.execute(db);
  await sql`insert into csat_summary (agent_id, rated, good)
    select coalesce(agent_id, 0), count(*), sum(case when csat_score = 'good' then 1 else 0 end) from tickets where csat_score is not null group by coalesce(agent_id, 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const trigger of TRIGGERS) {
    if (pg) await sql`drop trigger if exists ${sql.raw(trigger)} on tickets`.execute(db);
    else await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
  }
  if (pg) await sql`drop function if exists csat_summary_apply()`.execute(db);
  await db.schema.dropTable('csat_summary').execute();
  await db.schema.alterTable('tickets').dropColumn('csat_rated_at').execute();
  await db.schema.alterTable('tickets').dropColumn('csat_comment').execute();
  await db.schema.alterTable('tickets').dropColumn('csat_score').execute();
}
