/**
 * Aggregate queries behind the admin dashboard and GET /api/v1/stats (SPEC §6). Every figure is
 * computed by the database (COUNT, SUM, AVG, GROUP BY, and an ORDER BY … LIMIT 2 OFFSET k per
 * percentile): no query here loads the tickets themselves.
 *
 * Breached (§4) is judged against the caller's `now` (the app's clock, not the database's):
 * open and `now > sla_due_at`, or closed and `closed_at > sla_due_at`.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
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
 * The `p`-quantile (0..1) of closed_at − created_at over the window's closed tickets, in ms, by
 * linear interpolation between the two nearest ranks: the same definition as PostgreSQL's
 * `percentile_cont`, computed the same way on both engines. `closedCount` is the number of closed
 * tickets in the window (from `ticketTotals`); the query reads two rows at offset
 * floor(p·(n−1)), walking the `tickets_resolution` index when the window is "all".
 * Null when nothing is closed.
 */
export async function resolutionQuantile(db: Db, scope: StatsScope, closedCount: number, p: number): Promise<number | null> {
  if (closedCount <= 0) return null;
  const position = p * (closedCount - 1);
  const offset = Math.floor(position);
  const rows = await db
    .selectFrom('tickets')
    .select(sql<number>`closed_at - created_at`.as('ms'))
    .where('status', '=', 'closed')
    .$if(scope.since !== null, (q) => q.where('created_at', '>=', scope.since!))
    .orderBy(sql`closed_at - created_at`)
    .limit(2)
    .offset(offset)
    .execute();
  // Tickets closed since the count was taken (outside a snapshot) only add rows, so the first is there.
  const lower = rows[0] === undefined ? null : Number(rows[0].ms);
  if (lower === null) return null;
  const upper = rows[1] === undefined ? lower : Number(rows[1].ms);
  return lower + (position - offset) * (upper - lower);
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
  const perAgent = db
    .selectFrom('tickets')
    .select([
      'agent_id',
      count(sql<SqlBool>`status = 'closed'`).as('closed'),
      count(sql<SqlBool>`status = 'open'`).as('open'),
      sql<number | null>`avg(case when status = 'closed' then closed_at - created_at end)`.as('avg_resolution_ms'),
      count(breachedSql(now)).as('breached'),
    ])
    .where('agent_id', 'is not', null)
    .$if(since !== null, (q) => q.where('created_at', '>=', since!))
    .groupBy('agent_id')
    .as('a');
  const rows = await db
    .selectFrom('users as u')
    .leftJoin(perAgent, 'a.agent_id', 'u.id')
    .select(['u.username', 'u.display_name', 'u.presence', 'u.active', 'a.agent_id', 'a.closed', 'a.open', 'a.avg_resolution_ms', 'a.breached'])
    .where((eb) => eb.or([eb.and([eb('u.role', '=', 'agent'), eb('u.active', '=', 1)]), eb('a.agent_id', 'is not', null)]))
    .orderBy('u.username')
    .execute();
  return rows.map((r) => ({
    username: r.username,
    displayName: r.display_name,
    presence: r.presence,
    active: r.active === 1,
    closed: Number(r.closed ?? 0),
    open: Number(r.open ?? 0),
    avgResolutionMs: r.avg_resolution_ms === null || r.avg_resolution_ms === undefined ? null : Number(r.avg_resolution_ms),
    breached: Number(r.breached ?? 0),
  }));
}
