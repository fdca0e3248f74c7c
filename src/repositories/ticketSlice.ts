/**
 * The slice of tickets a figure reads when it does not come from the all-time summaries (§6, §12):
 * a window (created at or after `since`) and/or one team. Shared by the stats repositories.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/connect.js';

/**
 * Whether the figures come from a scan of the scope's tickets rather than the all-time summaries:
 * a window (its created_at slice) or one team (its tickets_by_team slice; the summaries are not kept
 * per team).
 */
export const scansTickets = (since: number | null, teamId: number | null | undefined): boolean => since !== null || (teamId ?? null) !== null;

/** The scan's conditions (`and …`, after a first condition) for a window and a team. */
export function sliceSql(since: number | null, teamId: number | null | undefined, alias = '') {
  const column = (name: string) => sql.ref(alias ? `${alias}.${name}` : name);
  return sql`${since === null ? sql`` : sql`and ${column('created_at')} >= ${since}`} ${(teamId ?? null) === null ? sql`` : sql`and ${column('team_id')} = ${teamId}`}`;
}

/** SQLite's hint for a window's scan (without ANALYZE statistics it walks another index); none for a team alone. */
export const windowHint = (db: Db, since: number | null) => (since !== null && !(db.getExecutor().adapter instanceof PostgresAdapter) ? sql`indexed by tickets_created_at` : sql``);
