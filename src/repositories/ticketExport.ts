/** The CSV export's columns that /admin/tickets/'s rows lack (README, "Export"), for a batch of tickets. */
import type { Db } from '../db/connect.js';

export interface TicketExportDetails {
  id: number;
  team_name: string | null;
  topic_name: string | null;
  assigned_at: number | null;
  first_response_at: number | null;
  sla_paused_at: number | null;
  csat_score: 'good' | 'bad' | null;
}

/** The details of the tickets `ids` (one batch, by primary key), by id. */
export async function exportDetailsOf(db: Db, ids: readonly number[]): Promise<Map<number, TicketExportDetails>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('tickets as t')
    .leftJoin('teams as tm', 'tm.id', 't.team_id')
    .leftJoin('topics as tp', 'tp.id', 't.topic_id')
    .select(['t.id', 'tm.name as team_name', 'tp.name as topic_name', 't.assigned_at', 't.first_response_at', 't.sla_paused_at', 't.csat_score'])
    .where('t.id', 'in', [...ids])
    .execute();
  return new Map(rows.map((row) => [row.id, row]));
}
