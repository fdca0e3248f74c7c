/**
 * Aggregate queries behind the admin dashboard and GET /api/v1/stats (SPEC §6). Every figure is
 * computed by the database (COUNT, SUM and AVG in one scan, GROUP BY agent, percentile_cont or an
 * indexed ORDER BY … OFFSET for the percentiles): no query here loads the tickets.
 *
 * Cost on 1 million tickets (bench:scale). Windows of days read a slice of the created_at index
 * and take milliseconds. The "all" window reads no more rows at a million tickets than at ten
 * thousand, with the same exact figures as a scan of every ticket:
 * - closed tickets' counts, lateness and resolution sums from closed_ticket_summary, open tickets'
 *   counts from open_ticket_summary (a few rows each, kept by triggers);
 * - overdue open tickets = the ones the monitor marked (open_breach_summary, kept by triggers) + the
 *   few past due and not yet marked (see unmarkedOverdueQuery), bounded by neither the table nor
 *   the open backlog;
 * - percentiles from resolution_histogram (a few thousand buckets) and one short read of the
 *   tickets_resolution index inside the bucket (durationQuantiles.ts).
 * Per agent, each agent's open tickets are read through its own index (a handful each).
 * One team's figures (`?team=`, §12) read the team's tickets (tickets_by_team): the summaries are
 * not kept per team.
 *
 * Breached (§4) is judged against the caller's `now` (the app's clock, not the database's), by the
 * rule of repositories/breach.ts.
 */
import { type Expression, PostgresAdapter, type SqlBool, sql } from 'kysely';
import type { Db, Dialect } from '../db/connect.js';
import { breachSql } from './breach.js';
import { scansTickets, sliceSql, windowHint } from './ticketSlice.js';
import { durationQuantiles, RESOLUTION } from './durationQuantiles.js';

/**
 * Pending / open (assigned) / closed counts (the /metrics gauge), summed from open_ticket_summary
 * and closed_ticket_summary: a scrape reads a few rows, however many tickets there are.
 */
export async function countByState(db: Db): Promise<{ pending: number; open: number; closed: number }> {
  const row = await db
    .selectFrom('open_ticket_summary')
    .select([
      sql<number>`coalesce(sum(case when assigned = 0 then open else 0 end), 0)`.as('pending'),
      sql<number>`coalesce(sum(case when assigned = 1 then open else 0 end), 0)`.as('open'),
      sql<number>`(select coalesce(sum(closed), 0) from closed_ticket_summary)`.as('closed'),
    ])
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), open: Number(row.open), closed: Number(row.closed) };
}

/**
 * Which tickets a figure counts: created at or after `since` (null: all), of team `teamId` (null or
 * absent: every team, §12), breaches judged at `now`.
 */
export interface StatsScope {
  since: number | null;
  now: number;
  teamId?: number | null;
}


const count = (condition: Expression<SqlBool>) => sql<number>`coalesce(sum(case when ${condition} then 1 else 0 end), 0)`;

export interface TicketTotals {
  total: number;
  pending: number;
  open: number;
  closed: number;
  openOverdue: number;
  closedLate: number;
  breachedHigh: number;
  breachedMedium: number;
  breachedLow: number;
  /** Mean of closed_at − created_at over closed tickets, in ms; null when none is closed. */
  avgResolutionMs: number | null;
}

/**
 * The window's counts, breaches (overall and per priority) and mean resolution: one scan. For all
 * time, closed tickets come from `closed_ticket_summary` (a few rows) and only open tickets are read.
 */
