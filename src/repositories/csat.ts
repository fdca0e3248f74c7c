/**
 * The §13 satisfaction counts per agent (agent_id 0: none): rated tickets and good ones.
 *
 * All time: csat_summary, a row per agent kept by triggers in the transaction of every rating
 * (migration 2026-12-04T1200), so a million tickets cost a handful of rows. A window: the window's
 * tickets (created at or after `since`, like every windowed figure), one pass of their created_at
 * slice. Both count the same rows, so a window holding every ticket gives the all-time counts.
 *
 * Per team: when tickets carry a team (issue 17's teams branch), group by it here the same way:
 * a team-keyed summary beside csat_summary for all time, `group by team_id` for a window.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { dialectOf } from './stats.js';

export interface CsatCount {
  rated: number;
  good: number;
}

/** Rated and good tickets per agent id (0: no agent), for the tickets created at or after `since` (null: all time). */
export async function csatCountsByAgent(db: Db, since: number | null): Promise<Map<number, CsatCount>> {
  const rows =
    since === null
      ? await db.selectFrom('csat_summary').select(['agent_id', 'rated', 'good']).where('rated', '>', 0).execute()
      : (
          await sql<{ agent_id: number; rated: number; good: number }>`select coalesce(agent_id, 0) as agent_id, count(*) as rated,
              coalesce(sum(case when csat_score = 'good' then 1 else 0 end), 0) as good
            from tickets ${dialectOf(db) === 'sqlite' ? sql`indexed by tickets_created_at` : sql``}
            where created_at >= ${since} and csat_score is not null group by coalesce(agent_id, 0)`.execute(db)
        ).rows;
  return new Map(rows.map((r) => [Number(r.agent_id), { rated: Number(r.rated), good: Number(r.good) }]));
}
