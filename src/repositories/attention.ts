/**
 * What the dashboard's "Needs attention" panel reads (issue 23 items 2 and 4): which agents are
 * available, the tickets held by agents who are away or offline, and the few most urgent tickets
 * and undelivered emails of each kind. The counts of waiting and overdue tickets come from the
 * summaries (repositories/stats.ts, pending_team_summary), so nothing here grows with the ticket
 * table or the queue:
 * - the waiting tickets per team and skills ("kinds", §12): pending_team_summary's few rows;
 * - a kind's waiting tickets created after an instant (those no available agent may take yet,
 *   core/dashboardAttention.ts's unattendedAfter), counted and its oldest listed: a range of
 *   tickets_queue_by_team (team_id, required_skills, created_at, id);
 * - the most overdue waiting tickets: the first entries of tickets_queue_deadline below `now`;
 * - tickets held by agents (overdue, or held by someone unavailable): per agent, its open tickets
 *   through tickets_open_by_agent, so the cost is the tickets agents hold (their capacities), not
 *   the open backlog;
 * - undelivered emails: the newest entries of outbox_by_status (status, id) per status.
 * Partial-index conditions are literals and SQLite is told the index, as in repositories/stats.ts.
 * The query builders are exported for the query-plan test.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db, Dialect } from '../db/connect.js';
import type { Priority } from '../core/tickets.js';
import type { Presence } from '../core/routing.js';

export interface AttentionTicketRow {
  id: number;
  title: string;
  priority: Priority;
  created_at: number;
  sla_due_at: number;
  agent: string | null;
  presence: Presence | null;
}

export interface AttentionEmailRow {
  id: number;
  ticket_id: number | null;
  kind: string;
  status: 'failed' | 'bounced';
  to_address: string;
  created_at: number;
}

const indexed = (dialect: Dialect, table: string, index: string) => sql.raw(dialect === 'sqlite' ? `${table} indexed by ${index}` : table);

const TICKET_COLUMNS = sql`t.id, t.title, t.priority, t.created_at, t.sla_due_at`;

/** Waiting tickets of one team and skills (a row of pending_team_summary). */
export interface WaitingKindRow {
  team_id: number;
  required_skills: string;
  pending: number;
}

/** The kinds of waiting ticket (team, skills) with their counts; of one team when `teamId` is given. */
export async function waitingKinds(db: Db, teamId: number | null): Promise<WaitingKindRow[]> {
  const rows = await db
    .selectFrom('pending_team_summary')
    .select(['team_id', 'required_skills', 'pending'])
    .where('pending', '>', 0)
    .$if(teamId !== null, (q) => q.where('team_id', '=', teamId!))
    .execute();
  return rows.map((r) => ({ team_id: Number(r.team_id), required_skills: r.required_skills, pending: Number(r.pending) }));
}

/** The ids of the active agents whose presence is available. */
export async function availableAgentIds(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('users').select('id').where('role', '=', 'agent').where('active', '=', 1).where('presence', '=', 'available').execute();
  return rows.map((r) => Number(r.id));
}

/** A kind's waiting tickets created after `after` (null: all of them): tickets_queue_by_team's range. */
const ofKind = (dialect: Dialect, kind: WaitingKindRow, after: number | null) =>
  sql`${indexed(dialect, 'tickets t', 'tickets_queue_by_team')} where t.status = 'open' and t.agent_id is null
    and t.team_id = ${kind.team_id} and t.required_skills = ${kind.required_skills}${after === null ? sql`` : sql` and t.created_at > ${after}`}`;

/** How many waiting tickets of the kind were created after `after`. */
export function waitingOfKindCountQuery(dialect: Dialect, kind: WaitingKindRow, after: number) {
  return sql<{ n: number | string }>`select count(*) as n from ${ofKind(dialect, kind, after)}`;
}

/**
 * The oldest waiting tickets of the kind created after `after` (null: any). Ordered by the whole
 * index key (team and skills are fixed, so it is created_at, id), which PostgreSQL reads in order
 * from tickets_queue_by_team; by created_at alone it may walk tickets_queue_oldest and filter.
 */
export function oldestOfKindQuery(dialect: Dialect, kind: WaitingKindRow, after: number | null, limit: number) {
  return sql<AttentionTicketRow>`select ${TICKET_COLUMNS}, null as agent, null as presence from ${ofKind(dialect, kind, after)}
    order by t.team_id, t.required_skills, t.created_at, t.id limit ${limit}`;
}

/** The waiting tickets furthest past their deadline. */
export function overdueWaitingQuery(dialect: Dialect, now: number, limit: number) {
  return sql<AttentionTicketRow>`select ${TICKET_COLUMNS}, null as agent, null as presence from ${indexed(dialect, 'tickets t', 'tickets_queue_deadline')}
    where t.status = 'open' and t.agent_id is null and t.sla_due_at < ${now} order by t.sla_due_at, t.created_at, t.id limit ${limit}`;
}