export async function ticketTotals(db: Db, scope: StatsScope): Promise<TicketTotals> {
  const { since, now, teamId } = scope;
  if (!scansTickets(since, teamId)) return allTimeTotals(db, now);
  const { overdue, late, breached } = breachSql(now);
  const row = await db
    .selectFrom('tickets')
    .select([
      sql<number>`count(*)`.as('total'),
      count(sql<SqlBool>`status = 'open' and agent_id is null`).as('pending'),
      count(sql<SqlBool>`status = 'open' and agent_id is not null`).as('open'),
      count(sql<SqlBool>`status = 'closed'`).as('closed'),
      count(overdue).as('open_overdue'),
      count(late).as('closed_late'),
      count(sql<SqlBool>`priority = 'high' and ${breached}`).as('breached_high'),
      count(sql<SqlBool>`priority = 'medium' and ${breached}`).as('breached_medium'),
      count(sql<SqlBool>`priority = 'low' and ${breached}`).as('breached_low'),
      sql<number | null>`avg(case when status = 'closed' then closed_at - created_at end)`.as('avg_resolution_ms'),
    ])
    .$if(since !== null, (q) => q.where('created_at', '>=', since!))
    .$if((teamId ?? null) !== null, (q) => q.where('team_id', '=', teamId!))
    .executeTakeFirstOrThrow();
  return {
    total: Number(row.total),
    pending: Number(row.pending),
    open: Number(row.open),
    closed: Number(row.closed),
    openOverdue: Number(row.open_overdue),
    closedLate: Number(row.closed_late),
    breachedHigh: Number(row.breached_high),
    breachedMedium: Number(row.breached_medium),
    breachedLow: Number(row.breached_low),
    avgResolutionMs: row.avg_resolution_ms === null ? null : Number(row.avg_resolution_ms),
  };
}

/** The closed tickets' share of the all-time figures, from the summary the triggers keep. */
async function closedSummary(db: Db) {
  const rows = await db
    .selectFrom('closed_ticket_summary')
    .select(['agent_id', 'priority', 'late', 'closed', 'resolved', 'resolution_ms'])
    .where('closed', '>', 0)
    .execute();
  return rows.map((r) => ({ agentId: Number(r.agent_id), priority: r.priority, late: Number(r.late) === 1, closed: Number(r.closed), resolved: Number(r.resolved), resolutionMs: Number(r.resolution_ms) }));
}

