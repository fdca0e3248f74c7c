/**
 * For the tests of the trigger-kept dashboard tables (open_ticket_summary, resolution_histogram):
 * randomized tickets from a seeded generator, the tables recounted from the tickets, and the
 * all-time figures computed the slow, straightforward way (every ticket loaded, percentiles by
 * sorting in JavaScript).
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import { csatFigure, csatTotal } from '../../src/core/csat.js';
import { resolutionBucket } from '../../src/core/resolution-histogram.js';
import { firstResponseOutcome, isOpenBreached, metShare, resolutionOutcome, type TargetOutcome } from '../../src/core/slaFigures.js';
import { SLA_METRICS, type SlaMetric } from '../../src/core/slaClocks.js';
import { PRIORITIES, type Priority } from '../../src/core/tickets.js';
import { durationQuantiles, FIRST_RESPONSE } from '../../src/repositories/durationQuantiles.js';
import type { Db } from '../../src/db/connect.js';
import type { NewTicketRow, TicketRow } from '../../src/db/schema.js';
import { agentFigures, resolutionQuantiles } from '../../src/repositories/stats.js';
import { insertUser } from '../../src/repositories/users.js';
import { agentStats, computeStats, type Stats } from '../../src/services/stats.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** mulberry32: a small seeded generator, so a failure replays. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

/** Resolutions on and around every bucket edge (widths change at 10 min, 2 h, 2 days, 60 days), and negatives. */
export const EDGE_RESOLUTIONS = [
  -5000, -1, 0, 1, 999, 1000, 1001, 59_999, 599_999, 600_000, 600_001, 609_999, 610_000, 7_199_999, 7_200_000, 7_200_001, 7_319_999, 7_320_000, 172_799_999, 172_800_000,
  172_800_001, 176_399_999, 176_400_000, 5_183_999_999, 5_184_000_000, 5_184_000_001, 5_270_399_999, 5_270_400_000, 20_000_000_000,
];
const RANGES: [number, number][] = [
  [0, 10 * M],
  [10 * M, 2 * H],
  [2 * H, 2 * D],
  [2 * D, 60 * D],
  [60 * D, 400 * D],
];

/** A resolution time: an edge, a value from one of the bucket widths' ranges, or one already used. */
export function resolution(r: Rng, used: number[]): number {
  let value: number;
  if (used.length > 0 && r.chance(0.2)) value = r.pick(used);
  else if (r.chance(0.3)) value = r.pick(EDGE_RESOLUTIONS);
  else {
    const [lo, hi] = r.pick(RANGES);
    value = r.int(lo, hi - 1);
  }
  used.push(value);
  return value;
}

const LIMITS = [1 * M, 4 * M, 1 * H, 1 * D, 3 * D];

export async function addAgents(db: Db, prefix: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let k = 0; k < n; k++) {
    ids.push(await insertUser(db, { username: `${prefix}${k}`, display_name: `${prefix} ${k}`, email: `${prefix}${k}@team.test`, password_hash: 'x', role: 'agent', capacity: 10, presence: 'available', last_assigned_at: null, active: 1, created_at: 0 }));
  }
  return ids;
}

let tokenSeq = 0;

/**
 * `n` random tickets as of `now`: half closed (a few without closed_at), the rest pending or held by
 * one of `agents`; deadlines on both sides of `now` (some hours or days ahead); open tickets past
 * their deadline marked breached as the monitor would (after the deadline, at or before `now`) or
 * not yet marked.
 */
