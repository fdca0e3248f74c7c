/**
 * The routing-due rows (§12's time-driven changes): waiting tickets whose `routing_due_at` has come,
 * read from the partial index tickets_routing_due, like the SLA monitor's and the pending closes'.
 */
import { type RawBuilder, sql } from 'kysely';
import type { TeamTicket } from '../core/teams.js';
import type { Db } from '../db/connect.js';
import { teamTicketOf } from './tickets.js';

/** How many due tickets one routing transaction handles; the rest are handled by the next. */
const DUE_BATCH = 200;

/** Waiting tickets as routing sees them, with a further condition (SQL after `and`). */
async function waitingTickets(db: Db, condition: RawBuilder<unknown>): Promise<TeamTicket[]> {
  const { rows } = await sql<{ id: number; created_at: number; sla_due_at: number; team_id: number; required_skills: string }>`
    select id, created_at, sla_due_at, team_id, required_skills from tickets
    where status = 'open' and agent_id is null and ${condition}`.execute(db);
  return rows.map(teamTicketOf);
}

/** The waiting tickets whose routing moment is at or before `now`. */
export function dueRoutingTickets(db: Db, now: number): Promise<TeamTicket[]> {
  return waitingTickets(db, sql`routing_due_at is not null and routing_due_at <= ${now} order by routing_due_at limit ${DUE_BATCH}`);
}

/** The waiting tickets of team `teamId` (an admin changed its overflow: their moments move). */
export function waitingTicketsOfTeam(db: Db, teamId: number): Promise<TeamTicket[]> {
  return waitingTickets(db, sql`team_id = ${teamId}`);
}

/**
 * Tickets created needing skill `skillId`, by a LIKE on required_skills: core/teams.ts skillsText's
 * JSON, whose entries start `{"id":<id>,`.
 */
function namesSkill(skillId: number): RawBuilder<unknown> {
  return sql`required_skills like ${`%{"id":${skillId},%`}`;
}

/** The waiting tickets created needing skill `skillId` (whether they still need it is core/teams.ts requiredSkillsAt's question). */
export function waitingTicketsWithSkill(db: Db, skillId: number): Promise<TeamTicket[]> {
  return waitingTickets(db, namesSkill(skillId));
}

/** The open tickets, waiting or held, created needing skill `skillId`: their ids and stored skills. */
export async function openTicketsWithSkill(db: Db, skillId: number): Promise<{ id: number; required_skills: string }[]> {
  const { rows } = await sql<{ id: number; required_skills: string }>`select id, required_skills from tickets where status = 'open' and ${namesSkill(skillId)}`.execute(db);
  return rows.map((r) => ({ id: Number(r.id), required_skills: r.required_skills }));
}

/** Stores a ticket's required skills (the summaries of waiting tickets follow by trigger). */
export async function setRequiredSkills(db: Db, ticketId: number, text: string): Promise<void> {
  await db.updateTable('tickets').set({ required_skills: text }).where('id', '=', ticketId).execute();
}

/** Sets each ticket's next routing moment (null: none left). */
export async function setRoutingDueAt(db: Db, moments: readonly { id: number; at: number | null }[]): Promise<void> {
  for (const m of moments) await db.updateTable('tickets').set({ routing_due_at: m.at }).where('id', '=', m.id).execute();
}

/** The earliest routing moment of a waiting ticket, or null: when the routing-due job wakes next. */
export async function nextRoutingDueAt(db: Db): Promise<number | null> {
  const { rows } = await sql<{ at: number | string | null }>`select min(routing_due_at) as at from tickets
    where status = 'open' and agent_id is null and routing_due_at is not null`.execute(db);
  const at = rows[0]?.at;
  return at === null || at === undefined ? null : Number(at);
}