export const dialectOf = (db: Db): Dialect => (db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite');

/**
 * Open tickets past their deadline at `now` that no monitor has marked yet (sla_due_at < now and
 * sla_breached_at null), per priority: the query. It reads the partial index tickets_sla_watch
 * (sla_due_at where status = 'open' and sla_breached_at is null) up to `now`: the monitor marks a
 * ticket within a second of its deadline, so these are about a second's worth of arrivals (more
 * only while no monitor runs), however many open tickets are not yet due. The index's conditions
 * are literals and SQLite is told the index (as in repositories/sla.ts). Together with
 * open_breach_summary (the marked ones) this is breachSql's `overdue`: a ticket is marked only
 * after its deadline (claimWatch: due < the monitor's now) and the clock does not go back, so
 * every marked open ticket is overdue. Exported for the query-plan test and bench:scale --explain.
 */
export function unmarkedOverdueQuery(dialect: Dialect, now: number) {
  const from = dialect === 'sqlite' ? sql.raw('tickets indexed by tickets_sla_watch') : sql.raw('tickets');
  return sql<{ priority: string; n: number }>`select priority, count(*) as n from ${from}
    where status = 'open' and sla_breached_at is null and sla_due_at < ${now} group by priority`;
}

/**
 * Open tickets past their deadline at `now`, whatever their creation time, as rows per priority
 * (a priority may appear twice): the marked ones (open_breach_summary) and those past due and not
 * yet marked (unmarkedOverdueQuery). A few summary rows and index entries.
 */
export async function openOverdueByPriority(db: Db, now: number): Promise<{ priority: string; n: number }[]> {
  const marked = (await db.selectFrom('open_breach_summary').select(['priority', 'breached']).execute()).map((r) => ({ priority: r.priority as string, n: Number(r.breached) }));
  const unmarked = (await unmarkedOverdueQuery(dialectOf(db), now).execute(db)).rows.map((r) => ({ priority: r.priority, n: Number(r.n) }));
  return [...marked, ...unmarked];
}

/**
 * All-time totals: open tickets from `open_ticket_summary`, closed ones from
 * `closed_ticket_summary`, and overdue = the marked ones (open_breach_summary) + those past due
 * and not yet marked (unmarkedOverdueQuery), per priority. The same figures as the scan of every
 * ticket, in the time of a few summary rows and index entries, however deep the open backlog.
 */
async function allTimeTotals(db: Db, now: number): Promise<TicketTotals> {
  const openRows = (await db.selectFrom('open_ticket_summary').select(['priority', 'assigned', 'open']).where('open', '>', 0).execute()).map((r) => ({
    priority: r.priority as string,
    assigned: Number(r.assigned) === 1,
    open: Number(r.open),
  }));
  const overdue = await openOverdueByPriority(db, now);
  const openCount = openRows.reduce((total, r) => total + r.open, 0);
  const pending = openRows.filter((r) => !r.assigned).reduce((total, r) => total + r.open, 0);
  const openOverdue = overdue.reduce((total, r) => total + r.n, 0);
  const overdueOf = (priority: string) => overdue.filter((r) => r.priority === priority).reduce((total, r) => total + r.n, 0);

  const closed = await closedSummary(db);
  const sum = (pick: (r: (typeof closed)[number]) => number, where: (r: (typeof closed)[number]) => boolean = () => true) =>
    closed.filter(where).reduce((total, r) => total + pick(r), 0);
  const closedCount = sum((r) => r.closed);
  const resolved = sum((r) => r.resolved);
  const lateOf = (priority: string) => sum((r) => r.closed, (r) => r.late && r.priority === priority);
  return {
    total: openCount + closedCount,
    pending,
    open: openCount - pending,
    closed: closedCount,
    openOverdue,
    closedLate: sum((r) => r.closed, (r) => r.late),
    breachedHigh: overdueOf('high') + lateOf('high'),
    breachedMedium: overdueOf('medium') + lateOf('medium'),
    breachedLow: overdueOf('low') + lateOf('low'),
    avgResolutionMs: resolved === 0 ? null : sum((r) => r.resolutionMs) / resolved,
  };
}

/**
 * Quantiles (each 0..1) of closed_at − created_at over the window's closed tickets, in ms
 * (durationQuantiles.ts). `closedCount` is the number of closed tickets in the window, counted in
 * the same snapshot. Null for each quantile when nothing is closed.
 */
export async function resolutionQuantiles(db: Db, scope: StatsScope, closedCount: number, quantiles: readonly number[]): Promise<(number | null)[]> {
  return durationQuantiles(db, RESOLUTION, scope.since, closedCount, quantiles, scope.teamId ?? null);
}

export interface AgentFigures {
  id: number;
  username: string;
  displayName: string;
  presence: 'offline' | 'available' | 'away';
  active: boolean;
  closed: number;
  open: number;
  /** Mean resolution of the agent's closed tickets in the window, ms; null when none. */
  avgResolutionMs: number | null;
  breached: number;
}

/**
 * One row per agent: every active agent (even with no ticket in the window), plus any other user
 * still holding or having closed tickets in the window (a deactivated agent's closed work stays
 * visible). Tickets are credited to the agent they are with now (for closed ones: who closed them).
 * Ordered by username.
 */
export async function agentFigures(db: Db, scope: StatsScope): Promise<AgentFigures[]> {
  const { since, now, teamId = null } = scope;
  if (!scansTickets(since, teamId)) return withUsers(db, await allTimeAgentSums(db, now), null);
  // Without ANALYZE statistics SQLite groups a window by walking the whole agent_id index (0.8 s
  // for a 24 h window of a million tickets); the created_at range and a small sort take milliseconds.
  const hint = windowHint(db, since);
  const { rows: sums } = await sql<{ agent_id: number; closed: number; open: number; avg_resolution_ms: number | null; breached: number }>`
    select agent_id,
      ${count(sql<SqlBool>`status = 'closed'`)} as closed,
      ${count(sql<SqlBool>`status = 'open'`)} as open,
      avg(case when status = 'closed' then closed_at - created_at end) as avg_resolution_ms,
      ${count(breachSql(now).breached)} as breached
    from tickets ${hint}
    where agent_id is not null ${sliceSql(since, teamId)}
    group by agent_id`.execute(db);
  return withUsers(db, sums, teamId);
}

interface AgentSums {
  agent_id: number;
  closed: number;
  open: number;
  avg_resolution_ms: number | null;
  breached: number;
}

/** All time per agent: closed tickets from `closed_ticket_summary`, open ones (few per agent) counted. */
async function allTimeAgentSums(db: Db, now: number): Promise<AgentSums[]> {
  // Per user, two lookups in the index of each agent's open tickets. (A GROUP BY over open tickets
  // made PostgreSQL walk every open ticket, the whole queue, to find the few with an agent; SQLite,
  // without statistics, reads every ticket the agent ever had unless told which index to use.)
  const sqlite = !(db.getExecutor().adapter instanceof PostgresAdapter);
  const openOf = sqlite ? sql`tickets t indexed by tickets_open_by_agent` : sql`tickets t`;
  const { rows: held } = await sql<{ agent_id: number; open: number; overdue: number }>`select u.id as agent_id,
      (select count(*) from ${openOf} where t.agent_id = u.id and t.status = 'open') as open,
      (select count(*) from ${openOf} where t.agent_id = u.id and ${breachSql(now, 't').overdue}) as overdue
    from users u`.execute(db);
  const open = held.filter((r) => Number(r.open) > 0);
  const byId = new Map<number, AgentSums & { resolved: number; resolutionMs: number }>();
  const entry = (id: number) => {
    let e = byId.get(id);
    if (!e) byId.set(id, (e = { agent_id: id, closed: 0, open: 0, avg_resolution_ms: null, breached: 0, resolved: 0, resolutionMs: 0 }));
    return e;
  };
  for (const r of open) {
    const e = entry(Number(r.agent_id));
    e.open = Number(r.open);
    e.breached += Number(r.overdue);
  }
  for (const r of await closedSummary(db)) {
    if (r.agentId === 0) continue;
    const e = entry(r.agentId);
    e.closed += r.closed;
    e.resolved += r.resolved;
    e.resolutionMs += r.resolutionMs;
    if (r.late) e.breached += r.closed;
  }
  return [...byId.values()].map(({ resolved, resolutionMs, ...e }) => ({ ...e, avg_resolution_ms: resolved === 0 ? null : resolutionMs / resolved }));
}

/** The per-agent sums joined to the users they belong to (see agentFigures); for one team, its active members rather than every active agent. */
async function withUsers(db: Db, sums: AgentSums[], teamId: number | null): Promise<AgentFigures[]> {
  const byId = new Map(sums.map((r) => [Number(r.agent_id), r]));
  const ids = [...byId.keys()];
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'presence', 'active'])
    .where((eb) => {
      const member = teamId === null ? [] : [eb('id', 'in', eb.selectFrom('team_members').select('user_id').where('team_id', '=', teamId))];
      const activeAgent = eb.and([eb('role', '=', 'agent'), eb('active', '=', 1), ...member]);
      return ids.length === 0 ? activeAgent : eb.or([activeAgent, eb('id', 'in', ids)]);
    })
    .orderBy('username')
    .execute();
  return users.map((u) => {
    const r = byId.get(u.id);
    return {
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      presence: u.presence,
      active: u.active === 1,
      closed: Number(r?.closed ?? 0),
      open: Number(r?.open ?? 0),
      avgResolutionMs: r?.avg_resolution_ms === null || r?.avg_resolution_ms === undefined ? null : Number(r.avg_resolution_ms),
      breached: Number(r?.breached ?? 0),
    };
  });
}
