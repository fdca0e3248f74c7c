/**
 * SPEC §12 as pure decisions: who may take a ticket once teams, required skills, skills that become
 * optional after a wait, and overflow teams are in play. R1–R5 (src/core/routing.ts) stay as they
 * are; they are asked with the `CanTake` rule built here, so they apply within the ticket's team.
 * Nothing here reads a clock or a database: `now` and every row come in as arguments.
 */
import { rowNamed } from './checked.js';
import { parseId } from './tickets.js';
import { type AgentLoad, type CanTake, compareInQueue, hasSpareCapacity, type IntakePlan, planDrain, type QueuedTicket, type QueueOrder, withAssignment } from './routing.js';

/** A skill a ticket needs; with `optionalAfterMs`, only until it has waited that long. */
export interface SkillNeed {
  skillId: number;
  optionalAfterMs: number | null;
}

/** What routing needs to know of a team: where its tickets overflow to, after how long, and its queue order. */
export interface TeamRule {
  id: number;
  overflowTeamId: number | null;
  overflowAfterMs: number | null;
  /** The order of its waiting tickets; null: the desk's queue_order setting. */
  queueOrder: QueueOrder | null;
}

/** A ticket as routing sees it with teams: its team and the skills it needs. */
export interface TeamTicket extends QueuedTicket {
  teamId: number;
  skills: readonly SkillNeed[];
}

/** An agent's teams and skills (its load is an AgentLoad: capacity is one number across teams). */
export interface Membership {
  teams: readonly number[];
  skills: readonly number[];
}

/** The teams' rules and each agent's teams and skills, as routing read them. */
export interface TeamWorld {
  teams: ReadonlyMap<number, TeamRule>;
  members: ReadonlyMap<number, Membership>;
}

/**
 * The skills a ticket still needs at `now`: every required skill, except one whose optional-after
 * wait (counted from the ticket's created_at, which a requeue keeps) has passed.
 */
export function requiredSkillsAt(ticket: TeamTicket, now: number): number[] {
  return ticket.skills.filter((s) => s.optionalAfterMs === null || now < ticket.createdAt + s.optionalAfterMs).map((s) => s.skillId);
}

/** The teams whose members may take the ticket at `now`: its own, and its overflow team once that opened. */
export function teamsOpenTo(ticket: TeamTicket, teams: ReadonlyMap<number, TeamRule>, now: number): number[] {
  const rule = teams.get(ticket.teamId);
  const open = [ticket.teamId];
  if (rule?.overflowTeamId != null && rule.overflowAfterMs !== null && now >= ticket.createdAt + rule.overflowAfterMs && rule.overflowTeamId !== ticket.teamId) {
    open.push(rule.overflowTeamId);
  }
  return open;
}

/** §12: the agent is a member of a team open to the ticket and holds every skill it still needs. */
export function mayTake(world: TeamWorld, agentId: number, ticket: TeamTicket, now: number): boolean {
  const member = world.members.get(agentId);
  if (!member) return false;
  if (!teamsOpenTo(ticket, world.teams, now).some((t) => member.teams.includes(t))) return false;
  return requiredSkillsAt(ticket, now).every((s) => member.skills.includes(s));
}

/**
 * Whether any of the `available` agents may take the ticket at `now`: while one may and the ticket
 * still waits, everyone who may is full ("busy"); while none may, nobody who handles it is in,
 * whoever else is available (the customer's confirmation says which, §1).
 */
export function anyMayTake(world: TeamWorld, available: readonly number[], ticket: TeamTicket, now: number): boolean {
  return available.some((agentId) => mayTake(world, agentId, ticket, now));
}

/** The routing rule R1–R5 are asked with at `now`. */
export function teamRule(world: TeamWorld, now: number): CanTake<TeamTicket> {
  return (agent, ticket) => mayTake(world, agent.id, ticket, now);
}

/** The teams both agents are members of (R3 balances only their tickets). */
export function sharedTeams(world: TeamWorld, a: number, b: number): number[] {
  const teamsOfB = world.members.get(b)?.teams ?? [];
  return (world.members.get(a)?.teams ?? []).filter((t) => teamsOfB.includes(t));
}

/** Whether two agents share a team (R3 balances only between them). */
export function shareTeam(world: TeamWorld, a: number, b: number): boolean {
  return sharedTeams(world, a, b).length > 0;
}

/**
 * Every team's queue order as routing applies it: the team's own, else the desk's setting. A team
 * routing does not know (none is deleted while it holds open tickets) follows the desk's.
 */
export interface QueueOrders {
  desk: QueueOrder;
  teams: ReadonlyMap<number, TeamRule>;
}

