/**
 * The §13 satisfaction counts per agent (agent_id 0: none): rated tickets and good ones.
 *
 * All time: csat_summary, a row per agent kept by triggers in the transaction of every rating
 * (migration 2026-12-04T1200), so a million tickets cost a handful of rows. A window: the window's
 * tickets (created at or after `since`, like every windowed figure), one pass of their created_at
 * slice. Both count the same rows, so a window holding every ticket gives the all-time counts.
 *
 * One team's counts (`?team=`, §12) and the counts per team read the tickets (rated ones, by the
 * window's slice or the team's): csat_summary is kept per agent only.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { scansTickets, sliceSql, windowHint } from './ticketSlice.js';

export interface CsatCount {
  rated: number;
  good: number;
}

/** Rated and good tickets per `key` (agent_id or team_id, null as 0) over the window's and team's slice. */
async function countsBy(db: Db, key: 'agent_id' | 'team_id', since: number | null, teamId: number | null): Promise<Map<number, CsatCount>> {
  const column = sql.ref(key);
  const { rows } = await sql<{ k: number; rated: number; good: number }>`select coalesce(${column}, 0) as k, count(*) as rated,
      coalesce(sum(case when csat_score = 'good' then 1 else 0 end), 0) as good
    from tickets ${windowHint(db, since)}
    where csat_score is not null ${sliceSql(since, teamId)} group by coalesce(${column}, 0)`.execute(db);
  return new Map(rows.map((r) => [Number(r.k), { rated: Number(r.rated), good: Number(r.good) }]));
}

/** Rated and good tickets per agent id (0: no agent), for the tickets created at or after `since` (null: all time), of one team or all. */
export async function csatCountsByAgent(db: Db, since: number | null, teamId: number | null = null): Promise<Map<number, CsatCount>> {
  if (scansTickets(since, teamId)) return countsBy(db, 'agent_id', since, teamId);
  const rows = await db.selectFrom('csat_summary').select(['agent_id', 'rated', 'good']).where('rated', '>', 0).execute();
  return new Map(rows.map((r) => [Number(r.agent_id), { rated: Number(r.rated), good: Number(r.good) }]));
}

/** Rated and good tickets per team id, for the tickets created at or after `since` (null: all time), of one team or all. */
export async function csatCountsByTeam(db: Db, since: number | null, teamId: number | null = null): Promise<Map<number, CsatCount>> {
  return countsBy(db, 'team_id', since, teamId);
}