/**
 * Open tickets held by agents matching `users`, the tickets matching `tickets`, most urgent first:
 * for each user, its open tickets from tickets_open_by_agent, so the cost is the tickets agents
 * hold, never the queue (whose rows share that partial index with a null agent). SQLite: a CROSS
 * JOIN keeps the users as the outer loop. PostgreSQL: a LATERAL subquery per user, since with
 * loose statistics it would otherwise walk every open ticket (the whole queue) and filter.
 */
function heldQuery(dialect: Dialect, users: RawBuilder<unknown>, tickets: RawBuilder<unknown>, limit: number) {
  const held =
    dialect === 'sqlite'
      ? sql`users u cross join tickets t indexed by tickets_open_by_agent where t.agent_id = u.id and t.status = 'open' and ${tickets} and ${users}`
      : sql`users u cross join lateral (select t.* from tickets t where t.agent_id = u.id and t.status = 'open' and ${tickets}
          order by t.sla_due_at, t.created_at, t.id limit ${limit}) t where ${users}`;
  return sql<AttentionTicketRow>`select ${TICKET_COLUMNS}, u.username as agent, u.presence as presence from ${held}
    order by t.sla_due_at, t.created_at, t.id limit ${limit}`;
}

const ANY = sql`1 = 1`;
const UNAVAILABLE = sql`u.presence <> 'available'`;

/** The held tickets furthest past their deadline. */
export function overdueHeldQuery(dialect: Dialect, now: number, limit: number) {
  return heldQuery(dialect, ANY, sql`t.sla_due_at < ${now}`, limit);
}

/** The most urgent open tickets of agents who are away or offline. */
export function heldByUnavailableQuery(dialect: Dialect, limit: number) {
  return heldQuery(dialect, UNAVAILABLE, ANY, limit);
}

/** How many open tickets agents who are away or offline hold: per such user, a count in its own index range. */
export function heldByUnavailableCountQuery(dialect: Dialect) {
  return sql<{ n: number | string }>`select coalesce(sum((select count(*) from ${indexed(dialect, 'tickets t', 'tickets_open_by_agent')}
    where t.agent_id = u.id and t.status = 'open')), 0) as n from users u where ${UNAVAILABLE}`;
}

/** The newest emails in one undelivered status. */
export function undeliveredEmailsQuery(status: AttentionEmailRow['status'], limit: number) {
  return sql<AttentionEmailRow>`select id, ticket_id, kind, status, to_address, created_at from outbox where status = ${sql.lit(status)} order by id desc limit ${limit}`;
}

const asTicket = (r: AttentionTicketRow): AttentionTicketRow => ({ ...r, id: Number(r.id), created_at: Number(r.created_at), sla_due_at: Number(r.sla_due_at) });

const rows = async <R>(db: Db, query: { execute(db: Db): Promise<{ rows: R[] }> }) => (await query.execute(db)).rows;

/** How many waiting tickets of `kind` were created after `after` (null: its count from the summary). */
export async function countWaitingOfKind(db: Db, dialect: Dialect, kind: WaitingKindRow, after: number | null): Promise<number> {
  if (after === null) return kind.pending;
  const [row] = await rows(db, waitingOfKindCountQuery(dialect, kind, after));
  return Number(row?.n ?? 0);
}

/** The `limit` oldest waiting tickets of `kind` created after `after` (null: any). */
export async function oldestWaitingOfKind(db: Db, dialect: Dialect, kind: WaitingKindRow, after: number | null, limit: number): Promise<AttentionTicketRow[]> {
  return (await rows(db, oldestOfKindQuery(dialect, kind, after, limit))).map(asTicket);
}

export interface AttentionRows {
  heldByUnavailable: number;
  /** Candidates for the most overdue: `limit` waiting and `limit` held (core/dashboardAttention.ts picks). */
  overdue: AttentionTicketRow[];
  heldByUnavailableItems: AttentionTicketRow[];
  undeliveredEmails: AttentionEmailRow[];
}

/** Everything the panel lists, `limit` of each kind, judged at `now`. Run inside the figures' transaction so they agree. */
export async function attentionRows(db: Db, dialect: Dialect, now: number, limit: number): Promise<AttentionRows> {
  const [held] = await rows(db, heldByUnavailableCountQuery(dialect));
  const overdue = [...(await rows(db, overdueWaitingQuery(dialect, now, limit))), ...(await rows(db, overdueHeldQuery(dialect, now, limit)))];
  const heldItems = await rows(db, heldByUnavailableQuery(dialect, limit));
  const emails = [...(await rows(db, undeliveredEmailsQuery('failed', limit))), ...(await rows(db, undeliveredEmailsQuery('bounced', limit)))]
    .map((e) => ({ ...e, id: Number(e.id), ticket_id: e.ticket_id === null ? null : Number(e.ticket_id), created_at: Number(e.created_at) }))
    .sort((a, b) => b.id - a.id)
    .slice(0, limit);
  return {
    heldByUnavailable: Number(held?.n ?? 0),
    overdue: overdue.map(asTicket),
    heldByUnavailableItems: heldItems.map(asTicket),
    undeliveredEmails: emails,
  };
}
