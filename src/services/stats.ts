/**
 * The §6 figures for a time window, shaped as the §8 stats JSON: the admin dashboard, its JSON
 * feed and GET /api/v1/stats all serve this object.
 *
 * Definitions (also in the README):
 * - the window holds the tickets created at or after `now − window` (`all`: every ticket);
 * - pending = open without an agent, open = open with an agent, closed = closed;
 * - breached (§4) = open and `now > sla_due_at` (open_overdue) + closed and `closed_at > sla_due_at`
 *   (closed_late); breach_rate = breached / total (0 for an empty window); by_priority splits breached;
 * - resolution = closed_at − created_at of the window's closed tickets: mean, and the 50th and 90th
 *   percentiles by linear interpolation (PostgreSQL's percentile_cont); null when none is closed;
 * - agents: every active agent (and anyone else holding or having closed a ticket of the window),
 *   with the window's tickets it holds (open) or closed, their mean resolution and breaches.
 * - first_response (§11) = first_response_at − created_at of the window's tickets with a first
 *   public reply (target or not): mean, p50, p90 as for resolution; a ticket closed without any
 *   public reply has no first-response time;
 * - sla.targets (§11): per target (metric) and priority, the clocks that met it and those that
 *   breached it, by the rules of core/slaFigures.ts (a ticket closed without a reply meets or
 *   breaches its first-response target by its close), and met_share = met / (met + breached), null
 *   when none is decided; sla.by_metric = each metric's breached count. Unlike `breached` (§4,
 *   judged by the clock at `now`), an open ticket's resolution breach counts here once the monitor
 *   has recorded it (within a second).
 * - csat (§13) = the window's rated tickets, the good ones, and score = good / rated (null when
 *   none is rated), overall and per agent (the agent the ticket is with: who closed it); all time
 *   from csat_summary (kept by triggers), a window from its tickets; and per team (`teams`);
 * - `?team=` (§12): every figure over that team's tickets only (its agents: its active members and
 *   whoever holds or closed its tickets), read from the team's tickets rather than the summaries.
 */
import type { Db } from '../db/connect.js';
import { inReadSnapshot } from '../db/transaction.js';
import { type CsatFigure, csatTotal, deletedTeamsCsat } from '../core/csat.js';
import { metShare } from '../core/slaFigures.js';
import { SLA_METRICS, type SlaMetric } from '../core/slaClocks.js';
import { PRIORITIES, type Priority } from '../core/tickets.js';
import { durationQuantiles, FIRST_RESPONSE } from '../repositories/durationQuantiles.js';
import { type CsatCount, csatCountsByAgent, csatCountsByTeam } from '../repositories/csat.js';
import { type SlaFigureTotals, slaFigureTotals, type TargetCount } from '../repositories/slaTargets.js';
import { type AgentFigures, agentFigures, resolutionQuantiles, type StatsScope, ticketTotals } from '../repositories/stats.js';

export const STATS_WINDOWS = ['24h', '7d', '30d', 'all'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];
export const DEFAULT_STATS_WINDOW: StatsWindow = 'all';

const WINDOW_MS: Record<StatsWindow, number | null> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, all: null };

/** A window from a query string in any letter case; absent or empty means `all`; null when unknown. */
export function parseStatsWindow(raw: unknown): StatsWindow | null {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_STATS_WINDOW;
  if (typeof raw !== 'string') return null;
  const value = raw.trim().toLowerCase();
  return (STATS_WINDOWS as readonly string[]).includes(value) ? (value as StatsWindow) : null;
}

/** The first instant a window covers (null: since the beginning). */
export function windowStart(window: StatsWindow, now: number): number | null {
  const ms = WINDOW_MS[window];
  return ms === null ? null : now - ms;
}

export interface AgentStats {
  username: string;
  closed: number;
  open: number;
  avg_resolution_seconds: number | null;
  breached: number;
  presence: 'offline' | 'available' | 'away';
  /** The customers' ratings of the agent's tickets in the window (§13). */
  csat: CsatFigure;
}

/** A target's counts and share met (0..1, 4 decimals; null when nothing is decided). */
export interface TargetFigure {
  met: number;
  breached: number;
  met_share: number | null;
}

export type DurationFigures = { avg_seconds: number | null; p50_seconds: number | null; p90_seconds: number | null };

/** The §8 stats object. */
export interface Stats {
  window: StatsWindow;
  /** The team the figures are for (§12 `?team=`); null: every team. */
  team: string | null;
  total: number;
  pending: number;
  open: number;
  closed: number;
  sla: {
    breached: number;
    open_overdue: number;
    closed_late: number;
    /** breached / total, 0..1 (4 decimals); 0 when the window is empty. */
    breach_rate: number;
    by_priority: { high: number; medium: number; low: number };
    /** Breaches per target (§11): each metric's breached count in `targets`. */
    by_metric: Record<SlaMetric, number>;
    /** Per target (§11), over its priorities and per priority. */
    targets: Record<SlaMetric, TargetFigure & { by_priority: Record<Priority, TargetFigure> }>;
  };
  resolution: DurationFigures;
  first_response: DurationFigures;
  /** Customer satisfaction (§13) over the window's rated tickets. */
  csat: CsatFigure;
  agents: AgentStats[];
  /** Customer satisfaction per team (§13), every team (only the chosen one under `?team=`). */
  teams: { name: string; csat: CsatFigure }[];
  /**
   * The ratings of teams since deleted (§13), together; null when there are none, and on one
   * team's figures. With `teams` they add up to `csat`.
   */
  deleted_teams: { csat: CsatFigure } | null;
}

