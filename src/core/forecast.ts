/**
 * The staffing forecast (SPEC §14) as pure decisions around the simulator: the replayed tickets
 * with their holding times drawn from what was observed, K agents on duty by the calendar, the
 * figures per K, how many agents keep breaches at or under the target, and the backtest that replays the
 * staffing really on duty beside what really happened. The shell (src/services/forecast.ts) loads
 * the history; a worker thread (src/services/forecastWorker.mjs) runs runForecast.
 */
import { type PresenceChange, simulate, type SimAgent, type SimResult, type SimTicket } from './forecastSim.js';
import { pick, type Random, seededRandom } from './prng.js';
import type { QueueOrder } from './routing.js';
import type { SkillNeed, TeamWorld } from './teams.js';
import { PRIORITIES, type Priority } from './tickets.js';

/** A ticket that arrived in the window, as the history holds it. */
export interface ArrivalRecord {
  createdAt: number;
  priority: Priority;
  /** Its stored deadline (business time of its calendar already counted in). */
  slaDueAt: number;
  /** What really happened, for the backtest: first assignment (null: never), close, breach. */
  assignedAt: number | null;
  closedAt: number | null;
  breached: boolean;
  /** Its team and the skills it was created needing (§12), for the backtest; absent: the one team, no skill. */
  teamId?: number;
  skills?: readonly SkillNeed[];
}

/** Everything a forecast needs, loaded by the shell; plain data, so it crosses to a worker thread. */
export interface ForecastJob {
  arrivals: ArrivalRecord[];
  /** Observed assignment → close durations per priority (ms). */
  holds: Record<Priority, number[]>;
  /** When agents on the calendar are on duty: open stretches from the window's start onwards. */
  duty: [number, number][];
  ks: number[];
  capacity: number;
  queueOrder: QueueOrder;
  targetPercent: number;
  seed: number;
  /**
   * The staffing really on duty (presence history), for the backtest; null when none was recorded.
   * `world`: the desk's teams and each agent's teams and skills at the window's start, which the
   * backtest routes by, and `worldChanges` the admins' changes of them in it (core/teamHistory.ts);
   * absent: every agent in one team.
   */
  actual: { agents: SimAgent[]; presence: PresenceChange[]; world?: TeamWorld; worldChanges?: { at: number; world: TeamWorld }[] } | null;
  /** The window held more presence changes than are read: no backtest (actual is null). */
  presenceTruncated?: boolean;
  window: { from: number; to: number };
}

/** The figures of one replay. */
export interface ForecastFigures {
  tickets: number;
  /** Share of tickets closed after their deadline or never closed (0–1). */
  breachRate: number;
  breachRateByPriority: Record<Priority, number | null>;
  /** Creation → first assignment; null when more than half (p50) or a tenth (p90) never got an agent. */
  waitP50Ms: number | null;
  waitP90Ms: number | null;
  /** Ticket time held on duty over the slots on duty in the window (capacity × agents × open time): 0–1. */
  utilisation: number | null;
  /** Tickets that never got an agent (nobody on duty to the end of the replay). */
  unserved: number;
}

export interface ForecastResult {
  rows: ({ agents: number } & ForecastFigures)[];
  /** The fewest agents of the range keeping breaches at or under the target; null when none does. */
  neededAgents: number | null;
  backtest: { predicted: ForecastFigures; actual: Omit<ForecastFigures, 'utilisation' | 'unserved'> & { agentsSeen: number } } | null;
}

/** The one team the forecast's agents form: every simulated agent takes every replayed ticket. */
export function singleTeamWorld(agentIds: readonly number[]): TeamWorld {
  return { teams: new Map([[1, { id: 1, overflowTeamId: null, overflowAfterMs: null, queueOrder: null }]]), members: new Map(agentIds.map((id) => [id, { teams: [1], skills: [] }])) };
}

/**
 * The replayed tickets: each arrival with a holding time drawn from the observed ones of its
 * priority (all priorities pooled when its own has none). Drawn once per forecast, so every K
 * replays the same tickets with the same holds and the figures differ only by the staffing.
 */
