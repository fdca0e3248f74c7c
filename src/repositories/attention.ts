/**
 * What the dashboard's "Needs attention" panel reads (issue 23 items 2 and 4): how many agents are
 * available, the tickets held by agents who are away or offline, and the few most urgent tickets
 * and undelivered emails of each kind. The counts of waiting and overdue tickets come from the
 * summaries (repositories/stats.ts), so nothing here grows with the ticket table or the queue:
 * - the oldest waiting tickets: the first entries of tickets_queue_oldest;
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

/** The oldest waiting tickets (the head of the `oldest` queue). */
export function oldestWaitingQuery(dialect: Dialect, limit: number) {
  return sql<AttentionTicketRow>`select ${TICKET_COLUMNS}, null as agent, null as presence from ${indexed(dialect, 'tickets t', 'tickets_queue_oldest')}
    where t.status = 'open' and t.agent_id is null order by t.created_at, t.id limit ${limit}`;
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

export interface AttentionRows {
  availableAgents: number;
  heldByUnavailable: number;
  oldestWaiting: AttentionTicketRow[];
  /** Candidates for the most overdue: `limit` waiting and `limit` held (core/dashboardAttention.ts picks). */
  overdue: AttentionTicketRow[];
  heldByUnavailableItems: AttentionTicketRow[];
  undeliveredEmails: AttentionEmailRow[];
}

/** Everything the panel lists, `limit` of each kind, judged at `now`. Run inside the figures' transaction so they agree. */
export async function attentionRows(db: Db, dialect: Dialect, now: number, limit: number): Promise<AttentionRows> {
  const rows = async <R>(query: { execute(db: Db): Promise<{ rows: R[] }> }) => (await query.execute(db)).rows;
  const available = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'agent')
    .where('active', '=', 1)
    .where('presence', '=', 'available')
    .executeTakeFirstOrThrow();
  const [held] = await rows(heldByUnavailableCountQuery(dialect));
  const waiting = await rows(oldestWaitingQuery(dialect, limit));
  const overdue = [...(await rows(overdueWaitingQuery(dialect, now, limit))), ...(await rows(overdueHeldQuery(dialect, now, limit)))];
  const heldItems = await rows(heldByUnavailableQuery(dialect, limit));
  const emails = [...(await rows(undeliveredEmailsQuery('failed', limit))), ...(await rows(undeliveredEmailsQuery('bounced', limit)))]
    .map((e) => ({ ...e, id: Number(e.id), ticket_id: e.ticket_id === null ? null : Number(e.ticket_id), created_at: Number(e.created_at) }))
    .sort((a, b) => b.id - a.id)
    .slice(0, limit);
  return {
    availableAgents: Number(available.n),
    heldByUnavailable: Number(held?.n ?? 0),
    oldestWaiting: waiting.map(asTicket),
    overdue: overdue.map(asTicket),
    heldByUnavailableItems: heldItems.map(asTicket),
    undeliveredEmails: emails,
  };
}
