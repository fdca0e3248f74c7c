/**
 * Aggregate queries behind the admin dashboard and GET /api/v1/stats (SPEC §6). Every figure is
 * computed by the database (COUNT, SUM and AVG in one scan, GROUP BY agent, percentile_cont or an
 * indexed ORDER BY … OFFSET for the percentiles): no query here loads the tickets.
 *
 * Cost on 1 million tickets (bench:scale). Windows of days read a slice of the created_at index
 * and take milliseconds. The "all" window reads closed tickets from closed_ticket_summary (a few
 * rows kept by triggers: closed tickets never change) and scans only the open ones; before, it read
 * every ticket (SQLite 2–4 s, blocking the server; PostgreSQL ~1 s). What remains proportional to
 * the table: the open tickets (~0.1 s for 200 000 of them) and the percentiles, an order statistic
 * no counter can keep (SQLite walks the tickets_resolution index, ~0.05 s; PostgreSQL's
 * percentile_cont sorts every closed ticket, ~0.6 s).
 *
 * Breached (§4) is judged against the caller's `now` (the app's clock, not the database's):
 * open and `now > sla_due_at`, or closed and `closed_at > sla_due_at`.
 */
import { type Expression, PostgresAdapter, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/connect.js';

/**
 * Pending / open (assigned) / closed counts (the /metrics gauge): open tickets counted, closed ones
 * summed from closed_ticket_summary, so a scrape does not read every ticket ever.
 */
export async function countByState(db: Db): Promise<{ pending: number; open: number; closed: number }> {
  const row = await db
    .selectFrom('tickets')
    .select([
      sql<number>`coalesce(sum(case when agent_id is null then 1 else 0 end), 0)`.as('pending'),
      sql<number>`coalesce(sum(case when agent_id is not null then 1 else 0 end), 0)`.as('open'),
      sql<number>`(select coalesce(sum(closed), 0) from closed_ticket_summary)`.as('closed'),
    ])
    .where('status', '=', sql.lit<'open'>('open'))
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), open: Number(row.open), closed: Number(row.closed) };
}

/** Which tickets a figure counts: created at or after `since` (null: all), breaches judged at `now`. */
export interface StatsScope {
  since: number | null;
  now: number;
}

