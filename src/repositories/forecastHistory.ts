/**
 * What the staffing forecast (SPEC §14) reads of the past: the tickets that arrived in a window
 * (what happened to them, and how long their agents held them), the agents of a team and their
 * capacity. Every read is bounded by a limit the caller chooses.
 */
import type { ArrivalRecord } from '../core/forecast.js';
import type { SlaCalendar } from '../core/calendar.js';
import { dueOnResume } from '../core/slaClocks.js';
import { skillNeedsOf } from '../core/teams.js';
import type { Db } from '../db/connect.js';

export interface WindowTickets {
  arrivals: ArrivalRecord[];
  /** Per arrival: first assignment → close in ms when it was closed by an agent; null otherwise. */
  holds: (number | null)[];
  /** More than `limit` arrived: only the first `limit` are returned. */
  truncated: boolean;
}

/** Rows per read: each one short, so on SQLite (synchronous reads) the event loop turns between them. */
const CHUNK = 2_000;

/**
 * Tickets created in [from, to) (of one team when given), oldest first, at most `limit`; read in
 * chunks by (created_at, id), yielding to the event loop between them. A ticket waiting on its
 * customer (its resolution clock paused, §11) stores no deadline (PAUSED_DUE_AT): it is replayed
 * with the one it had when it paused, counted in its clock's calendar (`calendarOf` its version).
 */
export async function ticketsOfWindow(
  db: Db,
  window: { from: number; to: number },
  teamId: number | null,
  limit: number,
  now: number,
  calendarOf: (versionId: number | null) => Promise<SlaCalendar>,
): Promise<WindowTickets> {
  const rows: { id: number; created_at: number; priority: ArrivalRecord['priority']; sla_due_at: number; assigned_at: number | null; closed_at: number | null; first_assigned_at: number | string | null; team_id: number; required_skills: string; sla_paused_at: number | null; sla_remaining_ms: number | null; sla_calendar_version_id: number | null }[] = [];
  let after: { createdAt: number; id: number } | null = null;
  while (rows.length <= limit) {
    let query = db
      .selectFrom('tickets')
      .select(['id', 'created_at', 'priority', 'sla_due_at', 'assigned_at', 'closed_at', 'team_id', 'required_skills', 'sla_paused_at', 'sla_remaining_ms', 'sla_calendar_version_id'])
      // assigned_at is the latest move (an R3 balance, a reassignment): the first agent is in the events.
      .select((eb) => eb.selectFrom('ticket_events as e').whereRef('e.ticket_id', '=', 'tickets.id').where('e.to_agent_id', 'is not', null).select((e) => e.fn.min('e.at').as('at')).as('first_assigned_at'))
      .where('created_at', '<', window.to);
    if (after === null) query = query.where('created_at', '>=', window.from);
    else {
      const { createdAt, id } = after;
      query = query.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]));
    }
    if (teamId !== null) query = query.where('team_id', '=', teamId);
    const chunk = await query.orderBy('created_at').orderBy('id').limit(Math.min(CHUNK, limit + 1 - rows.length)).execute();
    rows.push(...chunk);
    const last = chunk[chunk.length - 1];
    if (!last || chunk.length < CHUNK) break;
    after = { createdAt: Number(last.created_at), id: last.id };
    await new Promise((resolve) => setImmediate(resolve));
  }
  const kept = rows.slice(0, limit);
  const arrivals: ArrivalRecord[] = [];
  for (const r of kept) {
    const closedAt = r.closed_at === null ? null : Number(r.closed_at);
    const slaDueAt = Number(r.sla_due_at);
    const pausedAt = r.sla_paused_at === null ? null : Number(r.sla_paused_at);
    const remainingMs = r.sla_remaining_ms === null ? null : Number(r.sla_remaining_ms);
    const versionId = r.sla_calendar_version_id === null ? null : Number(r.sla_calendar_version_id);
    // A ticket without events (rows written straight into the table) has only assigned_at.
    const firstAssignedAt = r.first_assigned_at ?? r.assigned_at;
    arrivals.push({
      createdAt: Number(r.created_at),
      priority: r.priority,
      slaDueAt: pausedAt === null ? slaDueAt : dueOnResume(pausedAt, remainingMs, await calendarOf(versionId)),
      assignedAt: firstAssignedAt === null ? null : Number(firstAssignedAt),
      closedAt,
      // What really happened: a paused clock has not breached.
      breached: closedAt === null ? now > slaDueAt : closedAt > slaDueAt,
      teamId: Number(r.team_id),
      skills: skillNeedsOf(r.required_skills),
    });
  }
  // Held from its first assignment to its close by the agent holding it then (as the replay holds it).
  const holds = arrivals.map((a, i) => (a.assignedAt !== null && a.closedAt !== null && kept[i]!.assigned_at !== null ? a.closedAt - a.assignedAt : null));
  return { arrivals, holds, truncated: rows.length > limit };
}

/**
 * The agents (of one team when given) that may have been on duty from `from` on, with their own
 * capacity (null: the default): the active ones, and those deactivated since `from` (their
 * deactivation is a presence change at or after it), who worked in the window all the same.
 */
export async function forecastAgents(db: Db, teamId: number | null, from: number): Promise<{ id: number; capacity: number | null }[]> {
  let query = db
    .selectFrom('users as u')
    .select(['u.id', 'u.capacity'])
    .where('u.role', '=', 'agent')
    .where((eb) => eb.or([eb('u.active', '=', 1), eb.exists(eb.selectFrom('presence_history as p').select('p.user_id').whereRef('p.user_id', '=', 'u.id').where('p.at', '>=', from))]));
  if (teamId !== null) query = query.where((eb) => eb.exists(eb.selectFrom('team_members as m').select('m.user_id').whereRef('m.user_id', '=', 'u.id').where('m.team_id', '=', teamId)));
  return query.orderBy('u.id').execute();
}

/** Team `teamId`'s own queue order; null: the desk's (or no such team). */
export async function teamQueueOrder(db: Db, teamId: number): Promise<'oldest' | 'deadline' | null> {
  return (await db.selectFrom('teams').select('queue_order').where('id', '=', teamId).executeTakeFirst())?.queue_order ?? null;
}

export async function teamExists(db: Db, teamId: number): Promise<boolean> {
  return (await db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()) !== undefined;
}
