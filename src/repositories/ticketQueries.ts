/**
 * Read queries of the JSON API: ticket lists with filters and keyset pagination, one ticket, the
 * staff list. Pages are ordered by id, newest first, and continue with `id < cursor`, so a deep page
 * costs what the first one does (no OFFSET). See the indexes of migration 2026-11-27T1300.
 */
import { type SqlBool, sql } from 'kysely';
import type { SearchQuery } from '../core/search.js';
import type { Priority, TicketState, TicketStatus } from '../core/tickets.js';
import type { Role } from '../core/users.js';
import type { Db } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { breachSql } from './breach.js';
import { fetchTiered, searchTiers } from './search.js';

/** Who is looking: an agent sees its own tickets and the pending ones, an admin sees all (§8). */
export interface Viewer {
  id: number;
  role: Role;
}

export interface TicketListQuery {
  status?: TicketStatus;
  state?: TicketState;
  priority?: Priority;
  /** Only this agent's tickets. */
  agentId?: number;
  /** Only this team's tickets (§12). */
  teamId?: number;
  /** Breached (§4) as of `now`: see repositories/breach.ts. */
  breached?: boolean;
  /** A search (core/search.ts): results by relevance tier, then newest first. */
  search?: SearchQuery;
  /** Keyset: only tickets with a smaller id (a search: a smaller position). */
  beforeId?: number;
  /** Rows to return. */
  limit: number;
  now: number;
}

export type TicketListRow = TicketRow & { agent_username: string | null; team_name: string | null; topic_name: string | null };

/** A list row and where it stands in the list: its id, or its search position (repositories/search.ts). */
export type PositionedRow = TicketListRow & { position: number };


// Literals rather than bound parameters: SQLite uses a partial index only when the query's terms
// match the index's WHERE clause textually (`status = 'open'`).
const OPEN = sql.lit<'open'>('open');
const CLOSED = sql.lit<'closed'>('closed');

function ticketsWithAgent(db: Db) {
  return db
    .selectFrom('tickets as t')
    .leftJoin('users as u', 'u.id', 't.agent_id')
    .leftJoin('teams as tm', 'tm.id', 't.team_id')
    .leftJoin('topics as tp', 'tp.id', 't.topic_id')
    .selectAll('t')
    .select(['u.username as agent_username', 'tm.name as team_name', 'tp.name as topic_name']);
}

type TicketQuery = ReturnType<typeof ticketsWithAgent>;

/** Tickets by id with their agents' usernames (the API's shape needs them), in no particular order. */
export async function ticketsByIds(db: Db, ids: readonly number[]): Promise<TicketListRow[]> {
  return ids.length === 0 ? [] : ticketsWithAgent(db).where('t.id', 'in', [...ids]).execute();
}

function applyFilters(query: TicketQuery, filter: TicketListQuery): TicketQuery {
  let q = query;
  if (filter.status) q = q.where('t.status', '=', filter.status === 'open' ? OPEN : CLOSED);
  if (filter.state === 'pending') q = q.where('t.status', '=', OPEN).where('t.agent_id', 'is', null);
  if (filter.state === 'open') q = q.where('t.status', '=', OPEN).where('t.agent_id', 'is not', null);
  if (filter.state === 'closed') q = q.where('t.status', '=', CLOSED);
  if (filter.priority) q = q.where('t.priority', '=', filter.priority);
  if (filter.agentId !== undefined) q = q.where('t.agent_id', '=', filter.agentId);
  if (filter.teamId !== undefined) q = q.where('t.team_id', '=', filter.teamId);
  const { breached } = breachSql(filter.now, 't');
  if (filter.breached === true) q = q.where(breached);
  if (filter.breached === false) q = q.where((eb) => eb.not(breached));
  return q;
}

async function page(query: TicketQuery, filter: TicketListQuery, take: number): Promise<PositionedRow[]> {
  const rows = await applyFilters(query, filter)
    .$if(filter.beforeId !== undefined, (q) => q.where('t.id', '<', filter.beforeId!))
    .orderBy('t.id', 'desc')
    .limit(take)
    .execute();
  return rows.map((row) => ({ ...row, position: row.id }));
}

/** What an agent may see (§8): its tickets and the pending ones. */
function visibleTo(viewer: Viewer) {
  return sql<SqlBool>`(t.agent_id = ${viewer.id} or (t.status = ${OPEN} and t.agent_id is null))`;
}