/** The §4 breach test as SQL, for the table's unqualified columns. */
function breachedSql(now: number): Expression<SqlBool> {
  return sql<SqlBool>`((status = 'open' and sla_due_at < ${now}) or (status = 'closed' and closed_at > sla_due_at))`;
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
  const breached = breachedSql(now);
  const row = await db
    .selectFrom('tickets')
    .select([
      sql<number>`count(*)`.as('total'),
      count(sql<SqlBool>`status = 'open' and agent_id is null`).as('pending'),
      count(sql<SqlBool>`status = 'open' and agent_id is not null`).as('open'),
      count(sql<SqlBool>`status = 'closed'`).as('closed'),
      count(sql<SqlBool>`status = 'open' and sla_due_at < ${now}`).as('open_overdue'),
      count(sql<SqlBool>`status = 'closed' and closed_at > sla_due_at`).as('closed_late'),
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

// The literal, so SQLite reads the open tickets through a partial index rather than the table.
const OPEN = sql.lit<'open'>('open');

/**
 * All-time totals: closed tickets summed from `closed_ticket_summary`, open ones counted (overdue
 * depends on `now`). The same figures as the scan of every ticket, in the time of the open ones.
 */
async function allTimeTotals(db: Db, now: number): Promise<TicketTotals> {
  const overdue = sql<SqlBool>`sla_due_at < ${now}`;
  const open = await db
    .selectFrom('tickets')
    .select([
      sql<number>`count(*)`.as('total'),
      count(sql<SqlBool>`agent_id is null`).as('pending'),
      count(overdue).as('overdue'),
      count(sql<SqlBool>`priority = 'high' and ${overdue}`).as('overdue_high'),
      count(sql<SqlBool>`priority = 'medium' and ${overdue}`).as('overdue_medium'),
      count(sql<SqlBool>`priority = 'low' and ${overdue}`).as('overdue_low'),
    ])
    .where('status', '=', OPEN)
    .executeTakeFirstOrThrow();
  const closed = await closedSummary(db);
  const sum = (pick: (r: (typeof closed)[number]) => number, where: (r: (typeof closed)[number]) => boolean = () => true) =>
    closed.filter(where).reduce((total, r) => total + pick(r), 0);
  const closedCount = sum((r) => r.closed);
  const resolved = sum((r) => r.resolved);
  const lateOf = (priority: string) => sum((r) => r.closed, (r) => r.late && r.priority === priority);
  const openCount = Number(open.total);
  return {
    total: openCount + closedCount,
    pending: Number(open.pending),
    open: openCount - Number(open.pending),
    closed: closedCount,
    openOverdue: Number(open.overdue),
    closedLate: sum((r) => r.closed, (r) => r.late),
    breachedHigh: Number(open.overdue_high) + lateOf('high'),
    breachedMedium: Number(open.overdue_medium) + lateOf('medium'),
    breachedLow: Number(open.overdue_low) + lateOf('low'),
    avgResolutionMs: resolved === 0 ? null : sum((r) => r.resolutionMs) / resolved,
  };
}

/**
 * Quantiles (each 0..1) of closed_at − created_at over the window's closed tickets, in ms, by
 * linear interpolation between the two nearest ranks: PostgreSQL's `percentile_cont`. On
 * PostgreSQL that is the query (one aggregate pass); SQLite has no such aggregate, so for each
 * quantile at position p·(n−1) it reads the two values at offset floor(p·(n−1)) in resolution
 * order (ORDER BY … LIMIT 2 OFFSET k, walking the `tickets_resolution` index) and interpolates.
 * The two give the same numbers. `closedCount` is the number of closed tickets in the window,
 * counted in the same snapshot. Null for each quantile when nothing is closed.
 */
export async function resolutionQuantiles(db: Db, scope: StatsScope, closedCount: number, quantiles: readonly number[]): Promise<(number | null)[]> {
  if (closedCount <= 0) return quantiles.map(() => null);
  // A literal, so SQLite matches the partial index's `where status = 'closed'`.
  const closed = () =>
    db
      .selectFrom('tickets')
      .where('status', '=', sql.lit<'closed'>('closed'))
      .$if(scope.since !== null, (q) => q.where('created_at', '>=', scope.since!));
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const row = await closed()
      .select(sql<number[] | null>`percentile_cont(${sql.val(quantiles)}::float8[]) within group (order by closed_at - created_at)`.as('q'))
      .executeTakeFirstOrThrow();
    return quantiles.map((_, i) => (row.q?.[i] === undefined || row.q[i] === null ? null : Number(row.q[i])));
  }
  // SQLite's planner, without ANALYZE statistics, prefers the (status, id) index and a sort of
  // every closed ticket; INDEXED BY pins the plans measured above: the resolution index for all
  // time, the created_at range (then a sort of the window's rows) for a window.
  const index = scope.since === null ? sql.raw('tickets_resolution') : sql.raw('tickets_created_at');
  const since = scope.since === null ? sql`` : sql`and created_at >= ${scope.since}`;
  const results: (number | null)[] = [];
  for (const p of quantiles) {
    const position = p * (closedCount - 1);
    const offset = Math.floor(position);
    const { rows } = await sql<{ ms: number }>`select closed_at - created_at as ms from tickets indexed by ${index}
      where status = 'closed' ${since} order by closed_at - created_at limit 2 offset ${offset}`.execute(db);
    const lower = rows[0] === undefined ? null : Number(rows[0].ms);
    const upper = rows[1] === undefined ? lower : Number(rows[1].ms);
    results.push(lower === null || upper === null ? null : lower + (position - offset) * (upper - lower));
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
      ${count(breachedSql(now))} as breached
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
      (select count(*) from ${openOf} where t.agent_id = u.id and t.status = 'open' and t.sla_due_at < ${now}) as overdue
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
