/**
 * What on the admin dashboard is alarming (issue 23 items 2 and 4): the level of each ticket card,
 * the "Needs attention" sections, and the one sentence a screen reader hears when the situation
 * changes. Pure: the counts come in, levels and words go out; the page and its script only show them.
 *
 * Levels, worst first:
 * - `alarm` (red): open tickets past their SLA deadline right now;
 * - `warning` (amber): tickets waiting while no agent is available to take them, open tickets held
 *   by agents who are away or offline, emails that were not delivered (failed or bounced);
 * - `calm`: nothing to do.
 * Colour is never the only signal: every level also has words (ALARM_WORDS) shown beside it.
 *
 * With teams (§12) "no agent is available to take them" means no available agent *who may take
 * them*: routing's own rule (core/teams.ts's mayTake) decides, per kind of waiting ticket.
 */
import { anyMayTake, nextWideningAt, type SkillNeed, type TeamTicket, type TeamWorld } from './teams.js';

export const ALARM_LEVELS = ['alarm', 'warning', 'calm'] as const;
export type AlarmLevel = (typeof ALARM_LEVELS)[number];

/** The words that go with a level, for people who do not see the colour. */
export const ALARM_WORDS: Record<AlarmLevel, string> = { alarm: 'Act now', warning: 'Needs attention', calm: 'OK' };

/** The ticket cards that can raise an alarm, from the window's figures and the desk now. */
export interface CardFigures {
  pending: number;
  openOverdue: number;
  /** Tickets waiting now that no available agent may take (DeskNow.waitingUnattended). */
  waitingUnattended: number;
}

export interface CardLevels {
  pending: AlarmLevel;
  open_overdue: AlarmLevel;
}

/** Overdue (breached and still open) is red whenever there is one; waiting is amber while some ticket waits that nobody available may take. */
export function cardLevels({ pending, openOverdue, waitingUnattended }: CardFigures): CardLevels {
  return {
    pending: pending > 0 && waitingUnattended > 0 ? 'warning' : 'calm',
    open_overdue: openOverdue > 0 ? 'alarm' : 'calm',
  };
}

/** The desk as it stands now, whatever the dashboard's window. */
export interface DeskNow {
  /** Open tickets with no agent. */
  waiting: number;
  /** Open tickets past their deadline. */
  overdue: number;
  /** Active agents whose presence is available (of the team, on one team's dashboard). */
  availableAgents: number;
  /** Open tickets with no agent that no available agent may take (unattendedKinds). */
  waitingUnattended: number;
  /** Open tickets whose agent is away or offline. */
  heldByUnavailable: number;
  /** Emails given up (failed) or reported undeliverable (bounced). */
  undeliveredEmails: number;
}

export const ATTENTION_SECTIONS = ['breached_open', 'waiting_unattended', 'held_by_unavailable', 'undelivered_emails'] as const;
export type AttentionSection = (typeof ATTENTION_SECTIONS)[number];

export interface SectionLevel {
  count: number;
  level: AlarmLevel;
}

/**
 * Each "Needs attention" section's count and level, in ATTENTION_SECTIONS order (worst kind
 * first). A waiting ticket counts only while no available agent may take it: with one available
 * it is in the queue for a reason (everyone who may take it is full) and routing hands it out as
 * room appears.
 */
export function attentionSections(now: DeskNow): Record<AttentionSection, SectionLevel> {
  const section = (count: number, level: AlarmLevel): SectionLevel => ({ count, level: count > 0 ? level : 'calm' });
  return {
    breached_open: section(now.overdue, 'alarm'),
    waiting_unattended: section(now.waitingUnattended, 'warning'),
    held_by_unavailable: section(now.heldByUnavailable, 'warning'),
    undelivered_emails: section(now.undeliveredEmails, 'warning'),
  };
}