/**
 * A search's page: the tiers' matches among the tickets `viewer` may see (staff search notes of
 * tickets they may see), by position (repositories/search.ts).
 */
async function searchPage(db: Db, viewer: Viewer, filter: TicketListQuery & { search: SearchQuery }, take: number): Promise<PositionedRow[]> {
  const tiers = await searchTiers(db, filter.search, { includeNotes: true });
  const cursor = filter.beforeId === undefined ? null : { op: '<' as const, position: filter.beforeId };
  return fetchTiered(tiers, cursor, 'desc', take, (where, id, limit) =>
    applyFilters(ticketsWithAgent(db), filter)
      .where(where)
      .$if(viewer.role !== 'admin', (q) => q.where(visibleTo(viewer)))
      .$if(id !== null, (q) => q.where('t.id', id!.op, id!.value))
      .orderBy('t.id', 'desc')
      .limit(limit)
      .execute(),
  );
}

/**
 * One page of the tickets `viewer` may see, newest first, plus one row more when there is a next
 * page (the caller drops it and makes the cursor). For an agent the two visible sets are read
 * separately, each from its own index, and merged: an OR of the two would walk the whole table
 * when the agent holds few tickets.
 */
export async function listTickets(db: Db, viewer: Viewer, filter: TicketListQuery): Promise<PositionedRow[]> {
  const take = filter.limit + 1;
  if (viewer.role !== 'admin' && filter.agentId !== undefined && filter.agentId !== viewer.id) return [];
  if (filter.search) return searchPage(db, viewer, { ...filter, search: filter.search }, take);
  if (viewer.role === 'admin') return page(ticketsWithAgent(db), filter, take);
  const own = page(ticketsWithAgent(db).where('t.agent_id', '=', viewer.id), filter, take);
  const pendingVisible = filter.agentId === undefined && filter.status !== 'closed' && (filter.state === undefined || filter.state === 'pending');
  const pending = pendingVisible ? page(ticketsWithAgent(db).where('t.status', '=', OPEN).where('t.agent_id', 'is', null), filter, take) : Promise.resolve([]);
  const merged = [...(await own), ...(await pending)];
  return merged.sort((a, b) => b.id - a.id).slice(0, take);
}

/** One ticket if `viewer` may see it. */
/** A ticket as the API shows it (its agent's username, team and topic names), whoever may see it. */
export async function findListedTicket(db: Db, id: number): Promise<TicketListRow | undefined> {
  return ticketsWithAgent(db).where('t.id', '=', id).executeTakeFirst();
}

export async function findVisibleTicket(db: Db, viewer: Viewer, id: number): Promise<TicketListRow | undefined> {
  let query = ticketsWithAgent(db).where('t.id', '=', id);
  if (viewer.role !== 'admin') {
    query = query.where((eb) =>
      eb.or([eb('t.agent_id', '=', viewer.id), eb.and([eb('t.status', '=', OPEN), eb('t.agent_id', 'is', null)])]),
    );
  }
  return query.executeTakeFirst();
}

export interface StaffListRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  presence: 'offline' | 'available' | 'away';
  capacity: number | null;
  last_assigned_at: number | null;
  open_count: number;
}

/** Active staff by id (ascending, `id > afterId`), with their open-ticket counts; `limit + 1` rows. */
export async function listStaff(db: Db, options: { afterId?: number; limit: number; teamId?: number }): Promise<StaffListRow[]> {
  let query = db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.username',
      'u.display_name',
      'u.role',
      'u.presence',
      'u.capacity',
      'u.last_assigned_at',
      eb
        .selectFrom('tickets as t')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('t.agent_id', '=', 'u.id')
        .where('t.status', '=', OPEN)
        .as('open_count'),
    ])
    .where('u.active', '=', 1);
  if (options.afterId !== undefined) query = query.where('u.id', '>', options.afterId);
  const teamId = options.teamId;
  if (teamId !== undefined) query = query.where('u.id', 'in', (eb) => eb.selectFrom('team_members').select('user_id').where('team_id', '=', teamId));
  const rows = await query.orderBy('u.id').limit(options.limit + 1).execute();
  return rows.map((r) => ({ ...r, open_count: Number(r.open_count ?? 0) }));
}

/** One active staff member with the open count, or undefined. */
export async function findStaff(db: Db, userId: number): Promise<StaffListRow | undefined> {
  const rows = await listStaff(db, { afterId: userId - 1, limit: 0 });
  return rows.find((r) => r.id === userId);
}
