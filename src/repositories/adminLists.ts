/**
 * The admin data browser's lists (/admin/tickets/, /admin/users/, /admin/events/, /admin/emails/):
 * filters, case-insensitive text search, and keyset pagination by id, newest first. A page never
 * uses OFFSET: "next" continues with `id < last id on the page`, "previous" with `id > first id`,
 * so page 1000 costs what page 1 does and rows added meanwhile never shift a page.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { ExportTicket } from '../core/csvExport.js';
import type { Presence } from '../core/routing.js';
import type { PositionOp, SearchQuery } from '../core/search.js';
import type { SlaMetric } from '../core/slaClocks.js';
import type { Holder, Priority, TicketEventType, TicketState, TicketStatus } from '../core/tickets.js';
import type { Role } from '../core/users.js';
import type { Db } from '../db/connect.js';
import type { OutboxTable } from '../db/schema.js';
import { breachSql } from './breach.js';
import { fetchTiered, searchTiers } from './search.js';
import { findTeamByNameOrId } from './teams.js';
import { anyContains } from './textSearch.js';

/** Where a page starts: after an id (next pages), before an id (previous pages), or at the newest. */
export interface PageRequest {
  after?: number;
  before?: number;
  /** Rows per page. */
  limit: number;
}

/** One page, newest first, with the cursors of its neighbours (null when there is none). */
export interface Page<R> {
  rows: R[];
  /** `?after=` of the next (older) page. */
  nextAfter: number | null;
  /** `?before=` of the previous (newer) page. */
  prevBefore: number | null;
}

export type Cursor = { op: '<' | '>'; id: number } | null;

/** What a list gives `paginate`: its rows around a cursor, and whether a row lies beyond an id. */
export interface PageSource<R> {
  /** Rows matching the filters and the cursor condition, in `order` of id, at most `limit`. */
  fetch(cursor: Cursor, order: 'asc' | 'desc', limit: number): Promise<R[]>;
  /** Whether a row matching the filters has an id `op` `id`. */
  exists(op: '>=' | '<=', id: number): Promise<boolean>;
}

/**
 * One keyset page of `source` (see the header): every admin list pages through this. `keyOf` is a
 * row's position in the list (its id; a search result's position, repositories/search.ts).
 */
export async function paginate<R extends { id: number }>(request: PageRequest, source: PageSource<R>, keyOf: (row: R) => number = (row) => row.id): Promise<Page<R>> {
  const { limit } = request;
  if (request.before !== undefined) {
    const before = request.before;
    const fetched = await source.fetch({ op: '>', id: before }, 'asc', limit + 1);
    const rows = fetched.slice(0, limit).reverse();
    const hasPrev = fetched.length > limit;
    const hasNext = await source.exists('<=', before);
    return { rows, prevBefore: hasPrev ? keyOf(rows[0]!) : null, nextAfter: hasNext ? (rows.at(-1) ? keyOf(rows.at(-1)!) : before + 1) : null };
  }
  const after = request.after;
  const fetched = await source.fetch(after === undefined ? null : { op: '<', id: after }, 'desc', limit + 1);
  const rows = fetched.slice(0, limit);
  const hasNext = fetched.length > limit;
  const hasPrev = after !== undefined && (await source.exists('>=', after));
  return { rows, nextAfter: hasNext ? keyOf(rows.at(-1)!) : null, prevBefore: hasPrev ? (rows[0] ? keyOf(rows[0]) : after - 1) : null };
}

/**
 * Every row of a list in its order (newest first), `size` at a time, for the CSV exports: each batch
 * is the keyset page after the last one's last row, so the millionth row costs what the first does
 * and no more than a batch is ever held. A consumer that stops iterating stops the reads.
 */
export async function* keysetBatches<R>(source: Pick<PageSource<R>, 'fetch'>, keyOf: (row: R) => number, size: number): AsyncGenerator<R[]> {
  let cursor: Cursor = null;
  for (;;) {
    const rows = await source.fetch(cursor, 'desc', size);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    cursor = { op: '<', id: keyOf(rows.at(-1)!) };
  }
}

// Literals rather than parameters: SQLite uses a partial index (`where status = 'open'`) only when
// the query's own terms say the same thing in the same words.
const OPEN = sql.lit<'open'>('open');
const CLOSED = sql.lit<'closed'>('closed');

// ---------------------------------------------------------------------------------------------
// Tickets