/** The team figures are filtered to (§12); null: every team. */
export type StatsTeam = { id: number; name: string } | null;

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms) / 1000);

const figureOf = ({ met, breached }: TargetCount): TargetFigure => ({ met, breached, met_share: metShare(met, breached) });

/** sla.targets and sla.by_metric from the counts. */
function targetFigures(totals: SlaFigureTotals): Pick<Stats['sla'], 'targets' | 'by_metric'> {
  const targets = {} as Stats['sla']['targets'];
  const byMetric = {} as Stats['sla']['by_metric'];
  for (const metric of SLA_METRICS) {
    const perPriority = totals.targets[metric];
    const sum = PRIORITIES.reduce((all, p) => ({ met: all.met + perPriority[p].met, breached: all.breached + perPriority[p].breached }), { met: 0, breached: 0 });
    targets[metric] = { ...figureOf(sum), by_priority: { high: figureOf(perPriority.high), medium: figureOf(perPriority.medium), low: figureOf(perPriority.low) } };
    byMetric[metric] = sum.breached;
  }
  return { targets, by_metric: byMetric };
}

async function figures(db: Db, window: StatsWindow, now: number, team: StatsTeam): Promise<Stats> {
  const teamId = team?.id ?? null;
  const scope: StatsScope = { since: windowStart(window, now), now, teamId };
  const totals = await ticketTotals(db, scope);
  const [p50, p90] = await resolutionQuantiles(db, scope, totals.closed, [0.5, 0.9]);
  const sla = await slaFigureTotals(db, scope.since, teamId);
  const [fr50, fr90] = await durationQuantiles(db, FIRST_RESPONSE, scope.since, sla.answered, [0.5, 0.9], teamId);
  const agents = await agentFigures(db, scope);
  const csat = await csatCountsByAgent(db, scope.since, teamId);
  const byTeam = await csatCountsByTeam(db, scope.since, teamId);
  const teamRows = await db.selectFrom('teams').select(['id', 'name']).$if(teamId !== null, (q) => q.where('id', '=', teamId!)).orderBy('id').execute();
  const breached = totals.openOverdue + totals.closedLate;
  return {
    window,
    team: team?.name ?? null,
    total: totals.total,
    pending: totals.pending,
    open: totals.open,
    closed: totals.closed,
    sla: {
      breached,
      open_overdue: totals.openOverdue,
      closed_late: totals.closedLate,
      breach_rate: totals.total === 0 ? 0 : Math.round((breached / totals.total) * 10_000) / 10_000,
      by_priority: { high: totals.breachedHigh, medium: totals.breachedMedium, low: totals.breachedLow },
      ...targetFigures(sla),
    },
    resolution: { avg_seconds: seconds(totals.avgResolutionMs), p50_seconds: seconds(p50 ?? null), p90_seconds: seconds(p90 ?? null) },
    first_response: {
      avg_seconds: seconds(sla.answered === 0 ? null : sla.firstResponseMs / sla.answered),
      p50_seconds: seconds(fr50 ?? null),
      p90_seconds: seconds(fr90 ?? null),
    },
    csat: csatTotal(csat.values()),
    agents: agentStats(agents, csat),
    teams: teamRows.map((t) => ({ name: t.name, csat: csatTotal([byTeam.get(t.id)]) })),
    deleted_teams: deletedOf(teamId === null ? deletedTeamsCsat(byTeam, teamRows.map((t) => t.id)) : null),
  };
}

const deletedOf = (csat: CsatFigure | null): Stats['deleted_teams'] => (csat === null ? null : { csat });

/** The §8 shape of the per-agent rows, each with its agent's satisfaction counts (by user id). */
export function agentStats(agents: readonly AgentFigures[], csat: ReadonlyMap<number, CsatCount>): AgentStats[] {
  return agents.map((a) => ({
    username: a.username,
    closed: a.closed,
    open: a.open,
    avg_resolution_seconds: seconds(a.avgResolutionMs),
    breached: a.breached,
    presence: a.presence,
    csat: csatTotal([csat.get(a.id)]),
  }));
}

/**
 * Computes the §6 figures for `window` at the instant `now` (the app's clock). The three aggregate
 * queries (totals, percentiles, per agent) of every team or of `team` run in one read snapshot (inReadSnapshot), so the
 * figures agree with each other; pass a transaction to run inside the caller's instead.
 */
export async function computeStats(db: Db, { window, now, team = null }: { window: StatsWindow; now: number; team?: StatsTeam }): Promise<Stats> {
  return inReadSnapshot(db, (t) => figures(t, window, now, team));
}