export function randomTickets(r: Rng, n: number, now: number, agents: readonly number[], used: number[], options: SlaOption = { sla: true }): NewTicketRow[] {
  const rows: NewTicketRow[] = [];
  for (let i = 0; i < n; i++) {
    const created = now - r.int(0, r.chance(0.3) ? 3 * H : 20 * D);
    const due = created + r.pick(LIMITS);
    const state = r.pick(['closed', 'closed', 'pending', 'open'] as const);
    const agent = state === 'pending' ? null : r.chance(0.9) ? r.pick(agents) : null;
    const closedAt = state !== 'closed' ? null : r.chance(0.03) ? null : created + resolution(r, used);
    const marked = state !== 'closed' && due < now && r.chance(0.6) ? Math.min(now, due + r.int(1, 2000)) : null;
    // §11: a first-response target on half, answered on some (edges too), its breach recorded on
    // some unanswered ones past due; next-reply clocks counted on a few.
    const firstDue = r.chance(0.5) ? created + r.pick(LIMITS) : null;
    const firstAt = state !== 'pending' && r.chance(0.6) ? created + (r.chance(0.2) ? r.pick(EDGE_RESOLUTIONS) : r.int(0, 2 * H)) : null;
    const firstMarked = firstDue !== null && firstAt === null && firstDue < (closedAt ?? now) && r.chance(0.6) ? firstDue + 1 : null;
    const sla = {
      first_response_due_at: firstDue,
      first_response_at: firstAt,
      first_response_breached_at: firstMarked,
      next_reply_met: r.chance(0.3) ? r.int(1, 3) : 0,
      next_reply_breached: r.chance(0.2) ? r.int(1, 2) : 0,
    };
    // §13: some closed tickets rated (a few open ones too, as a reopened ticket keeps its rating).
    const score = options.csat && r.chance(state === 'closed' ? 0.5 : 0.05) ? r.pick(['good', 'good', 'bad'] as const) : null;
    rows.push({
      ...(options.sla ? sla : {}),
      ...(options.csat ? { csat_score: score, csat_rated_at: score === null ? null : now } : {}),
      token: `gen-${++tokenSeq}-${r.int(0, 1e9)}`,
      customer_name: 'C',
      customer_email: 'c@example.com',
      title: 'T',
      description: 'D',
      priority: r.pick(PRIORITIES),
      status: state === 'closed' ? 'closed' : 'open',
      agent_id: agent,
      created_at: created,
      assigned_at: agent === null ? null : created,
      closed_at: closedAt,
      sla_due_at: due,
      sla_breached_at: marked,
    });
  }
  return rows;
}

export async function insertTickets(db: Db, rows: NewTicketRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) await db.insertInto('tickets').values(rows.slice(i, i + 100)).execute();
}

export async function allTickets(db: Db): Promise<TicketRow[]> {
  return (await db.selectFrom('tickets').selectAll().orderBy('id').execute()).map((t) => ({
    ...t,
    agent_id: t.agent_id === null ? null : Number(t.agent_id),
    created_at: Number(t.created_at),
    closed_at: t.closed_at === null ? null : Number(t.closed_at),
    sla_due_at: Number(t.sla_due_at),
  }));
}

/** §11 target counts per metric and priority, recounted from the tickets by the rules of core/slaFigures.ts. */
export function recountTargets(tickets: readonly TicketRow[]): Record<SlaMetric, Record<Priority, { met: number; breached: number }>> {
  const counts = Object.fromEntries(SLA_METRICS.map((m) => [m, Object.fromEntries(PRIORITIES.map((p) => [p, { met: 0, breached: 0 }]))])) as ReturnType<typeof recountTargets>;
  const add = (metric: SlaMetric, t: TicketRow, outcome: TargetOutcome, n = 1) => {
    if (outcome !== null) counts[metric][t.priority][outcome] += n;
  };
  for (const t of tickets) {
    add('resolution', t, resolutionOutcome(t));
    add('first_response', t, firstResponseOutcome(t));
    add('next_reply', t, 'met', t.next_reply_met);
    add('next_reply', t, 'breached', t.next_reply_breached);
  }
  return counts;
}

/** First-response times of the tickets that have one, ascending. */
export function firstResponseTimes(tickets: readonly TicketRow[]): number[] {
  return tickets
    .filter((t) => t.first_response_at !== null)
    .map((t) => t.first_response_at! - t.created_at)
    .sort((a, b) => a - b);
}