/** The order team `teamId`'s queue is in. */
export function orderOfTeam(orders: QueueOrders, teamId: number): QueueOrder {
  return orders.teams.get(teamId)?.queueOrder ?? orders.desk;
}

/**
 * Our decision on several queue orders (README, Teams): a waiting ticket's place in its team's
 * queue is its created_at under `oldest`, its sla_due_at under `deadline`; every waiting ticket is
 * in one total order by place, then created_at, then id. An agent in several teams takes the heads
 * of its teams' queues in that order, and a drain routes them in it. With every team on the desk's
 * order this is the desk's order, as before teams had their own.
 */
export function compareTeamTickets(orders: QueueOrders): (a: TeamTicket, b: TeamTicket) => number {
  return compareInQueue((t: TeamTicket) => orderOfTeam(orders, t.teamId));
}

/** One read of the queue: the first waiting tickets of `teams` (null: every team) in `order`. */
export interface QueueRead {
  order: QueueOrder;
  teams: number[] | null;
}

/**
 * How the queue of `asked` teams (null: every team) is read: one read when they share an order
 * (null stays null: no team filter), else one per order with its teams, whose heads are merged by
 * compareTeamTickets. Each read follows its order's index.
 */
export function queueReads(orders: QueueOrders, asked: readonly number[] | null): QueueRead[] {
  const ids = asked ?? [...orders.teams.keys()];
  const byOrder = new Map<QueueOrder, number[]>();
  for (const id of ids) {
    const order = orderOfTeam(orders, id);
    byOrder.set(order, [...(byOrder.get(order) ?? []), id]);
  }
  if (byOrder.size <= 1) return [{ order: byOrder.keys().next().value ?? orders.desk, teams: asked === null ? null : [...ids] }];
  return [...byOrder].map(([order, teams]) => ({ order, teams }));
}

/**
 * The next moment after `now` at which more agents may take the ticket (a skill turns optional, the
 * overflow opens), or null when nothing more will change. The due-row job routes the ticket then.
 */
export function nextWideningAt(ticket: TeamTicket, teams: ReadonlyMap<number, TeamRule>, now: number): number | null {
  const moments = ticket.skills.flatMap((s) => (s.optionalAfterMs === null ? [] : [ticket.createdAt + s.optionalAfterMs]));
  const rule = teams.get(ticket.teamId);
  if (rule?.overflowTeamId != null && rule.overflowAfterMs !== null && rule.overflowTeamId !== ticket.teamId) moments.push(ticket.createdAt + rule.overflowAfterMs);
  const later = moments.filter((m) => m > now);
  return later.length === 0 ? null : Math.min(...later);
}

/**
 * R1 with teams for new tickets committed together, in arrival order: each goes to the best-ranked
 * agent with room that may take it, else it waits. A new ticket never overtakes a waiting one,
 * because at the start of every routing transaction no waiting ticket has an eligible agent with
 * room (team-I3, kept by every transaction's drain and by the due-row job for time-driven changes).
 */
export function planTeamIntake(agents: readonly AgentLoad[], tickets: readonly TeamTicket[], rule: CanTake<TeamTicket>, now: number): IntakePlan {
  const plan = planDrain(agents, tickets, now, new Map(), rule);
  const to = new Map(plan.moves.map((m) => [m.ticketId, m.to]));
  return { agentIds: tickets.map((t) => to.get(t.id) ?? null), agents: plan.agents };
}

/**
 * §9's follow-up with teams: the previous agent when it has room, may still take it and nobody
 * waits in the queue of the follow-up's team (`teamQueueWaiting`), else R1. A ticket waiting there
 * (one nobody with room may take, such as one needing a skill) was there first: the previous agent
 * is no reason to pass R1's ranking over.
 */
export function planTeamFollowUp(agents: readonly AgentLoad[], ticket: TeamTicket, previousAgentId: number | null, rule: CanTake<TeamTicket>, now: number, teamQueueWaiting: boolean): IntakePlan {
  const previous = previousAgentId === null || teamQueueWaiting ? undefined : agents.find((a) => a.id === previousAgentId);
  if (previous && hasSpareCapacity(previous) && rule(previous, ticket)) return { agentIds: [previous.id], agents: withAssignment(agents, previous.id, now) };
  return planTeamIntake(agents, [ticket], rule, now);
}

/** How many of a donor's newest tickets R3 looks through for one the taker may take. */
export const BALANCE_LOOKAHEAD = 50;

/**
 * R3 with teams: the newest of the donor's tickets (newest first) of one of the taker's own teams
 * (`takerTeams`) that the taker may take (its skills), or null. Its own teams only: a ticket the
 * taker could take from the queue only through its team's opened overflow (§12) is no ticket of
 * a team it shares, and balancing it would move work the donor's team holds. (A ticket an admin
 * gave the donor outside the donor's teams (R6) may still go to a taker of its team: the decision
 * the reference model of test/model makes too.)
 */