export function ticketsToReplay(arrivals: readonly ArrivalRecord[], holds: Record<Priority, number[]>, random: Random): SimTicket[] {
  const pooled = PRIORITIES.flatMap((p) => holds[p]);
  if (pooled.length === 0) throw new RangeError('no observed holding times');
  return arrivals.map((a, i) => ({
    id: i + 1,
    createdAt: a.createdAt,
    slaDueAt: a.slaDueAt,
    priority: a.priority,
    teamId: 1,
    skills: [],
    holdMs: Math.max(0, pick(random, holds[a.priority].length > 0 ? holds[a.priority] : pooled)),
  }));
}

/**
 * A world of the backtest: the desk's teams and its agents' teams and skills (at one instant), plus
 * any team a replayed ticket names that no longer exists (a deleted team keeps its closed tickets),
 * which every agent may take as the forecast's one team: nobody would, and the replay would
 * count them never served.
 */
export function backtestWorld(world: TeamWorld, agentIds: readonly number[], ticketTeamIds: Iterable<number>): TeamWorld {
  const gone = [...new Set(ticketTeamIds)].filter((id) => !world.teams.has(id));
  if (gone.length === 0) return world;
  const teams = new Map(world.teams);
  for (const id of gone) teams.set(id, { id, overflowTeamId: null, overflowAfterMs: null, queueOrder: null });
  const members = new Map(world.members);
  for (const agentId of agentIds) {
    const member = members.get(agentId) ?? { teams: [], skills: [] };
    members.set(agentId, { teams: [...member.teams, ...gone], skills: member.skills });
  }
  return { teams, members };
}

/** K agents (ids 1…K) on duty in every open stretch, offline between them. */
export function dutyRoster(k: number, duty: readonly [number, number][]): PresenceChange[] {
  const changes: PresenceChange[] = [];
  for (const [open, close] of duty) {
    for (let id = 1; id <= k; id++) changes.push({ at: open, agentId: id, presence: 'available' });
    for (let id = 1; id <= k; id++) changes.push({ at: close, agentId: id, presence: 'offline' });
  }
  return changes;
}

/** Nearest-rank quantile of sorted values; null when it falls on a ticket that never got an agent. */
function quantile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return Number.isFinite(value) ? value : null;
}

/** Breach and wait figures of tickets given their deadlines, first assignments and closes. */
export function outcomeFigures(
  tickets: readonly { priority: Priority; createdAt: number; slaDueAt: number }[],
  assignedAt: (i: number) => number | null,
  breached: (i: number) => boolean,
): Omit<ForecastFigures, 'utilisation' | 'unserved'> & { unserved: number } {
  const waits = new Float64Array(tickets.length);
  const counts = { high: [0, 0], medium: [0, 0], low: [0, 0] } as Record<Priority, [number, number]>;
  let breaches = 0;
  let unserved = 0;
  tickets.forEach((t, i) => {
    const at = assignedAt(i);
    if (at === null) unserved++;
    waits[i] = at === null ? Number.POSITIVE_INFINITY : at - t.createdAt;
    const late = breached(i);
    if (late) breaches++;
    counts[t.priority][0]++;
    if (late) counts[t.priority][1]++;
  });
  waits.sort();
  const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, counts[p][0] === 0 ? null : counts[p][1] / counts[p][0]])) as Record<Priority, number | null>;
  return {
    tickets: tickets.length,
    breachRate: tickets.length === 0 ? 0 : breaches / tickets.length,
    breachRateByPriority: byPriority,
    waitP50Ms: quantile(waits, 0.5),
    waitP90Ms: quantile(waits, 0.9),
    unserved,
  };
}

/** Open slot time in the window: each agent's available time × capacity, cut to [from, to). */
function slotMsOnDuty(presence: readonly PresenceChange[], agents: readonly SimAgent[], window: { from: number; to: number }): number {
  const capacity = new Map(agents.map((a) => [a.id, a.capacity]));
  const since = new Map<number, number>();
  let total = 0;
  const close = (agentId: number, at: number) => {
    const start = since.get(agentId);
    if (start === undefined) return;
    since.delete(agentId);
    total += Math.max(0, Math.min(at, window.to) - Math.max(start, window.from)) * (capacity.get(agentId) ?? 0);
  };
  for (const change of presence) {
    if (change.presence === 'available') {
      if (!since.has(change.agentId)) since.set(change.agentId, change.at);
    } else close(change.agentId, change.at);
  }
  for (const agentId of [...since.keys()]) close(agentId, window.to);
  return total;
}

