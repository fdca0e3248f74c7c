/**
 * What the staffing forecast (SPEC §14) reads of the past: the tickets that arrived in a window
 * (what happened to them, and how long their agents held them), the agents of a team and their
 * capacity. Every read is bounded by a limit the caller chooses.
 */
import type { ArrivalRecord } from '../core/forecast.js';
import type { Db } from '../db/connect.js';

export interface WindowTickets {
  arrivals: ArrivalRecord[];
  /** Per arrival: assignment → close in ms when it was closed by an agent; null otherwise. */
  holds: (number | null)[];
  /** More than `limit` arrived: only the first `limit` are returned. */
  truncated: boolean;
}

/** Tickets created in [from, to) (of one team when given), oldest first, at most `limit`. */
export async function ticketsOfWindow(db: Db, window: { from: number; to: number }, teamId: number | null, limit: number, now: number): Promise<WindowTickets> {
  let query = db
    .selectFrom('tickets')
    .select(['created_at', 'priority', 'sla_due_at', 'assigned_at', 'closed_at'])
    .where('created_at', '>=', window.from)
    .where('created_at', '<', window.to);
  if (teamId !== null) query = query.where('team_id', '=', teamId);
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit + 1).execute();
  const kept = rows.slice(0, limit);
  const arrivals = kept.map((r): ArrivalRecord => {
    const closedAt = r.closed_at === null ? null : Number(r.closed_at);
    const slaDueAt = Number(r.sla_due_at);
    return {
      createdAt: Number(r.created_at),
      priority: r.priority,
      slaDueAt,
      assignedAt: r.assigned_at === null ? null : Number(r.assigned_at),
      closedAt,
      breached: closedAt === null ? now > slaDueAt : closedAt > slaDueAt,
    };
  });
  const holds = arrivals.map((a) => (a.assignedAt !== null && a.closedAt !== null ? a.closedAt - a.assignedAt : null));
  return { arrivals, holds, truncated: rows.length > limit };
}

/** The active agents (of one team when given) with their own capacity (null: the default). */
export async function forecastAgents(db: Db, teamId: number | null): Promise<{ id: number; capacity: number | null }[]> {
  let query = db.selectFrom('users as u').select(['u.id', 'u.capacity']).where('u.role', '=', 'agent').where('u.active', '=', 1);
  if (teamId !== null) query = query.where((eb) => eb.exists(eb.selectFrom('team_members as m').select('m.user_id').whereRef('m.user_id', '=', 'u.id').where('m.team_id', '=', teamId)));
  return query.orderBy('u.id').execute();
}

export async function teamExists(db: Db, teamId: number): Promise<boolean> {
  return (await db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()) !== undefined;
}
