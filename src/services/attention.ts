/**
 * The admin dashboard's alarms (issue 23 items 2 and 4): the level of the ticket cards, the "Needs
 * attention" panel and the sentence announced to screen readers. The desk as it stands now,
 * whatever the window: counts from the summaries, the few most urgent items from indexes
 * (repositories/attention.ts); the decisions are core/dashboardAttention.ts's.
 *
 * Teams (§12): a waiting ticket needs attention while no available agent *who may take it* is
 * available (routing's rule, asked per kind of waiting ticket: team and skills). On one team's
 * dashboard (`?team=`) every section is that team's: its waiting tickets and those needing
 * attention, its members available, its overdue tickets, the tickets of it held by agents who are
 * away, and the undelivered emails about its tickets.
 */
import type { Db } from '../db/connect.js';
import { type AlarmLevel, attentionSections, availableInTeam, type CardLevels, cardLevels, mostUrgent, oldestFirst, type SectionLevel, summarySentence, unattendedKinds, worstLevel } from '../core/dashboardAttention.js';
import { PAUSED_DUE_AT } from '../core/slaClocks.js';
import { referenceOf } from '../core/tickets.js';
import { anyMayTake, skillNeedsOf, type TeamWorld } from '../core/teams.js';
import type { TicketRow } from '../db/schema.js';
import type { TicketFilter } from '../repositories/adminLists.js';
import { teamTicketOf } from '../repositories/tickets.js';
import {
  type AttentionEmailRow,
  type AttentionRows,
  attentionRows,
  type AttentionTicketRow,
  availableAgentIds,
  countWaitingOfKind,
  oldestWaitingOfKind,
  waitingKinds,
} from '../repositories/attention.js';
import { loadTeamWorld } from '../repositories/teamState.js';
import { countByState, dialectOf, openOverdueByPriority } from '../repositories/stats.js';
import type { MailStats } from './mailStats.js';
import type { Stats } from './stats.js';

/** How many items each section lists. */
export const ATTENTION_ITEMS = 3;

export interface AttentionTicket {
  id: number;
  reference: string;
  title: string;
  priority: AttentionTicketRow['priority'];
  created_at: number;
  /** Null while the resolution clock is paused. */
  sla_due_at: number | null;
  agent: string | null;
  presence: AttentionTicketRow['presence'];
}

export type AttentionEmail = AttentionEmailRow;

export interface Attention {
  /** The instant the desk was judged at (epoch ms), for "overdue by" and "waiting for". */
  at: number;
  /** e.g. "3 waiting, 1 overdue, 2 agents available." */
  summary: string;
  waiting: number;
  overdue: number;
  available_agents: number;
  /** The ticket cards' levels, from the window's figures. */
  cards: CardLevels;
  /** The worst section's level. */
  level: AlarmLevel;
  sections: {
    breached_open: SectionLevel & { items: AttentionTicket[] };
    waiting_unattended: SectionLevel & { items: AttentionTicket[] };
    held_by_unavailable: SectionLevel & { items: AttentionTicket[] };
    undelivered_emails: SectionLevel & { items: AttentionEmail[] };
  };
}

const ticketOf = (r: AttentionTicketRow): AttentionTicket => ({
  id: r.id,
  reference: referenceOf(r.id),
  title: r.title,
  priority: r.priority,
  created_at: r.created_at,
  sla_due_at: r.sla_due_at >= PAUSED_DUE_AT ? null : r.sla_due_at,
  agent: r.agent,
  presence: r.presence,
});

/** What the panel reads from the database at `now`: counts and candidates (loadDesk). */
export interface Desk {
  at: number;
  waiting: number;
  overdue: number;
  availableAgents: number;
  /** Waiting tickets no available agent may take, and the oldest of them. */
  unattended: { count: number; oldest: AttentionTicketRow[] };
  rows: AttentionRows;
}

/** The kinds of waiting ticket (of team `teamId`, or every team) and those no available agent may take at `now` (core/dashboardAttention.ts). */
async function unattendedOf(db: Db, now: number, teamId: number | null, world?: TeamWorld, available?: readonly number[]) {
  const kinds = (await waitingKinds(db, teamId)).map((row) => ({ row, teamId: row.team_id, skills: skillNeedsOf(row.required_skills), pending: row.pending }));
  return { kinds, found: unattendedKinds(kinds, world ?? (await loadTeamWorld(db)), available ?? (await availableAgentIds(db)), now) };
}

/**
 * The waiting tickets (of team `teamId`, or every team) that no available agent may take at `now`:
 * per kind of waiting ticket, core/dashboardAttention.ts says which (created after which instant),
 * and those are counted and listed from the kind's range of tickets_queue_by_team.
 */
