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
 * - overdue open tickets = open − open ones not yet due, which the tickets_sla_watch index holds
 *   (bounded by the arrival rate times the longest SLA limit, not by the table; see notYetDueQuery);
 * - percentiles from resolution_histogram (a few thousand buckets) and one short read of the
 *   tickets_resolution index inside the bucket (see allTimeQuantiles).
 * Per agent, each agent's open tickets are read through its own index (a handful each).
 *
 * Breached (§4) is judged against the caller's `now` (the app's clock, not the database's), by the
 * rule of repositories/breach.ts.
 */
import { type Expression, PostgresAdapter, type SqlBool, sql } from 'kysely';
import { bucketLowerBound, locateRank } from '../core/resolution-histogram.js';
import type { Db, Dialect } from '../db/connect.js';
import { breachSql } from './breach.js';

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

/** Which tickets a figure counts: created at or after `since` (null: all), breaches judged at `now`. */
export interface StatsScope {
  since: number | null;
  now: number;
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
  const { since, now } = scope;
  if (since === null) return allTimeTotals(db, now);
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

const dialectOf = (db: Db): Dialect => (db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite');

/**
 * Open tickets not yet due at `now` (sla_due_at >= now), per priority: the query. It reads the
 * partial index tickets_sla_watch (sla_due_at where status = 'open' and sla_breached_at is null),
 * from `now` on. That index holds every open ticket not yet due, because a ticket is only marked
 * breached after its deadline (claimBreach: sla_due_at < the monitor's now) and the clock does not
 * go back, so no ticket with sla_due_at >= now is marked yet. Their number is bounded by the
 * arrival rate times the longest SLA limit, not by the size of the table or of the queue. The
 * index's conditions are literals and SQLite is told the index (as in repositories/sla.ts).
 * `sla_due_at >= now` is the complement of breachSql's `overdue` among open tickets, written out
 * as a bare range because that is what the index is read by.
 * Exported for the query-plan test and bench:scale --explain.
 */
export function notYetDueQuery(dialect: Dialect, now: number) {
  const from = dialect === 'sqlite' ? sql.raw('tickets indexed by tickets_sla_watch') : sql.raw('tickets');
  return sql<{ priority: string; n: number }>`select priority, count(*) as n from ${from}
    where status = 'open' and sla_breached_at is null and sla_due_at >= ${now} group by priority`;
}

/**
 * All-time totals: open tickets from `open_ticket_summary`, closed ones from
 * `closed_ticket_summary`, and overdue = open − not yet due (notYetDueQuery), per priority. The
 * same figures as the scan of every ticket, in the time of a few index entries.
 */
async function allTimeTotals(db: Db, now: number): Promise<TicketTotals> {
  const openRows = (await db.selectFrom('open_ticket_summary').select(['priority', 'assigned', 'open']).where('open', '>', 0).execute()).map((r) => ({
    priority: r.priority as string,
    assigned: Number(r.assigned) === 1,
    open: Number(r.open),
  }));
  const notDue = (await notYetDueQuery(dialectOf(db), now).execute(db)).rows.map((r) => ({ priority: r.priority, n: Number(r.n) }));
  const openCount = openRows.reduce((total, r) => total + r.open, 0);
  const pending = openRows.filter((r) => !r.assigned).reduce((total, r) => total + r.open, 0);
  const openOverdue = openCount - notDue.reduce((total, r) => total + r.n, 0);
  const overdueOf = (priority: string) =>
    openRows.filter((r) => r.priority === priority).reduce((total, r) => total + r.open, 0) - notDue.filter((r) => r.priority === priority).reduce((total, r) => total + r.n, 0);

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
 * Quantiles (each 0..1) of closed_at − created_at over the window's closed tickets, in ms, by
 * linear interpolation between the two nearest ranks: PostgreSQL's `percentile_cont`. For all
 * time, see allTimeQuantiles. For a window, on PostgreSQL that is the query (one aggregate pass);
 * SQLite has no such aggregate, so for each quantile at position p·(n−1) it reads the two values at
 * offset floor(p·(n−1)) in resolution order (ORDER BY … LIMIT 2 OFFSET k) and interpolates. The
 * two give the same numbers. `closedCount` is the number of closed tickets in the window, counted
 * in the same snapshot. Null for each quantile when nothing is closed.
 */
export async function resolutionQuantiles(db: Db, scope: StatsScope, closedCount: number, quantiles: readonly number[]): Promise<(number | null)[]> {
  if (scope.since === null) return allTimeQuantiles(db, quantiles);
  if (closedCount <= 0) return quantiles.map(() => null);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // A literal, so PostgreSQL matches the partial index's `where status = 'closed'`.
    const row = await db
      .selectFrom('tickets')
      .where('status', '=', sql.lit<'closed'>('closed'))
      .where('created_at', '>=', scope.since)
      .select(sql<number[] | null>`percentile_cont(${sql.val(quantiles)}::float8[]) within group (order by closed_at - created_at)`.as('q'))
      .executeTakeFirstOrThrow();
    return quantiles.map((_, i) => (row.q?.[i] === undefined || row.q[i] === null ? null : Number(row.q[i])));
  }
  // SQLite's planner, without ANALYZE statistics, prefers the (status, id) index and a sort of
  // every closed ticket; INDEXED BY pins the created_at range (then a sort of the window's rows).
  const results: (number | null)[] = [];
  for (const p of quantiles) {
    const position = p * (closedCount - 1);
    const offset = Math.floor(position);
    const { rows } = await sql<{ ms: number }>`select closed_at - created_at as ms from tickets indexed by tickets_created_at
      where status = 'closed' and created_at >= ${scope.since} order by closed_at - created_at limit 2 offset ${offset}`.execute(db);
    results.push(interpolate(rows, position - offset));
  }
  return results;
}

/** The value at a fractional position between the first two rows (the second may be missing: the last rank). */
function interpolate(rows: readonly { ms: number }[], fraction: number): number | null {
  const lower = rows[0] === undefined ? null : Number(rows[0].ms);
  const upper = rows[1] === undefined ? lower : Number(rows[1].ms);
  return lower === null || upper === null ? null : lower + fraction * (upper - lower);
}

/**
 * The values at ranks `offset` and `offset + 1` (0-based) among the closed tickets' resolutions
 * ≥ `lowerMs`, in order: a walk of the tickets_resolution index ((closed_at − created_at),
 * created_at) where status = 'closed', from `lowerMs`, over `offset` entries. The partial index's
 * condition is a literal; SQLite is told the index (without statistics it preferred a sort of
 * every closed ticket). Exported for the query-plan test and bench:scale --explain.
 */
export function resolutionAtQuery(dialect: Dialect, lowerMs: number, offset: number) {
  const from = dialect === 'sqlite' ? sql.raw('tickets indexed by tickets_resolution') : sql.raw('tickets');
  return sql<{ ms: number }>`select closed_at - created_at as ms from ${from}
    where status = 'closed' and closed_at - created_at >= ${lowerMs} order by closed_at - created_at limit 2 offset ${offset}`;
}

/**
 * All-time quantiles, exact, without reading every closed ticket. resolution_histogram counts the
 * closed tickets (with a closed_at: the others have no resolution, and percentile_cont skips them)
 * per bucket of resolution time, in order (src/core/resolution-histogram.ts). For the quantile at
 * position p·(n−1), its rank k = floor(p·(n−1)) lies in the bucket where the running sum passes k,
 * at rank r inside it; every value of that bucket is ≥ its lower bound and every earlier bucket's
 * is below, so ranks k and k + 1 are the values at offset r and r + 1 from the bound
 * (resolutionAtQuery), interpolated as percentile_cont does. The histogram has a few thousand rows
 * at most; r is below the bucket's population (a second's or ten seconds' worth of closed tickets).
 */
async function allTimeQuantiles(db: Db, quantiles: readonly number[]): Promise<(number | null)[]> {
  const histogram = (await db.selectFrom('resolution_histogram').select(['bucket', 'closed']).where('closed', '>', 0).orderBy('bucket').execute()).map((r) => ({
    bucket: Number(r.bucket),
    closed: Number(r.closed),
  }));
  const n = histogram.reduce((total, r) => total + r.closed, 0);
  if (n === 0) return quantiles.map(() => null);
  const dialect = dialectOf(db);
  const results: (number | null)[] = [];
  for (const p of quantiles) {
    const position = p * (n - 1);
    const k = Math.floor(position);
    const at = locateRank(histogram, k);
    if (at === null) {
      results.push(null);
      continue;
    }
    const { rows } = await resolutionAtQuery(dialect, bucketLowerBound(at.bucket), at.rank).execute(db);
    results.push(interpolate(rows, position - k));
  }
  return results;
}

export interface AgentFigures {
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
  const { since, now } = scope;
  if (since === null) return withUsers(db, await allTimeAgentSums(db, now));
  const sqlite = !(db.getExecutor().adapter instanceof PostgresAdapter);
  // Without ANALYZE statistics SQLite groups a window by walking the whole agent_id index (0.8 s
  // for a 24 h window of a million tickets); the created_at range and a small sort take milliseconds.
  const hint = sqlite && since !== null ? sql`indexed by tickets_created_at` : sql``;
  const window = since === null ? sql`` : sql`and created_at >= ${since}`;
  const { rows: sums } = await sql<{ agent_id: number; closed: number; open: number; avg_resolution_ms: number | null; breached: number }>`
    select agent_id,
      ${count(sql<SqlBool>`status = 'closed'`)} as closed,
      ${count(sql<SqlBool>`status = 'open'`)} as open,
      avg(case when status = 'closed' then closed_at - created_at end) as avg_resolution_ms,
      ${count(breachSql(now).breached)} as breached
    from tickets ${hint}
    where agent_id is not null ${window}
    group by agent_id`.execute(db);
  return withUsers(db, sums);
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

/** The per-agent sums joined to the users they belong to (see agentFigures). */
async function withUsers(db: Db, sums: AgentSums[]): Promise<AgentFigures[]> {
  const byId = new Map(sums.map((r) => [Number(r.agent_id), r]));
  const ids = [...byId.keys()];
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'presence', 'active'])
    .where((eb) => {
      const activeAgent = eb.and([eb('role', '=', 'agent'), eb('active', '=', 1)]);
      return ids.length === 0 ? activeAgent : eb.or([activeAgent, eb('id', 'in', ids)]);
    })
    .orderBy('username')
    .execute();
  return users.map((u) => {
    const r = byId.get(u.id);
    return {
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
