// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The dashboard's "Needs attention" panel with teams (SPEC §12): a waiting ticket needs attention
 * when no available agent may take it, which depends on its team and the skills it needs. Counting
 * the waiting tickets of a team one by one grows with the queue (200 000 deep at 1M tickets in
 * bench:scale, and all of it when a team's members are all offline at night), so:
 *
 * pending_team_summary: the waiting tickets (open, no agent) per (team_id, required_skills), kept by
 * triggers on tickets in the same transaction as the change, like open_ticket_summary. Every writer
 * of status, agent_id, team_id and required_skills (intake, routing, closing, admin moves) runs
 * under the routing lock, so these rows' locks are never contended; the triggers fire only on those
 * columns, and an update that leaves a ticket's kind and waiting as they were writes nothing.
 *
 * tickets_queue_by_team (team_id, required_skills, created_at, id) where the ticket waits: a kind's
 * oldest waiting tickets, and its waiting tickets younger than an instant (those a skill or an
 * overflow does not yet widen to an available agent), read as a range of the index.
 *
 * Backfilled from the existing tickets. Rows may hold zero.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('pending_team_summary')
    .addColumn('team_id', 'integer', (c) => c.notNull())
    .addColumn('required_skills', 'text', (c) => c.notNull())
    .addColumn('pending', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_team_summary_pkey', ['team_id', 'required_skills'])
    .execute();

  const waiting = (r: 'old' | 'new') => sql.raw(`(${r}.status = 'open' and ${r}.agent_id is null)`);
  // No `insert … as alias` (SQLite tools before 3.44 cannot read a schema with one in a trigger).
  const upsert = sql`on conflict (team_id, required_skills) do update set pending = pending_team_summary.pending + 1`;
  const remove = sql`update pending_team_summary set pending = pending - 1 where team_id = old.team_id and required_skills = old.required_skills`;
  const columns = sql.raw('status, agent_id, team_id, required_skills');

  if (pg) {
    await sql`create function pending_team_summary_apply() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and ${waiting('old')} then ${remove}; end if;
        if tg_op in ('INSERT', 'UPDATE') and ${waiting('new')} then
          insert into pending_team_summary (team_id, required_skills, pending) values (new.team_id, new.required_skills, 1) ${upsert};
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger pending_team_summary_insert after insert on tickets for each row when (${waiting('new')}) execute function pending_team_summary_apply()`.execute(db);
    await sql`create trigger pending_team_summary_update after update of ${columns} on tickets for each row
      when ((${waiting('old')} or ${waiting('new')}) and (${waiting('old')}, old.team_id, old.required_skills) is distinct from (${waiting('new')}, new.team_id, new.required_skills))
      execute function pending_team_summary_apply()`.execute(db);
    await sql`create trigger pending_team_summary_delete after delete on tickets for each row when (${waiting('old')}) execute function pending_team_summary_apply()`.execute(db);
  } else {
    await sql`create trigger pending_team_summary_insert after insert on tickets when ${waiting('new')} begin
      insert into pending_team_summary (team_id, required_skills, pending) values (new.team_id, new.required_skills, 1) ${upsert};
    end`.execute(db);
    await sql`create trigger pending_team_summary_update after update of ${columns} on tickets
      when (${waiting('old')} or ${waiting('new')})
        and (${waiting('old')} <> ${waiting('new')} or old.team_id is not new.team_id or old.required_skills is not new.required_skills)
    begin
      ${remove} and ${waiting('old')};
      insert into pending_team_summary (team_id, required_skills, pending) select new.team_id, new.required_skills, 1 where ${waiting('new')} ${upsert};
    end`.execute(db);
    await sql`create trigger pending_team_summary_delete after delete on tickets when ${waiting('old')} begin ${remove}; end`.execute(db);
  }
  await sql`create index tickets_queue_by_team on tickets (team_id, required_skills, created_at, id) where status = 'open' and agent_id is null`.execute(db);
  await rebuildPendingTeamSummary(db);
}

/** The summary recomputed from the tickets (this migration's backfill; the bench seeder after a bulk load). */
export async function rebuildPendingTeamSummary(db: Kysely<any>): Promise<void> {
  await sql`delete from pending_team_summary`.execute(db);
  await sql`insert into pending_team_summary (team_id, required_skills, pending)
    select team_id, required_skills, count(*) from tickets where status = 'open' and agent_id is null group by team_id, required_skills`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const trigger of ['pending_team_summary_insert', 'pending_team_summary_update', 'pending_team_summary_delete']) {
    if (pg) await sql`drop trigger if exists ${sql.raw(trigger)} on tickets`.execute(db);
    else await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
  }
  if (pg) await sql`drop function if exists pending_team_summary_apply()`.execute(db);
  await sql`drop index if exists tickets_queue_by_team`.execute(db);
  await db.schema.dropTable('pending_team_summary').execute();
}