export interface TicketFilter {
  status?: TicketStatus;
  state?: TicketState;
  priority?: Priority;
  /** Username of the holding agent (lower-case). */
  agent?: string;
  /** A team's name (§12), any letter case, or its id. */
  team?: string;
  /** Open tickets whose agent is available, or away or offline (core/tickets.ts HOLDERS). */
  holder?: Holder;
  /**
   * Waiting tickets that no available agent may take now (true), or that one may (false): the
   * dashboard's "Waiting while nobody who may take them is available". Its kinds, judged by the
   * shell at the list's instant (services/attention.ts withUnattendedKinds), are `unattendedKinds`.
   */
  unattended?: boolean;
  unattendedKinds?: readonly UnattendedKind[];
  /** Breached (§4) as of `now`, or not. */
  breached?: boolean;
  /** created_at ≥ from (epoch ms). */
  from?: number;
  /** created_at < to (epoch ms). */
  to?: number;
  /** A search (core/search.ts): results by relevance tier, then newest first. */
  search?: SearchQuery;
}

/** Waiting tickets of one team and skills created after `after` (null: all of them) that no available agent may take. */
export interface UnattendedKind {
  teamId: number;
  requiredSkills: string;
  after: number | null;
}

/** Whether a ticket (`t`) is of one of `kinds` (none: false). */
function ofUnattendedKind(kinds: readonly UnattendedKind[]): Expression<SqlBool> {
  if (kinds.length === 0) return sql<SqlBool>`1 = 0`;
  const one = (k: UnattendedKind) =>
    sql<SqlBool>`(t.team_id = ${k.teamId} and t.required_skills = ${k.requiredSkills}${k.after === null ? sql`` : sql` and t.created_at > ${k.after}`})`;
  return sql<SqlBool>`(${sql.join(kinds.map(one), sql` or `)})`;
}

/** A row of /admin/tickets/: what its CSV export says of a ticket (core/csvExport.ts), and whose turn it is. */
export interface TicketListRow extends ExportTicket {
  waiting_on: 'agent' | 'customer' | null;
  /** A search result's place in the list (repositories/search.ts); absent without a search. */
  position?: number;
}

/** One keyset page of /admin/tickets/. */
export async function listTicketsPage(db: Db, filter: TicketFilter, now: number, request: PageRequest): Promise<Page<TicketListRow>> {
  const { source, keyOf } = await ticketListSource(db, filter, now);
  return paginate(request, source, keyOf);
}

/**
 * The id of the team a list's filter names (findTeamByNameOrId); an unknown team is an id no team
 * has, so the list shows nothing (README: the lists of /admin/ simply show nothing).
 */
async function teamIdOf(db: Db, team: string | undefined): Promise<number | undefined> {
  if (team === undefined) return undefined;
  return (await findTeamByNameOrId(db, team))?.id ?? 0;
}