async function loadUnattended(db: Db, now: number, teamId: number | null, world: TeamWorld, available: readonly number[]) {
  const dialect = dialectOf(db);
  const { kinds, found } = await unattendedOf(db, now, teamId, world, available);
  let count = 0;
  const oldest: AttentionTicketRow[] = [];
  for (const { kind, after } of found) {
    count += await countWaitingOfKind(db, dialect, kind.row, after);
    oldest.push(...(await oldestWaitingOfKind(db, dialect, kind.row, after, ATTENTION_ITEMS)));
  }
  return { count, oldest: oldestFirst(oldest, ATTENTION_ITEMS), kinds };
}

/**
 * `filter` with the kinds its `unattended` choice means at `now` (every team's: a `team` filter
 * narrows apart), as the panel counts them (loadUnattended); as it is without that choice.
 */
export async function withUnattendedKinds(db: Db, filter: TicketFilter, now: number): Promise<TicketFilter> {
  if (filter.unattended === undefined) return filter;
  const { found } = await unattendedOf(db, now, null);
  return { ...filter, unattendedKinds: found.map(({ kind, after }) => ({ teamId: kind.teamId, requiredSkills: kind.row.required_skills, after })) };
}

/**
 * Reads the desk at `now`, of every team or of team `teamId` (see the header); run it in the
 * figures' read snapshot (inReadSnapshot) so both agree.
 */
export async function loadDesk(db: Db, now: number, teamId: number | null = null): Promise<Desk> {
  const [world, available] = [await loadTeamWorld(db), await availableAgentIds(db)];
  const unattended = await loadUnattended(db, now, teamId, world, available);
  const waiting = teamId === null ? (await countByState(db)).pending : unattended.kinds.reduce((total, k) => total + k.pending, 0);
  const availableAgents = teamId === null ? available.length : availableInTeam(world, available, teamId).length;
  const rows = await attentionRows(db, dialectOf(db), now, ATTENTION_ITEMS, teamId);
  const overdue = rows.team?.overdue ?? (await openOverdueByPriority(db, now)).reduce((total, r) => total + r.n, 0);
  return { at: now, waiting, overdue, availableAgents, unattended: { count: unattended.count, oldest: unattended.oldest }, rows };
}

/** The alarms from the desk, beside the window's figures (`stats`) and the outbox (`mail`). */
export function attentionOf({ at, waiting, overdue, availableAgents, unattended, rows }: Desk, stats: Pick<Stats, 'pending' | 'sla'>, mail: MailStats): Attention {
  const sections = attentionSections({
    waiting,
    overdue,
    availableAgents,
    waitingUnattended: unattended.count,
    heldByUnavailable: rows.heldByUnavailable,
    undeliveredEmails: rows.team?.undeliveredEmails ?? mail.outbox.failed + mail.outbox.bounced,
  });
  return {
    at,
    summary: summarySentence({ waiting, overdue, availableAgents }),
    waiting,
    overdue,
    available_agents: availableAgents,
    cards: cardLevels({ pending: stats.pending, openOverdue: stats.sla.open_overdue, waitingUnattended: unattended.count }),
    level: worstLevel(Object.values(sections).map((s) => s.level)),
    sections: {
      breached_open: { ...sections.breached_open, items: mostUrgent(rows.overdue, ATTENTION_ITEMS).map(ticketOf) },
      waiting_unattended: { ...sections.waiting_unattended, items: unattended.oldest.map(ticketOf) },
      held_by_unavailable: { ...sections.held_by_unavailable, items: rows.heldByUnavailableItems.map(ticketOf) },
      undelivered_emails: { ...sections.undelivered_emails, items: rows.undeliveredEmails },
    },
  };
}

/** loadDesk and attentionOf in one (for tests and scripts). */
export async function computeAttention(db: Db, now: number, stats: Pick<Stats, 'pending' | 'sla'>, mail: MailStats, teamId: number | null = null): Promise<Attention> {
  return attentionOf(await loadDesk(db, now, teamId), stats, mail);
}

/**
 * Whether anyone available may take a waiting ticket now (§12: a member of its team, or of its
 * opened overflow team, holding the skills it still needs): the customer's confirmation says
 * "everyone is busy" then, else "nobody is online", whoever of other teams is in.
 */
export async function anyoneInFor(db: Db, ticket: TicketRow, now: number): Promise<boolean> {
  return anyMayTake(await loadTeamWorld(db), await availableAgentIds(db), teamTicketOf(ticket), now);
}
