/**
 * Aggregate queries behind the admin dashboard and GET /api/v1/stats (SPEC §6). Every figure is
 * computed by the database (COUNT, SUM and AVG in one scan, GROUP BY agent, percentile_cont or an
 * indexed ORDER BY … OFFSET for the percentiles): no query here loads the tickets.
 *
 * Cost on 1 million tickets, "all" window (a full scan each for the totals and the per-agent rows;
 * windows of days read a slice of the created_at index and take milliseconds): PostgreSQL ~0.3 s
 * totals, ~0.3 s per agent, ~0.4 s percentiles; SQLite ~0.5 s, ~0.4 s and ~0.2 s with the
 * tickets_resolution index (~1.8 s sorting without it). A GROUP BY agent, priority in one scan was
 * slower on SQLite (it sorts to group), and so was row_number() for both percentiles at once.
 *
 * Breached (§4) is judged against the caller's `now` (the app's clock, not the database's):
 * open and `now > sla_due_at`, or closed and `closed_at > sla_due_at`.
 */
import { type Expression, PostgresAdapter, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/connect.js';

/** Pending / open (assigned) / closed counts in one aggregate query. */
export async function countByState(db: Db): Promise<{ pending: number; open: number; closed: number }> {
  const row = await db
    .selectFrom('tickets')
    .select([
      sql<number>`coalesce(sum(case when status = 'open' and agent_id is null then 1 else 0 end), 0)`.as('pending'),
      sql<number>`coalesce(sum(case when status = 'open' and agent_id is not null then 1 else 0 end), 0)`.as('open'),
      sql<number>`coalesce(sum(case when status = 'closed' then 1 else 0 end), 0)`.as('closed'),
    ])
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

/** The window's counts, breaches (overall and per priority) and mean resolution: one scan. */
export async function ticketTotals(db: Db, scope: StatsScope): Promise<TicketTotals> {
  const { since, now } = scope;
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
