import { PostgresAdapter, sql } from 'kysely';
import type { Move, QueueOrder } from '../core/routing.js';
import { compareTeamTickets, type QueueOrders, queueReads, skillNeedsOf, type TeamTicket } from '../core/teams.js';
import type { TicketClocks } from '../core/slaClocks.js';
import type { Db } from '../db/connect.js';
import type { NewTicketRow, TicketRow } from '../db/schema.js';

/**
 * Inserts several tickets with one statement; returns them in the order given (ids ascend in that
 * order on both engines, which the queue's created_at-then-id order relies on for tickets created
 * in the same instant; matched by token rather than trusting the order of RETURNING).
 */
export async function insertTickets(db: Db, rows: readonly NewTicketRow[]): Promise<TicketRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db.insertInto('tickets').values([...rows]).returningAll().execute();
  const byToken = new Map(inserted.map((t) => [t.token, t]));
  return rows.map((row) => byToken.get(row.token)!);
}

/** The tickets created by these submissions' request keys (any order; keys not stored have none). */
export async function findTicketsByIntakeKeys(db: Db, keys: readonly string[]): Promise<TicketRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('tickets').selectAll().where('intake_key', 'in', [...keys]).execute();
}

export async function findTicketById(db: Db, id: number): Promise<TicketRow | undefined> {
  return db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTicketByToken(db: Db, token: string): Promise<TicketRow | undefined> {
  return db.selectFrom('tickets').selectAll().where('token', '=', token).executeTakeFirst();
}

const pending = (db: Db) => db.selectFrom('tickets').where('status', '=', 'open').where('agent_id', 'is', null);

interface QueueColumns {
  id: number;
  created_at: number;
  sla_due_at: number;
  team_id: number;
  required_skills: string;
}

/** A ticket row as routing's queue sees it (§12: with its team and the skills it needs). */
export function teamTicketOf(r: QueueColumns): TeamTicket {
  return { id: r.id, createdAt: r.created_at, slaDueAt: r.sla_due_at, teamId: r.team_id, skills: skillNeedsOf(r.required_skills) };
}

/**
 * The first `limit` pending tickets in queue order, read from the queue indexes; with `teams`, only
 * those teams' tickets (null: every team). `order` is the desk's one order, or every team's
 * (QueueOrders): teams of different orders are read one order at a time, each with its index and
 * limited, and their heads merged by place (core/teams.ts compareTeamTickets) — never a sort of the
 * whole queue.
 */
export async function queueHead(db: Db, order: QueueOrder | QueueOrders, limit: number, teams: readonly number[] | null = null): Promise<TeamTicket[]> {
  if (limit <= 0 || teams?.length === 0) return [];
  if (typeof order === 'string') return queueHeadInOrder(db, order, limit, teams);
  const reads = queueReads(order, teams);
  if (reads.length === 1) return queueHeadInOrder(db, reads[0]!.order, limit, reads[0]!.teams);
  const heads = await Promise.all(reads.map((read) => queueHeadInOrder(db, read.order, limit, read.teams)));
  return heads.flat().sort(compareTeamTickets(order)).slice(0, limit);
}

/** The first `limit` pending tickets of `teams` (null: every team) in one order. */
async function queueHeadInOrder(db: Db, order: QueueOrder, limit: number, teams: readonly number[] | null): Promise<TeamTicket[]> {
  if (teams?.length === 0) return [];
  const inTeams = teams === null ? sql`` : sql` and team_id in (${sql.join(teams.map((t) => sql.lit(t)))})`;
  if (order === 'deadline' && !(db.getExecutor().adapter instanceof PostgresAdapter)) {
    // SQLite, without statistics, read the queue through the agent_id index and sorted all of it
    // (92 ms per routing decision with 200 000 pending: bench:scale); told the index, it reads the
    // first rows. INDEXED BY needs the index's own terms as literals.
    const { rows } = await sql<QueueColumns>`select id, created_at, sla_due_at, team_id, required_skills
      from tickets indexed by tickets_queue_deadline where status = 'open' and agent_id is null${inTeams}
      order by sla_due_at, created_at, id limit ${limit}`.execute(db);
    return rows.map(teamTicketOf);
  }
  let query = pending(db).select(['id', 'created_at', 'sla_due_at', 'team_id', 'required_skills']);
  if (teams !== null) query = query.where('team_id', 'in', teams.map((t) => sql.lit(t)));
  if (order === 'deadline') query = query.orderBy('sla_due_at');
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(teamTicketOf);
}

export async function countPending(db: Db): Promise<number> {
  const row = await pending(db).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** An agent's open tickets, oldest first. */
export async function openTicketsOf(db: Db, agentId: number): Promise<TicketRow[]> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('status', '=', 'open')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * R3: an agent's open tickets, newest first, leaving out one it is about to close (a pending close);
 * at most `limit` (the donor's newest the taker may take is among the first, §12).
 */
export async function newestOpenTicketsOf(db: Db, agentId: number, limit: number): Promise<TeamTicket[]> {
  const rows = await db
    .selectFrom('tickets')
    .select(['id', 'created_at', 'sla_due_at', 'team_id', 'required_skills'])
    .where('agent_id', '=', agentId)
    .where('status', '=', 'open')
    .where('close_due_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(teamTicketOf);
}

export async function recentClosedOf(db: Db, agentId: number, limit: number): Promise<TicketRow[]> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('status', '=', 'closed')
    .orderBy('closed_at', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Moves a ticket from `move.from` to `move.to` (null: the queue), only if it is still open and
 * held by `move.from` (I1: closed tickets never move). Returns whether it moved: false means the
 * move was computed from a state that no longer holds.
 */
export async function setTicketAgent(db: Db, move: Move, now: number): Promise<boolean> {
  const result = await db
    .updateTable('tickets')
    .set({ agent_id: move.to, assigned_at: move.to === null ? null : now })
    .where('id', '=', move.ticketId)
    .where('status', '=', 'open')
    .where('agent_id', move.from === null ? 'is' : '=', move.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Closes an open ticket, with the SLA clock columns the close sets (a paused clock resumed, §11);
 * returns false when it was already closed (closing twice is a no-op).
 *
 * A next-reply clock still running stops here and is counted on the ticket as
 * core/slaFigures.ts stoppedCounts says (met at or before its due instant; else a breach unless the
 * monitor recorded it; `now` is never before a recorded breach: services/routing.ts
 * lockTicketInRun). Written as SQL over the
 * row being updated, not from the row the caller read: a reply on another connection may have
 * stopped the clock meanwhile (replies take the ticket's row lock, closes the routing lock), and
 * the update sees what that reply committed.
 */
export async function markClosed(db: Db, ticketId: number, now: number, clocks: Partial<TicketClocks> = {}): Promise<boolean> {
  const running = sql`next_reply_due_at is not null`;
  const inTime = sql`${running} and ${now} <= next_reply_due_at`;
  const recorded = sql`next_reply_breached_at is not null`;
  const result = await db
    .updateTable('tickets')
    .set({
      ...clocks,
      status: 'closed',
      closed_at: now,
      waiting_on: null,
      // Any close (the API's, an admin's, reply-and-close) ends a pending one too.
      close_due_at: null,
      close_requested_by: null,
      next_reply_met: sql<number>`next_reply_met + case when ${inTime} then 1 else 0 end`,
      next_reply_breached: sql<number>`next_reply_breached + case when ${inTime} and ${recorded} then -1 when ${running} and ${now} > next_reply_due_at and not (${recorded}) then 1 else 0 end`,
    })
    .where('id', '=', ticketId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Reads a ticket for writing on its thread, locking its row until the transaction ends (PostgreSQL;
 * SQLite's write transaction already excludes every other writer). Every message takes this lock
 * first, so messages on one ticket are serialised: the stale check of §9 and `waiting_on` are
 * decided on what is committed.
 */
export async function lockTicketForMessage(db: Db, ticketId: number): Promise<TicketRow | undefined> {
  const query = db.selectFrom('tickets').selectAll().where('id', '=', ticketId);
  return (db.getExecutor().adapter instanceof PostgresAdapter ? query.forUpdate() : query).executeTakeFirst();
}

/** The open tickets whose resolution clock is paused, locked (PostgreSQL) until the transaction ends. */
export async function lockPausedTickets(db: Db): Promise<TicketRow[]> {
  const query = db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('sla_paused_at', 'is not', null).orderBy('id');
  return (db.getExecutor().adapter instanceof PostgresAdapter ? query.forUpdate() : query).execute();
}

/** After a message: whose turn it is, and the first public reply's time (kept once set). */
export async function recordMessageOnTicket(db: Db, ticketId: number, waitingOn: 'agent' | 'customer' | null, firstResponseAt: number | null): Promise<void> {
  await db
    .updateTable('tickets')
    .set({ waiting_on: waitingOn, first_response_at: sql<number | null>`coalesce(first_response_at, ${firstResponseAt})` })
    .where('id', '=', ticketId)
    .execute();
}

/**
 * The follow-ups of a ticket (§9: tickets created by a customer message after it closed), oldest
 * first, read from the tickets_follow_up_of index. The closed ticket's status page links them.
 */
export async function followUpsOf(db: Db, ticketId: number): Promise<TicketRow[]> {
  return db.selectFrom('tickets').selectAll().where('follow_up_of', '=', ticketId).orderBy('id').execute();
}