export function balanceTicket(donorTickets: readonly TeamTicket[], taker: AgentLoad, rule: CanTake<TeamTicket>, takerTeams: readonly number[]): number | null {
  return donorTickets.find((t) => takerTeams.includes(t.teamId) && rule(taker, t))?.id ?? null;
}

/**
 * The teams whose waiting tickets agents of `takers` may take: their own teams, and the teams
 * overflowing into them. Routing reads only those teams' queues.
 */
export function queuesServedBy(world: TeamWorld, takers: readonly number[]): Set<number> {
  const own = new Set(takers.flatMap((id) => world.members.get(id)?.teams ?? []));
  const served = new Set(own);
  for (const rule of world.teams.values()) if (rule.overflowTeamId !== null && own.has(rule.overflowTeamId)) served.add(rule.id);
  return served;
}

/**
 * Team-I3 checked on a state: the pending tickets (any order) that an agent with room may take.
 * Used by the invariant helpers; `at` gives, per ticket, the moment its eligibility is judged at.
 */
export function waitingWhileEligible(
  agents: readonly AgentLoad[],
  world: TeamWorld,
  pending: readonly TeamTicket[],
  at: (ticket: TeamTicket) => number,
): { ticketId: number; agentIds: number[] }[] {
  const free = agents.filter(hasSpareCapacity);
  const found: { ticketId: number; agentIds: number[] }[] = [];
  for (const t of pending) {
    const agentIds = free.filter((a) => mayTake(world, a.id, t, at(t))).map((a) => a.id);
    if (agentIds.length > 0) found.push({ ticketId: t.id, agentIds });
  }
  return found;
}

/** A skill as a ticket stores it (tickets.required_skills): its name kept for display. */
export interface StoredSkill {
  id: number;
  name: string;
  /** Milliseconds of waiting after which the skill is optional; null: always required. */
  after: number | null;
}

/** The tickets.required_skills text of these skills. */
export function skillsText(skills: readonly StoredSkill[]): string {
  return JSON.stringify(skills.map((s) => ({ id: s.id, name: s.name, after: s.after })));
}

/** A skill a ticket or topic needs, in words: `German`, or `German (optional after 15 min)`. */
export function skillNeedText(name: string, optionalAfterMinutes: number | null): string {
  return optionalAfterMinutes === null ? name : `${name} (optional after ${optionalAfterMinutes} min)`;
}

/**
 * A ticket's team by name, for people: the words for one deleted since (every ticket has a team,
 * and its closed tickets keep a deleted team's id, so the join finds no name). The ticket's pages
 * and the CSV export say the same; the export used to leave the field empty, which a spreadsheet
 * reads as "no team". The API keeps `null` (README, Teams).
 */
export const teamText = (name: string | null): string => name ?? '(deleted team)';

/**
 * A ticket's topic by name, for people, as its pages and the CSV export say it: null when it has
 * none (`topicId` null; the export leaves the field empty, the pages say —), `(deleted topic)` when
 * its topic was deleted since (a deleted topic's tickets keep its id, as a deleted team's keep the
 * team's, and no topic is ever given that id again: repositories/teams.ts newIdPast), else its name.
 * Topics deleted before ids were kept show as `(deleted topic)` too (migration deleted-topic-kept).
 * The API keeps `null` for both (README, Teams).
 */
export const topicText = (topicId: number | null, name: string | null): string | null => (topicId === null ? null : (name ?? '(deleted topic)'));

/** The skills a ticket was created with (its required_skills text), in words; `None` for none. */
export function ticketSkillsText(text: string): string {
  const skills = storedSkillsOf(text);
  return skills.length === 0 ? 'None' : skills.map((s) => skillNeedText(s.name, s.after === null ? null : Math.round(s.after / 60_000))).join(', ');
}

/** tickets.required_skills read back ('[]': none, the common case, answered without parsing). */
export function storedSkillsOf(text: string): StoredSkill[] {
  if (text === '[]' || text === '') return [];
  return (JSON.parse(text) as StoredSkill[]).map((s) => ({ id: Number(s.id), name: String(s.name), after: s.after === null ? null : Number(s.after) }));
}

/**
 * The tickets.required_skills text without skill `skillId`, or null when it does not name it. A
 * deleted skill is taken off every open ticket (services/teams.ts deleteSkill): nobody can hold it
 * again, so a ticket still requiring it could never be routed once it went back to the queue.
 */
