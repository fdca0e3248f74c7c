/**
 * The teams as they were (§14's backtest with §12's teams): the routing world as team_history
 * stores it, and the timeline of worlds a replayed window went through. Pure.
 */
import type { QueueOrder } from './routing.js';
import type { TeamRule, TeamWorld } from './teams.js';

/** One team as stored: id, overflow team, overflow wait in ms, queue order (null: the desk's). */
type StoredTeam = [number, number | null, number | null, QueueOrder | null];
/** One agent as stored: id, teams, skills. */
type StoredMember = [number, number[], number[]];

/** A world as team_history's text: teams and agents in id order, lists sorted, so equal worlds are equal texts. */
export function worldText(world: TeamWorld): string {
  const teams: StoredTeam[] = [...world.teams.values()].sort((a, b) => a.id - b.id).map((t) => [t.id, t.overflowTeamId, t.overflowAfterMs, t.queueOrder]);
  const members: StoredMember[] = [...world.members]
    .filter(([, m]) => m.teams.length > 0 || m.skills.length > 0)
    .sort(([a], [b]) => a - b)
    .map(([id, m]) => [id, [...m.teams].sort((a, b) => a - b), [...m.skills].sort((a, b) => a - b)]);
  return JSON.stringify({ teams, members });
}

/** worldText read back. */
export function worldFromText(text: string): TeamWorld {
  const { teams, members } = JSON.parse(text) as { teams: StoredTeam[]; members: StoredMember[] };
  return {
    teams: new Map(teams.map(([id, overflowTeamId, overflowAfterMs, queueOrder]): [number, TeamRule] => [id, { id, overflowTeamId, overflowAfterMs, queueOrder }])),
    members: new Map(members.map(([id, memberTeams, skills]) => [id, { teams: memberTeams, skills }])),
  };
}

/** The worlds a replay goes through: the one at its start, then each change at its instant. */
export interface WorldTimeline {
  initial: TeamWorld;
  changes: { at: number; world: TeamWorld }[];
}

/**
 * The worlds from `from` until `end` given the team_history rows after `from` (time order; each the
 * world *before* its change at `at`; the first row at or past `end`, if any, included) and today's
 * world: the world at an instant is the first row after it, or today's when no change came since.
 */
export function worldTimeline(rows: readonly { at: number; world: TeamWorld }[], current: TeamWorld, end: number): WorldTimeline {
  if (rows.length === 0) return { initial: current, changes: [] };
  const changes = rows.map((row, i) => ({ at: row.at, world: rows[i + 1]?.world ?? current })).filter((c) => c.at < end);
  return { initial: rows[0]!.world, changes };
}

/** Those of `agents` who were members of team `teamId` in some world of the timeline. */
export function membersOver<T extends { id: number }>(agents: readonly T[], timeline: WorldTimeline, teamId: number): T[] {
  const worlds = [timeline.initial, ...timeline.changes.map((c) => c.world)];
  return agents.filter((a) => worlds.some((w) => w.members.get(a.id)?.teams.includes(teamId) ?? false));
}