/** The figures of one replay of `tickets` with these agents and presence changes. */
export function replayFigures(
  tickets: readonly SimTicket[],
  agents: readonly SimAgent[],
  presence: readonly PresenceChange[],
  job: Pick<ForecastJob, 'queueOrder' | 'window'>,
  world: TeamWorld = singleTeamWorld(agents.map((a) => a.id)),
  worldChanges: readonly { at: number; world: TeamWorld }[] = [],
): ForecastFigures {
  const result: SimResult = simulate({ tickets, agents, presence, world, worldChanges, queueOrder: job.queueOrder, measure: job.window });
  const assigned = (i: number) => (Number.isNaN(result.assignedAt[i]!) ? null : result.assignedAt[i]!);
  const figures = outcomeFigures(tickets, assigned, (i) => !(result.closedAt[i]! <= tickets[i]!.slaDueAt));
  const slots = slotMsOnDuty(presence, agents, job.window);
  return { ...figures, utilisation: slots === 0 ? null : result.heldOnDutyMs / slots };
}

/** The fewest agents whose breach rate is at or under `targetPercent` %, or null. */
export function neededAgents(rows: readonly { agents: number; breachRate: number }[], targetPercent: number): number | null {
  const enough = rows.filter((r) => r.breachRate * 100 <= targetPercent + 1e-9).map((r) => r.agents);
  return enough.length === 0 ? null : Math.min(...enough);
}

/** Runs the whole forecast: every K of the range, and the backtest when the staffing is known. */
export function runForecast(job: ForecastJob): ForecastResult {
  const tickets = ticketsToReplay(job.arrivals, job.holds, seededRandom(job.seed));
  const rows = job.ks.map((k) => {
    const agents = Array.from({ length: k }, (_, i) => ({ id: i + 1, capacity: job.capacity }));
    return { agents: k, ...replayFigures(tickets, agents, dutyRoster(k, job.duty), job) };
  });
  let backtest: ForecastResult['backtest'] = null;
  if (job.actual && job.actual.agents.length > 0) {
    const { agents, presence, world, worldChanges = [] } = job.actual;
    // The real staffing is routed by the real teams, as they were at each instant: each ticket in its own team with its skills.
    const replayed = world ? tickets.map((t, i) => ({ ...t, teamId: job.arrivals[i]!.teamId ?? t.teamId, skills: job.arrivals[i]!.skills ?? [] })) : tickets;
    const withGone = (w: TeamWorld) => backtestWorld(w, agents.map((a) => a.id), replayed.map((t) => t.teamId));
    const predicted = world
      ? replayFigures(replayed, agents, presence, job, withGone(world), worldChanges.map((c) => ({ at: c.at, world: withGone(c.world) })))
      : replayFigures(tickets, agents, presence, job);
    const { unserved: _unserved, ...actual } = outcomeFigures(job.arrivals, (i) => job.arrivals[i]!.assignedAt, (i) => job.arrivals[i]!.breached);
    backtest = { predicted, actual: { ...actual, agentsSeen: job.actual.agents.length } };
  }
  return { rows, neededAgents: neededAgents(rows, job.targetPercent), backtest };
}

/** Fewer closed tickets than this to draw holding times from, and the forecast says it is rough. */
export const FEW_HOLDING_TIMES = 30;

/**
 * The caveat a forecast carries when its holding times (assignment → close) come from few closed
 * tickets: every replayed ticket draws its time from them, so a handful makes the answer a guess
 * (QA: a young desk's "you need 1 agent" from 3 closed tickets). Null when there are enough.
 */
export function holdingTimesCaveat(closedTickets: number): string | null {
  if (closedTickets >= FEW_HOLDING_TIMES) return null;
  const tickets = closedTickets === 1 ? '1 closed ticket' : `${closedTickets} closed tickets`;
  return `The time agents hold a ticket is learnt from ${tickets} only (fewer than ${FEW_HOLDING_TIMES}): treat these figures as rough, or choose a longer window.`;
}
