/** Team history (§14's backtest): the routing world before each admin change of teams, memberships or skills. */
import { type WorldTimeline, worldFromText, worldText, worldTimeline } from '../core/teamHistory.js';
import type { TeamWorld } from '../core/teams.js';
import type { Db } from '../db/connect.js';
import { loadTeamWorld } from './teamState.js';

/** Records `before` as the world until `at`, when the change made it `after` (nothing when it did not change). */
export async function recordTeamChange(db: Db, at: number, before: TeamWorld, after: TeamWorld): Promise<void> {
  const text = worldText(before);
  if (text === worldText(after)) return;
  await db.insertInto('team_history').values({ at, world: text }).execute();
}

/**
 * The worlds a window [from, end) went through (core/teamHistory.ts worldTimeline), or null when
 * more than `limit` changes came in it (the caller leaves the backtest out rather than replay part).
 */
export async function teamTimeline(db: Db, from: number, end: number, limit: number): Promise<WorldTimeline | null> {
  const inWindow = await db.selectFrom('team_history').select(['at', 'world']).where('at', '>', from).where('at', '<', end).orderBy('at').orderBy('id').limit(limit + 1).execute();
  if (inWindow.length > limit) return null;
  const after = await db.selectFrom('team_history').select(['at', 'world']).where('at', '>=', end).orderBy('at').orderBy('id').limit(1).execute();
  const rows = [...inWindow, ...after].map((r) => ({ at: Number(r.at), world: worldFromText(r.world) }));
  return worldTimeline(rows, await loadTeamWorld(db), end);
}