/** §11's summaries (open_breach_summary, sla_target_counts, first_response_histogram) against a recount of the tickets. */
async function expectSlaSummariesMatchTickets(db: Db, tickets: readonly TicketRow[]): Promise<void> {
  const openBreached = Object.fromEntries(PRIORITIES.map((p) => [p, tickets.filter((t) => t.priority === p && isOpenBreached(t)).length]));
  const summary = await db.selectFrom('open_breach_summary').select(['priority', 'breached']).execute();
  expect(Object.fromEntries(summary.map((row) => [row.priority, Number(row.breached)]))).toEqual(openBreached);
  const counts = await db.selectFrom('sla_target_counts').select(['metric', 'priority', 'met', 'breached']).execute();
  const stored = Object.fromEntries(SLA_METRICS.map((m) => [m, Object.fromEntries(PRIORITIES.map((p) => [p, { met: 0, breached: 0 }]))]));
  for (const row of counts) stored[row.metric]![row.priority] = { met: Number(row.met), breached: Number(row.breached) };
  expect(stored).toEqual(recountTargets(tickets));
  const histogram = new Map<number, { answered: number; total: number }>();
  for (const ms of firstResponseTimes(tickets)) {
    const entry = histogram.get(resolutionBucket(ms)) ?? { answered: 0, total: 0 };
    histogram.set(resolutionBucket(ms), { answered: entry.answered + 1, total: entry.total + ms });
  }
  const rows = await db.selectFrom('first_response_histogram').select(['bucket', 'answered', 'total_ms']).where('answered', '<>', 0).orderBy('bucket').execute();
  expect(rows.map((row) => [Number(row.bucket), Number(row.answered), Number(row.total_ms)])).toEqual([...histogram].sort((a, b) => a[0] - b[0]).map(([b, e]) => [b, e.answered, e.total]));
}

/**
 * Whether the schema has §11's figures (migration 2026-12-03T0900) and §13's ratings (2026-12-04T1200):
 * the migration tests run older schemas too. Ratings are checked with the SLA figures unless told,
 * and generated only when asked (`csat`), so rows for older schemas stay insertable.
 */
export interface SlaOption {
  sla: boolean;
  csat?: boolean;
  /** pending_team_summary (2026-12-14T0900); checked with the ratings unless told. */
  pendingTeams?: boolean;
}

/** open_ticket_summary and resolution_histogram (non-zero rows), and §11's summaries, against a recount of the tickets. */
export async function expectSummariesMatchTickets(db: Db, options: SlaOption = { sla: true }): Promise<void> {
  const tickets = await allTickets(db);
  if (options.sla) await expectSlaSummariesMatchTickets(db, tickets);
  if (options.csat ?? options.sla) await expectCsatSummaryMatchesTickets(db, tickets);
  if (options.pendingTeams ?? options.csat ?? options.sla) await expectPendingTeamSummaryMatchesTickets(db, tickets);
  const open = new Map<string, number>();
  const histogram = new Map<number, number>();
  for (const t of tickets) {
    if (t.status === 'open') {
      const key = `${t.priority}/${t.agent_id === null ? 0 : 1}`;
      open.set(key, (open.get(key) ?? 0) + 1);
    } else if (t.closed_at !== null) {
      const bucket = resolutionBucket(t.closed_at - t.created_at);
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    }
  }
  const openRows = await db.selectFrom('open_ticket_summary').select(['priority', 'assigned', 'open']).where('open', '<>', 0).execute();
  expect(Object.fromEntries(openRows.map((row) => [`${row.priority}/${Number(row.assigned)}`, Number(row.open)]))).toEqual(Object.fromEntries(open));
  const histogramRows = await db.selectFrom('resolution_histogram').select(['bucket', 'closed']).where('closed', '<>', 0).orderBy('bucket').execute();
  expect(histogramRows.map((row) => [Number(row.bucket), Number(row.closed)])).toEqual([...histogram].sort((a, b) => a[0] - b[0]));
}