export function skillsTextWithout(text: string, skillId: number): string | null {
  const skills = storedSkillsOf(text);
  const kept = skills.filter((s) => s.id !== skillId);
  return kept.length === skills.length ? null : skillsText(kept);
}

/** What routing needs of the stored skills. */
export function skillNeedsOf(text: string): SkillNeed[] {
  return storedSkillsOf(text).map((s) => ({ skillId: s.id, optionalAfterMs: s.after }));
}

/** A topic as intake applies it: the team, the skills (with their wait in minutes) and default priority. */
export interface TopicRule {
  id: number;
  name: string;
  teamId: number;
  /** Its team's name (the API's answer to a new ticket names it). */
  teamName: string;
  defaultPriority: 'high' | 'medium' | 'low' | null;
  /** Kept off the form; never the default topic. */
  hidden?: boolean;
  skills: { id: number; name: string; optionalAfterMinutes: number | null }[];
}

/** A topic as the form and the API name it: its id, name and whether it is hidden (0/1). */
export interface TopicName {
  id: number;
  name: string;
  hidden: number;
}

/** The topic `named` names: its id (digits), or its name in any letter case. */
export function topicNamed<T extends TopicName>(topics: readonly T[], named: string): T | undefined {
  const id = parseId(named);
  if (id !== null) return topics.find((t) => t.id === id);
  return rowNamed(topics, named);
}

/** The skills a new ticket of this topic stores. */
export function skillsOfTopic(topic: TopicRule): StoredSkill[] {
  return topic.skills.map((s) => ({ id: s.id, name: s.name, after: s.optionalAfterMinutes === null ? null : s.optionalAfterMinutes * 60_000 }));
}

/** What still uses a team an admin asks to delete. */
export interface TeamUse {
  /** Support: every new agent joins it, so it is never deleted. */
  builtIn: boolean;
  openTickets: number;
  /** Names of the topics routing to it. */
  topics: readonly string[];
  /** Names of the teams overflowing into it (their waiting tickets may go to its members). */
  overflowFrom: readonly string[];
  /** Members holding open tickets for whom it is the last team (username and count). */
  lastTeamOf: readonly { username: string; openTickets: number }[];
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Why team `name` cannot be deleted, naming everything that uses it (the API's and the pages' 409
 * `conflict`, as for a calendar in use), or null when nothing does.
 */
export function teamDeletionConflict(name: string, use: TeamUse): string | null {
  if (use.builtIn) return `Team “${name}” cannot be deleted: every new agent joins it.`;
  const uses: string[] = [];
  if (use.openTickets > 0) uses.push(`it holds ${count(use.openTickets, 'open ticket')} (close or move ${use.openTickets === 1 ? 'it' : 'them'} to another team)`);
  if (use.topics.length > 0) uses.push(`topics route to it: ${use.topics.join(', ')} (give them another team)`);
  if (use.overflowFrom.length > 0) uses.push(`teams overflow into it: ${use.overflowFrom.join(', ')} (give them another overflow team, or none)`);
  if (use.lastTeamOf.length > 0) {
    const who = use.lastTeamOf.map((m) => `${m.username} (${count(m.openTickets, 'open ticket')})`).join(', ');
    uses.push(`it is the last team of agents holding tickets: ${who} (an agent keeps a team until its tickets are closed or moved)`);
  }
  return uses.length === 0 ? null : `Team “${name}” cannot be deleted: ${uses.join('; ')}.`;
}

/**
 * Why topic `name` cannot be deleted (409 `conflict`): the web form offers the topics not hidden,
 * and new tickets need one, so the last of them stays; null when it may go.
 */
export function topicDeletionConflict(name: string, use: { hidden: boolean; otherVisibleTopics: number }): string | null {
  return use.hidden || use.otherVisibleTopics > 0 ? null : `Topic “${name}” cannot be deleted: it is the last topic on the form, and new tickets need one (add or show another topic first).`;
}

/**
 * Why skill `name` cannot be deleted (409 `conflict`): the topics requiring it, and the waiting
 * tickets that still need it (requiredSkillsAt): once deleted nobody could ever hold it, and they
 * would wait for good. Null when neither.
 */
export function skillDeletionConflict(name: string, topics: readonly string[], waitingTickets = 0): string | null {
  const uses: string[] = [];
  if (topics.length > 0) uses.push(`topics require it: ${topics.join(', ')} (take it off them first)`);
  if (waitingTickets > 0) uses.push(`${count(waitingTickets, 'waiting ticket')} still need${waitingTickets === 1 ? 's' : ''} it (give ${waitingTickets === 1 ? 'it' : 'them'} to an agent first)`);
  return uses.length === 0 ? null : `Skill “${name}” cannot be deleted: ${uses.join('; ')}.`;
}