/** The worst of some levels (calm when there are none). */
export function worstLevel(levels: Iterable<AlarmLevel>): AlarmLevel {
  let worst: AlarmLevel = 'calm';
  for (const level of levels) if (ALARM_LEVELS.indexOf(level) < ALARM_LEVELS.indexOf(worst)) worst = level;
  return worst;
}

/**
 * The one sentence a screen reader hears when it changes, e.g. "3 waiting, 1 overdue, 2 agents
 * available." (an agent, no agents).
 */
export function summarySentence({ waiting, overdue, availableAgents }: Pick<DeskNow, 'waiting' | 'overdue' | 'availableAgents'>): string {
  const agents = availableAgents === 0 ? 'no agents' : availableAgents === 1 ? '1 agent' : `${availableAgents} agents`;
  return `${waiting} waiting, ${overdue} overdue, ${agents} available.`;
}

/** A ticket that may need attention, with what makes it urgent. */
export interface UrgentTicket {
  id: number;
  created_at: number;
  sla_due_at: number | null;
}

/**
 * The `limit` most urgent of some tickets, each once: the earliest deadline first (the most
 * overdue), then a ticket with no running deadline (paused), then the oldest, then the lowest id.
 */
export function mostUrgent<T extends UrgentTicket>(tickets: readonly T[], limit: number): T[] {
  const seen = new Set<number>();
  const unique = tickets.filter((t) => !seen.has(t.id) && seen.add(t.id));
  const due = (t: T) => t.sla_due_at ?? Number.POSITIVE_INFINITY;
  return unique.sort((a, b) => due(a) - due(b) || a.created_at - b.created_at || a.id - b.id).slice(0, limit);
}

/** What kind of waiting ticket: its team and the skills it was created with. Tickets of one kind differ only by age. */
export interface WaitingKind {
  teamId: number;
  skills: readonly SkillNeed[];
}

/**
 * The waiting tickets of `kind` that no agent of `available` may take at `now` are those created
 * after the instant returned: `now` when an available agent may take even a new one (none), null
 * when no age makes one takeable (all). Who may take a ticket only widens as it waits (a skill
 * turns optional, the overflow opens), so the instant is found by asking routing's rule (mayTake)
 * about a ticket created now at each moment it widens (nextWideningAt): one widened `d` after now
 * is one created `d` before now, judged now.
 */
export function unattendedAfter(kind: WaitingKind, world: TeamWorld, available: readonly number[], now: number): number | null {
  const ticket: TeamTicket = { id: 0, createdAt: now, slaDueAt: now, teamId: kind.teamId, skills: kind.skills };
  for (let at: number | null = now; at !== null; at = nextWideningAt(ticket, world.teams, at)) {
    if (anyMayTake(world, available, ticket, at)) return now - (at - now);
  }
  return null;
}

/**
 * The kinds with waiting tickets (`pending` of them) that no available agent may take, each with
 * the instant after which its tickets were created (null: all of them). Kinds whose every waiting
 * ticket an available agent may take are left out.
 */
export function unattendedKinds<K extends WaitingKind & { pending: number }>(kinds: readonly K[], world: TeamWorld, available: readonly number[], now: number): { kind: K; after: number | null }[] {
  return kinds
    .filter((kind) => kind.pending > 0)
    .map((kind) => ({ kind, after: unattendedAfter(kind, world, available, now) }))
    .filter(({ after }) => after === null || after < now);
}

/** The agents of `available` who are members of team `teamId` (one team's dashboard counts only them). */
export function availableInTeam(world: TeamWorld, available: readonly number[], teamId: number): number[] {
  return available.filter((agentId) => world.members.get(agentId)?.teams.includes(teamId) ?? false);
}

/** The `limit` oldest of some waiting tickets: created first, then the lowest id (the queue's `oldest` order). */
export function oldestFirst<T extends Pick<UrgentTicket, 'id' | 'created_at'>>(tickets: readonly T[], limit: number): T[] {
  return [...tickets].sort((a, b) => a.created_at - b.created_at || a.id - b.id).slice(0, limit);
}