/** /admin/tickets/'s rows under `filter`, in its order: by id, or a search's positions (repositories/search.ts). */
export async function ticketListSource(db: Db, filter: TicketFilter, now: number): Promise<{ source: PageSource<TicketListRow>; keyOf: (row: TicketListRow) => number }> {
  const teamId = await teamIdOf(db, filter.team);
  const base = () => {
    let q = db.selectFrom('tickets as t').leftJoin('users as u', 'u.id', 't.agent_id');
    if (filter.status) q = q.where('t.status', '=', filter.status === 'open' ? OPEN : CLOSED);
    if (filter.state === 'pending') q = q.where('t.status', '=', OPEN).where('t.agent_id', 'is', null);
    if (filter.state === 'open') q = q.where('t.status', '=', OPEN).where('t.agent_id', 'is not', null);
    if (filter.state === 'closed') q = q.where('t.status', '=', CLOSED);
    if (filter.priority) q = q.where('t.priority', '=', filter.priority);
    if (filter.agent !== undefined) q = q.where('u.username', '=', filter.agent);
    if (teamId !== undefined) q = q.where('t.team_id', '=', teamId);
    if (filter.holder !== undefined) {
      q = q.where('t.status', '=', OPEN).where('t.agent_id', 'is not', null);
      q = filter.holder === 'available' ? q.where('u.presence', '=', 'available') : q.where('u.presence', '<>', 'available');
    }
    if (filter.unattended !== undefined) {
      const kinds = ofUnattendedKind(filter.unattendedKinds ?? []);
      q = q.where('t.status', '=', OPEN).where('t.agent_id', 'is', null);
      q = filter.unattended ? q.where(kinds) : q.where((eb) => eb.not(kinds));
    }
    const { breached } = breachSql(now, 't');
    if (filter.breached === true) q = q.where(breached);
    if (filter.breached === false) q = q.where((eb) => eb.not(breached));
    if (filter.from !== undefined) q = q.where('t.created_at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('t.created_at', '<', filter.to);
    return q;
  };
  const rows = (where: Expression<SqlBool> | null, cursor: { op: PositionOp; id: number } | null, order: 'asc' | 'desc', limit: number) =>
    base()
      // Team and topic by primary key, per row returned: what the CSV export says beside the list's columns.
      .leftJoin('teams as tn', 'tn.id', 't.team_id')
      .leftJoin('topics as tp', 'tp.id', 't.topic_id')
      .select(['t.id', 't.title', 't.customer_name', 't.customer_email', 't.priority', 't.status', 't.agent_id', 'u.username as agent_username', 't.created_at', 't.closed_at', 't.sla_due_at', 't.waiting_on'])
      .select(['tn.name as team_name', 't.topic_id', 'tp.name as topic_name', 't.assigned_at', 't.first_response_at', 't.sla_paused_at', 't.csat_score'])
      .$if(where !== null, (q) => q.where(where!))
      .$if(cursor !== null, (q) => q.where('t.id', cursor!.op, cursor!.id))
      .orderBy('t.id', order)
      .limit(limit)
      .execute();
  if (!filter.search) {
    return {
      source: {
        fetch: (cursor, order, limit) => rows(null, cursor, order, limit),
        exists: async (op, id) => (await base().select('t.id').where('t.id', op, id).limit(1).executeTakeFirst()) !== undefined,
      },
      keyOf: (row) => row.id,
    };
  }
  const tiers = await searchTiers(db, filter.search, { includeNotes: true });
  return {
    source: {
      fetch: (cursor, order, limit) =>
        fetchTiered(tiers, cursor && { op: cursor.op, position: cursor.id }, order, limit, (where, id, take) => rows(where, id && { op: id.op, id: id.value }, order, take)),
      // A row beyond a position: the first one there, read a window at a time like a page.
      exists: async (op, position) => {
        const order = op === '<=' ? 'desc' : 'asc';
        const first = await fetchTiered(tiers, { op, position }, order, 1, (where, id, take) => rows(where, id && { op: id.op, id: id.value }, order, take));
        return first.length > 0;
      },
    },
    keyOf: (row) => row.position ?? row.id,
  };
}

// ---------------------------------------------------------------------------------------------
// Users

export interface UserFilter {
  role?: Role;
  active?: boolean;
  presence?: Presence;
  /** Members of the team of this name (§12), any letter case, or of this id. */
  team?: string;
  /** Substring of the username, display name or email, any letter case. */
  q?: string;
}

export interface UserListRow {
  id: number;
  username: string;
  display_name: string;
  email: string;
  role: Role;
  presence: Presence;
  capacity: number | null;
  active: number;
  last_assigned_at: number | null;
  created_at: number;
  open_count: number;
}

export async function listUsersPage(db: Db, filter: UserFilter, request: PageRequest): Promise<Page<UserListRow>> {
  const teamId = await teamIdOf(db, filter.team);
  const base = () => {
    let q = db.selectFrom('users as u');
    if (filter.role) q = q.where('u.role', '=', filter.role);
    if (filter.active !== undefined) q = q.where('u.active', '=', filter.active ? 1 : 0);
    if (filter.presence) q = q.where('u.presence', '=', filter.presence);
    if (teamId !== undefined) q = q.where('u.id', 'in', (eb) => eb.selectFrom('team_members as m').select('m.user_id').where('m.team_id', '=', teamId));
    if (filter.q) q = q.where(anyContains(db, ['u.username', 'u.display_name', 'u.email'], filter.q));
    return q;
  };
  const page = await paginate(request, {
    fetch: (cursor, order, limit) =>
      base()
        .select((eb) => [
          'u.id',
          'u.username',
          'u.display_name',
          'u.email',
          'u.role',
          'u.presence',
          'u.capacity',
          'u.active',
          'u.last_assigned_at',
          'u.created_at',
          eb.selectFrom('tickets as t').select(eb.fn.countAll<number>().as('n')).whereRef('t.agent_id', '=', 'u.id').where('t.status', '=', OPEN).as('open_count'),
        ])
        .$if(cursor !== null, (q) => q.where('u.id', cursor!.op, cursor!.id))
        .orderBy('u.id', order)
        .limit(limit)
        .execute(),
    exists: async (op, id) => (await base().select('u.id').where('u.id', op, id).limit(1).executeTakeFirst()) !== undefined,
  });
  return { ...page, rows: page.rows.map((r) => ({ ...r, open_count: Number(r.open_count ?? 0) })) };
}

// ---------------------------------------------------------------------------------------------
// Events

export interface EventFilter {
  type?: TicketEventType;
  ticketId?: number;
  /** Username appearing as the event's from agent, to agent or actor. */
  agent?: string;
  /** at ≥ from (epoch ms). */
  from?: number;
  /** at < to (epoch ms). */
  to?: number;
}

export interface EventListRow {
  id: number;
  ticket_id: number;
  type: TicketEventType;
  at: number;
  /** The SLA target of an `sla_breached` event (§11); null on others. */
  metric: SlaMetric | null;
  /** The ticket's creation and SLA deadline: whether its times show seconds (core/sla.ts). */
  created_at: number;
  sla_due_at: number;
  from_username: string | null;
  to_username: string | null;
  actor_username: string | null;
}

export async function listEventsPage(db: Db, filter: EventFilter, request: PageRequest): Promise<Page<EventListRow>> {
  const base = () => {
    let q = db
      .selectFrom('ticket_events as e')
      .leftJoin('users as f', 'f.id', 'e.from_agent_id')
      .leftJoin('users as t', 't.id', 'e.to_agent_id')
      .leftJoin('users as a', 'a.id', 'e.actor_id');
    if (filter.type) q = q.where('e.type', '=', filter.type);
    if (filter.ticketId !== undefined) q = q.where('e.ticket_id', '=', filter.ticketId);
    if (filter.agent !== undefined) {
      const name = filter.agent;
      q = q.where((eb) => eb.or([eb('f.username', '=', name), eb('t.username', '=', name), eb('a.username', '=', name)]));
    }
    if (filter.from !== undefined) q = q.where('e.at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('e.at', '<', filter.to);
    return q;
  };
  return paginate(request, {
    fetch: (cursor, order, limit) =>
      base()
        .innerJoin('tickets as k', 'k.id', 'e.ticket_id')
        .select(['e.id', 'e.ticket_id', 'e.type', 'e.at', 'e.metric', 'k.created_at', 'k.sla_due_at', 'f.username as from_username', 't.username as to_username', 'a.username as actor_username'])
        .$if(cursor !== null, (q) => q.where('e.id', cursor!.op, cursor!.id))
        .orderBy('e.id', order)
        .limit(limit)
        .execute(),
    exists: async (op, id) => (await base().select('e.id').where('e.id', op, id).limit(1).executeTakeFirst()) !== undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// Emails (the outbox)

export type EmailStatus = OutboxTable['status'];
export type EmailKind = OutboxTable['kind'];

/** Not delivered: given up (`failed`) or reported undeliverable (`bounced`), as the dashboard's "Emails not delivered" counts them. */
export const UNDELIVERED = 'undelivered';
const UNDELIVERED_STATUSES: readonly EmailStatus[] = ['failed', 'bounced'];

export interface EmailFilter {
  /** One status, or both of `UNDELIVERED`. */
  status?: EmailStatus | typeof UNDELIVERED;
  kind?: EmailKind;
  /** The emails about the tickets of the team of this name (§12), any letter case, or of this id. */
  team?: string;
  ticketId?: number;
  /** Substring of a recipient (the To or one in Cc) or the subject, any letter case. */
  q?: string;
}

export interface EmailListRow {
  id: number;
  ticket_id: number | null;
  kind: EmailKind;
  to_address: string;
  /** Comma-separated, '' for none (core/mailCc.ts ccOfRow). */
  cc_addresses: string;
  subject: string;
  status: EmailStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export async function listEmailsPage(db: Db, filter: EmailFilter, request: PageRequest): Promise<Page<EmailListRow>> {
  const teamId = await teamIdOf(db, filter.team);
  const base = () => {
    let q = db.selectFrom('outbox as o');
    if (filter.status === UNDELIVERED) q = q.where('o.status', 'in', UNDELIVERED_STATUSES);
    else if (filter.status) q = q.where('o.status', '=', filter.status);
    if (filter.kind) q = q.where('o.kind', '=', filter.kind);
    if (teamId !== undefined) q = q.where('o.ticket_id', 'in', db.selectFrom('tickets').select('id').where('team_id', '=', teamId));
    if (filter.ticketId !== undefined) q = q.where('o.ticket_id', '=', filter.ticketId);
    if (filter.q) q = q.where(anyContains(db, ['o.to_address', 'o.cc_addresses', 'o.subject'], filter.q));
    return q;
  };
  return paginate(request, {
    fetch: (cursor, order, limit) =>
      base()
        .select(['o.id', 'o.ticket_id', 'o.kind', 'o.to_address', 'o.cc_addresses', 'o.subject', 'o.status', 'o.attempts', 'o.next_attempt_at', 'o.last_error', 'o.created_at', 'o.sent_at'])
        .$if(cursor !== null, (q) => q.where('o.id', cursor!.op, cursor!.id))
        .orderBy('o.id', order)
        .limit(limit)
        .execute(),
    exists: async (op, id) => (await base().select('o.id').where('o.id', op, id).limit(1).executeTakeFirst()) !== undefined,
  });
}

/** One email with its bodies. */
export async function findEmail(db: Db, id: number) {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}
