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
 * One team's panel (`?team=`, §12) reads the same indexes with the team's condition: its waiting
 * tickets through its own range of tickets_queue_by_team (the overdue ones among them counted and
 * the most overdue sorted there: the team's queue, never the others'), the held ones per agent as
 * above, the undelivered emails of its tickets from outbox_by_status (there are few: given up or
 * bounced). The summaries are not kept per team, so its overdue count is counted from those rows.
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

/** Tickets of team `teamId` (`t`), or of every team (null). */
const ofTeam = (teamId: number | null) => (teamId === null ? sql`1 = 1` : sql`t.team_id = ${teamId}`);

/** Waiting tickets past their deadline: of every team through tickets_queue_deadline, of one team through its range of tickets_queue_by_team. */
const overdueWaiting = (dialect: Dialect, now: number, teamId: number | null) =>
  sql`${indexed(dialect, 'tickets t', teamId === null ? 'tickets_queue_deadline' : 'tickets_queue_by_team')}
    where t.status = 'open' and t.agent_id is null and ${ofTeam(teamId)} and t.sla_due_at < ${now}`;

/** The waiting tickets furthest past their deadline (of team `teamId`, or every team). */
export function overdueWaitingQuery(dialect: Dialect, now: number, limit: number, teamId: number | null = null) {
  return sql<AttentionTicketRow>`select ${TICKET_COLUMNS}, null as agent, null as presence from ${overdueWaiting(dialect, now, teamId)}
    order by t.sla_due_at, t.created_at, t.id limit ${limit}`;
}

/**
 * How many open tickets of team `teamId` are past their deadline: its waiting ones (its range of
 * the queue) and the ones agents hold (per agent, in its own index range). Every team's count
 * comes from the summaries instead (repositories/stats.ts's openOverdueByPriority).
 */
export function overdueOfTeamCountQuery(dialect: Dialect, now: number, teamId: number) {
  const held = sql`select coalesce(sum((select count(*) from ${indexed(dialect, 'tickets t', 'tickets_open_by_agent')}
    where t.agent_id = u.id and t.status = 'open' and t.team_id = ${teamId} and t.sla_due_at < ${now})), 0) from users u`;
  return sql<{ n: number | string }>`select (select count(*) from ${overdueWaiting(dialect, now, teamId)}) + (${held}) as n`;
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

/** The held tickets furthest past their deadline (of team `teamId`, or every team). */
export function overdueHeldQuery(dialect: Dialect, now: number, limit: number, teamId: number | null = null) {
  return heldQuery(dialect, ANY, sql`t.sla_due_at < ${now} and ${ofTeam(teamId)}`, limit);
}

/** The most urgent open tickets (of team `teamId`, or every team) of agents who are away or offline. */
export function heldByUnavailableQuery(dialect: Dialect, limit: number, teamId: number | null = null) {
  return heldQuery(dialect, UNAVAILABLE, ofTeam(teamId), limit);
}

/** How many open tickets (of team `teamId`, or every team) agents who are away or offline hold: per such user, a count in its own index range. */
export function heldByUnavailableCountQuery(dialect: Dialect, teamId: number | null = null) {
  return sql<{ n: number | string }>`select coalesce(sum((select count(*) from ${indexed(dialect, 'tickets t', 'tickets_open_by_agent')}
    where t.agent_id = u.id and t.status = 'open' and ${ofTeam(teamId)})), 0) as n from users u where ${UNAVAILABLE}`;
}

/** Emails in one undelivered status: every one, or those of team `teamId`'s tickets. */
const undelivered = (status: AttentionEmailRow['status'], teamId: number | null) =>
  teamId === null
    ? sql`outbox o where o.status = ${sql.lit(status)}`
    : sql`outbox o join tickets t on t.id = o.ticket_id where o.status = ${sql.lit(status)} and t.team_id = ${teamId}`;

/** The newest emails in one undelivered status (of team `teamId`'s tickets, or all). */
export function undeliveredEmailsQuery(status: AttentionEmailRow['status'], limit: number, teamId: number | null = null) {
  return sql<AttentionEmailRow>`select o.id, o.ticket_id, o.kind, o.status, o.to_address, o.created_at from ${undelivered(status, teamId)} order by o.id desc limit ${limit}`;
}

/** How many emails of team `teamId`'s tickets were given up or bounced (every team's: the mail figures). */
export function undeliveredOfTeamCountQuery(teamId: number) {
  return sql<{ n: number | string }>`select (select count(*) from ${undelivered('failed', teamId)}) + (select count(*) from ${undelivered('bounced', teamId)}) as n`;
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
  /** Of the team on one team's panel; null on every team's (the summaries and mail figures count those). */
  team: { overdue: number; undeliveredEmails: number } | null;
  heldByUnavailable: number;
  /** Candidates for the most overdue: `limit` waiting and `limit` held (core/dashboardAttention.ts picks). */
  overdue: AttentionTicketRow[];
  heldByUnavailableItems: AttentionTicketRow[];
  undeliveredEmails: AttentionEmailRow[];
}

/**
 * Everything the panel lists, `limit` of each kind, judged at `now`, of team `teamId` (null: every
 * team). Run inside the figures' transaction so they agree.
 */
export async function attentionRows(db: Db, dialect: Dialect, now: number, limit: number, teamId: number | null = null): Promise<AttentionRows> {
  const count = async (query: { execute(db: Db): Promise<{ rows: { n: number | string }[] }> }) => Number((await rows(db, query))[0]?.n ?? 0);
  const held = await count(heldByUnavailableCountQuery(dialect, teamId));
  const overdue = [...(await rows(db, overdueWaitingQuery(dialect, now, limit, teamId))), ...(await rows(db, overdueHeldQuery(dialect, now, limit, teamId)))];
  const heldItems = await rows(db, heldByUnavailableQuery(dialect, limit, teamId));
  const emails = [...(await rows(db, undeliveredEmailsQuery('failed', limit, teamId))), ...(await rows(db, undeliveredEmailsQuery('bounced', limit, teamId)))]
    .map((e) => ({ ...e, id: Number(e.id), ticket_id: e.ticket_id === null ? null : Number(e.ticket_id), created_at: Number(e.created_at) }))
    .sort((a, b) => b.id - a.id)
    .slice(0, limit);
  const team = teamId === null ? null : { overdue: await count(overdueOfTeamCountQuery(dialect, now, teamId)), undeliveredEmails: await count(undeliveredOfTeamCountQuery(teamId)) };
  return {
    team,
    heldByUnavailable: held,
    overdue: overdue.map(asTicket),
    heldByUnavailableItems: heldItems.map(asTicket),
    undeliveredEmails: emails,
  };
}