/** pending_team_summary (non-zero rows) against the waiting tickets counted per team and required skills. */
async function expectPendingTeamSummaryMatchesTickets(db: Db, tickets: readonly TicketRow[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const t of tickets) {
    const key = `${t.team_id} ${t.required_skills}`;
    if (t.status === 'open' && t.agent_id === null) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = await db.selectFrom('pending_team_summary').select(['team_id', 'required_skills', 'pending']).where('pending', '<>', 0).execute();
  expect(Object.fromEntries(rows.map((row) => [`${row.team_id} ${row.required_skills}`, Number(row.pending)]))).toEqual(Object.fromEntries(counts));
}

/** Rated and good tickets per agent (0: none), or per team, recounted from the tickets. */
export function recountCsat(tickets: readonly TicketRow[], by: 'agent' | 'team' = 'agent'): Map<number, { rated: number; good: number }> {
  const counts = new Map<number, { rated: number; good: number }>();
  for (const t of tickets) {
    if (t.csat_score === null) continue;
    const key = by === 'team' ? t.team_id : (t.agent_id ?? 0);
    const entry = counts.get(key) ?? { rated: 0, good: 0 };
    counts.set(key, { rated: entry.rated + 1, good: entry.good + (t.csat_score === 'good' ? 1 : 0) });
  }
  return counts;
}

/** csat_summary (non-zero rows) against a recount of the tickets. */
async function expectCsatSummaryMatchesTickets(db: Db, tickets: readonly TicketRow[]): Promise<void> {
  const rows = await db.selectFrom('csat_summary').select(['agent_id', 'rated', 'good']).where('rated', '<>', 0).execute();
  expect(Object.fromEntries(rows.map((row) => [Number(row.agent_id), { rated: Number(row.rated), good: Number(row.good) }]))).toEqual(Object.fromEntries(recountCsat(tickets)));
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

/** percentile_cont: linear interpolation at p·(n−1) of the sorted values. */
export function percentileCont(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const position = p * (sorted.length - 1);
  const k = Math.floor(position);
  const lower = sorted[k]!;
  const upper = sorted[k + 1] ?? lower;
  return lower + (position - k) * (upper - lower);
}

/** The all-time §6 figures from every ticket, loaded and counted one by one. */
export async function slowAllTimeStats(db: Db, now: number): Promise<Stats> {
  const tickets = await allTickets(db);
  const closed = tickets.filter((t) => t.status === 'closed');
  const open = tickets.filter((t) => t.status === 'open');
  const overdue = (t: TicketRow) => t.status === 'open' && t.sla_due_at < now;
  const late = (t: TicketRow) => t.status === 'closed' && t.closed_at !== null && t.closed_at > t.sla_due_at;
  const breached = tickets.filter((t) => overdue(t) || late(t));
  const resolutions = closed.filter((t) => t.closed_at !== null).map((t) => t.closed_at! - t.created_at);
  const sorted = [...resolutions].sort((a, b) => a - b);
  const byPriority = (p: string) => breached.filter((t) => t.priority === p).length;
  const agents = await agentFigures(db, { since: -Number.MAX_SAFE_INTEGER, now });
  const counts = recountTargets(tickets);
  const figure = ({ met, breached }: { met: number; breached: number }) => ({ met, breached, met_share: metShare(met, breached) });
  const total = (m: SlaMetric) => PRIORITIES.reduce((a, p) => ({ met: a.met + counts[m][p].met, breached: a.breached + counts[m][p].breached }), { met: 0, breached: 0 });
  const targetOf = (m: SlaMetric) => ({ ...figure(total(m)), by_priority: { high: figure(counts[m].high), medium: figure(counts[m].medium), low: figure(counts[m].low) } });
  const firstTimes = firstResponseTimes(tickets);
  const csat = recountCsat(tickets);
  const byTeam = recountCsat(tickets, 'team');
  const teams = await db.selectFrom('teams').select(['id', 'name']).orderBy('id').execute();
  return {
    window: 'all',
    team: null,
    total: tickets.length,
    pending: open.filter((t) => t.agent_id === null).length,
    open: open.filter((t) => t.agent_id !== null).length,
    closed: closed.length,
    sla: {
      breached: breached.length,
      open_overdue: tickets.filter(overdue).length,
      closed_late: tickets.filter(late).length,
      breach_rate: tickets.length === 0 ? 0 : Math.round((breached.length / tickets.length) * 10_000) / 10_000,
      by_priority: { high: byPriority('high'), medium: byPriority('medium'), low: byPriority('low') },
      by_metric: { resolution: total('resolution').breached, first_response: total('first_response').breached, next_reply: total('next_reply').breached },
      targets: { resolution: targetOf('resolution'), first_response: targetOf('first_response'), next_reply: targetOf('next_reply') },
    },
    first_response: {
      avg_seconds: seconds(firstTimes.length === 0 ? null : firstTimes.reduce((a, b) => a + b, 0) / firstTimes.length),
      p50_seconds: seconds(percentileCont(firstTimes, 0.5)),
      p90_seconds: seconds(percentileCont(firstTimes, 0.9)),
    },
    resolution: {
      avg_seconds: seconds(resolutions.length === 0 ? null : resolutions.reduce((a, b) => a + b, 0) / resolutions.length),
      p50_seconds: seconds(percentileCont(sorted, 0.5)),
      p90_seconds: seconds(percentileCont(sorted, 0.9)),
    },
    csat: csatTotal(csat.values()),
    agents: agentStats(agents, csat),
    teams: teams.map((t) => ({ name: t.name, csat: csatTotal([byTeam.get(t.id)]) })),
    deleted_teams: deletedTeamsRecount(tickets, teams.map((t) => t.id)),
  };
}

/** The ratings of tickets whose team is gone, counted one by one (null when none). */
function deletedTeamsRecount(tickets: readonly TicketRow[], teamIds: readonly number[]): Stats['deleted_teams'] {
  const orphans = tickets.filter((t) => t.csat_score !== null && !teamIds.includes(t.team_id));
  return orphans.length === 0 ? null : { csat: csatFigure(orphans.length, orphans.filter((t) => t.csat_score === 'good').length) };
}

/**
 * computeStats for all time equals the slow figures at each of `nows`; on PostgreSQL the slow
 * percentiles also equal percentile_cont over the whole table.
 */
export async function expectAllTimeStatsMatchScan(db: Db, dialect: 'sqlite' | 'postgres', nows: readonly number[]): Promise<void> {
  for (const now of nows) {
    const [fast, slow] = [await computeStats(db, { window: 'all', now }), await slowAllTimeStats(db, now)];
    expect({ now, ...fast }).toEqual({ now, ...slow });
  }
  // Every percentile, not only the dashboard's two: ranks in every bucket width, on edges, the extremes.
  const tickets = await allTickets(db);
  const sorted = tickets.filter((t) => t.status === 'closed' && t.closed_at !== null).map((t) => t.closed_at! - t.created_at).sort((a, b) => a - b);
  const quantiles = Array.from({ length: 201 }, (_, i) => i / 200);
  expect(await resolutionQuantiles(db, { since: null, now: nows[0]! }, 0, quantiles)).toEqual(quantiles.map((p) => percentileCont(sorted, p)));
  const firstTimes = firstResponseTimes(tickets);
  expect(await durationQuantiles(db, FIRST_RESPONSE, null, 0, quantiles)).toEqual(quantiles.map((p) => percentileCont(firstTimes, p)));
  // A window holding every ticket counts them as the summaries do (the windowed queries read the tickets).
  const windowed = await durationQuantiles(db, FIRST_RESPONSE, -Number.MAX_SAFE_INTEGER, firstTimes.length, quantiles);
  expect(windowed).toEqual(quantiles.map((p) => percentileCont(firstTimes, p)));
  if (dialect === 'postgres') {
    const { rows } = await sql<{ q: number[] | null }>`select percentile_cont(array[0.5, 0.9]::float8[]) within group (order by closed_at - created_at) as q from tickets where status = 'closed'`.execute(db);
    const q = rows[0]!.q;
    expect(q === null ? [null, null] : q.map(Number)).toEqual([percentileCont(sorted, 0.5), percentileCont(sorted, 0.9)]);
  }
}
