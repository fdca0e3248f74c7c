/**
 * The reference model's state and the rules its operations are made of (model.ts has the
 * operations): who may serve a ticket (§12: a member of its team holding its skills), R1's choice,
 * R2's pull, R3's balance, R5's release and the settle step, each written as the SPEC words it.
 */

export type Presence = 'offline' | 'available' | 'away';
export type QueueOrder = 'oldest' | 'deadline';
export type Priority = 'high' | 'medium' | 'low';
export type EventType = 'created' | 'assigned' | 'reassigned' | 'requeued' | 'closed';

/** Resolution targets in seconds, as DEFAULT_SLA (the tests never change them; a 24/7 calendar). */
export const SLA_SECONDS: Record<Priority, number> = { high: 60, medium: 240, low: 3600 };
/** The setting `email_priority` (its default; the tests never change it): the priority of tickets from mail. */
export const EMAIL_PRIORITY: Priority = 'medium';

export interface ModelSettings {
  defaultCapacity: number;
  queueOrder: QueueOrder;
  releaseOnLogout: boolean;
}

/** A topic (§12): the team its tickets go to and the skills they need (always: no wait makes one optional). */
export interface ModelTopic {
  id: number;
  teamId: number;
  skills: readonly number[];
}

export interface ModelAgent {
  id: number;
  username: string;
  active: boolean;
  presence: Presence;
  /** The agent's own capacity; null: the default applies. */
  ownCapacity: number | null;
  lastAssignedAt: number | null;
  /** Session token → when it was last seen (login; nothing here touches a session). */
  sessions: Map<string, number>;
  /** Its teams and skills (ids, ascending). */
  teams: readonly number[];
  skills: readonly number[];
}

export interface ModelTicket {
  id: number;
  status: 'open' | 'closed';
  agentId: number | null;
  priority: Priority;
  createdAt: number;
  slaDueAt: number;
  /** Its topic, hence its team and the skills it needs (kept when the topic changes later). */
  topicId: number;
  teamId: number;
  skills: readonly number[];
  /** The closed ticket it follows up (§9), or null. */
  followUpOf: number | null;
  /** A pending close (the close undo window): when it commits and who asked; null: none. */
  closeDueAt: number | null;
  closeRequestedBy: number | null;
}

export interface ModelEvent {
  ticketId: number;
  type: EventType;
  from: number | null;
  to: number | null;
}

/** What a service call answers: done (with whether it changed something), or a domain error's code. */
export type Outcome = { ok: true; changed?: boolean } | { ok: false; code: string };

export const OK: Outcome = { ok: true };
export const refused = (code: string): Outcome => ({ ok: false, code });

export class ModelRules {
  readonly agents = new Map<number, ModelAgent>();
  readonly tickets = new Map<number, ModelTicket>();
  /** The topics new tickets may name; the first (lowest id) when they name none. */
  readonly topics = new Map<number, ModelTopic>();
  /** Each team's own queue order (§12; by team id); absent or null: the desk's setting. */
  readonly teamOrders = new Map<number, QueueOrder | null>();
  /** The events of the current operation (cleared by `begin`). */
  events: ModelEvent[] = [];
  /** The rules the current operation applied, for the coverage figures of a long run. */
  rules: string[] = [];
  now = 0;
  /** Tickets a release (R5) put back in the queue during this step, with the agent they left. */
  protected released = new Map<number, number>();

  constructor(public settings: ModelSettings) {}

  // --- reading the state ---------------------------------------------------------------------

  capacityOf(agent: ModelAgent): number {
    return agent.ownCapacity ?? this.settings.defaultCapacity;
  }

  openTicketsOf(agentId: number): ModelTicket[] {
    return [...this.tickets.values()].filter((t) => t.status === 'open' && t.agentId === agentId);
  }

  openCount(agentId: number): number {
    return this.openTicketsOf(agentId).length;
  }

  /** Routing sees active agents only (deactivated ones hold nothing and take nothing). */
  routedAgents(): ModelAgent[] {
    return [...this.agents.values()].filter((a) => a.active).sort((a, b) => a.id - b.id);
  }

  /** §3: available and fewer open tickets than its capacity (one number across all its teams). */
  hasRoom(agent: ModelAgent): boolean {
    return agent.active && agent.presence === 'available' && this.openCount(agent.id) < this.capacityOf(agent);
  }

  /** §12: routing gives a ticket only to a member of its team who holds every skill it needs. */
  mayServe(agent: ModelAgent, ticket: ModelTicket): boolean {
    return agent.teams.includes(ticket.teamId) && ticket.skills.every((s) => agent.skills.includes(s));
  }

  /** §12: R3 balances only between agents who share a team. */
  shareTeam(a: ModelAgent, b: ModelAgent): boolean {
    return a.teams.some((t) => b.teams.includes(t));
  }

  /** The queue order of a ticket's team: the team's own, else the setting. */
  orderOf(ticket: ModelTicket): QueueOrder {
    return this.teamOrders.get(ticket.teamId) ?? this.settings.queueOrder;
  }

  /**
   * The queue (pending tickets, every team's), earliest place first: a ticket's place is when it
   * came in when its team takes the oldest first, when it is due when its team takes the deadline
   * first; ties go to the one that came in first, then the lower id. Each team's queue is this
   * order restricted to its tickets; an agent in several teams meets its teams' tickets in it.
   */
  queue(): ModelTicket[] {
    const pending = [...this.tickets.values()].filter((t) => t.status === 'open' && t.agentId === null);
    const place = (t: ModelTicket) => (this.orderOf(t) === 'deadline' ? t.slaDueAt : t.createdAt);
    return pending.sort((a, b) => place(a) - place(b) || a.createdAt - b.createdAt || a.id - b.id);
  }

  /** Whether a ticket the agent may serve waits (a new ticket must not overtake it). */
  waitsFor(agent: ModelAgent): boolean {
    return this.queue().some((t) => this.mayServe(agent, t));
  }

  /**
   * R1's choice among the agents with room that may serve the ticket: fewest open tickets, then
   * longest since the last assignment (never counts as longest), then lowest id.
   */
  bestAgentFor(ticket: ModelTicket, except?: number): ModelAgent | undefined {
    const candidates = this.routedAgents().filter((a) => a.id !== except && this.hasRoom(a) && this.mayServe(a, ticket));
    const last = (a: ModelAgent) => a.lastAssignedAt ?? Number.NEGATIVE_INFINITY;
    candidates.sort((a, b) => this.openCount(a.id) - this.openCount(b.id) || last(a) - last(b) || a.id - b.id);
    return candidates[0];
  }

  // --- the moves every rule is made of ---------------------------------------------------------

  /** Starts an operation at `now`: its events are recorded afresh. */
  begin(now: number): void {
    this.now = now;
    this.events = [];
    this.rules = [];
    this.released.clear();
  }

  /** A ticket goes to an agent (from the queue or from another agent); every assignment stamps the receiver. */
  protected give(ticket: ModelTicket, agentId: number): void {
    const from = ticket.agentId ?? this.released.get(ticket.id) ?? null;
    this.released.delete(ticket.id);
    if (from !== null) this.cancelPendingClose(ticket);
    ticket.agentId = agentId;
    this.agents.get(agentId)!.lastAssignedAt = this.now;
    this.events.push({ ticketId: ticket.id, type: from === null ? 'assigned' : 'reassigned', from, to: agentId });
  }

  protected toQueue(ticket: ModelTicket): void {
    this.cancelPendingClose(ticket);
    this.events.push({ ticketId: ticket.id, type: 'requeued', from: ticket.agentId, to: null });
    ticket.agentId = null;
  }

  /** A pending close is its requester's decision about a ticket it holds: a move away cancels it. */
  protected cancelPendingClose(ticket: ModelTicket): void {
    ticket.closeDueAt = null;
    ticket.closeRequestedBy = null;
  }

  /**
   * The settle step: route the queue, head first, each ticket to the best agent with room that may
   * serve it; one nobody may serve keeps waiting and the ones behind it are still tried.
   */
  protected settle(): void {
    for (const ticket of this.queue()) {
      const agent = this.bestAgentFor(ticket);
      if (!agent) continue;
      this.rules.push(this.released.has(ticket.id) ? 'R5 release: routed again' : 'settle: queue to an agent with room');
      this.give(ticket, agent.id);
    }
  }

  /** R2 then R3 for an agent that (may have) gained room. */
  protected pullAndBalance(agentId: number): void {
    const agent = this.agents.get(agentId)!;
    if (!this.hasRoom(agent)) return;
    // R2: from the heads of its teams' queues (earliest first), the tickets it may serve, until it is full.
    for (const ticket of this.queue()) {
      if (!this.hasRoom(agent)) break;
      if (!this.mayServe(agent, ticket)) continue;
      this.give(ticket, agentId);
      this.rules.push('R2 pull');
    }
    if (!this.hasRoom(agent) || this.openCount(agentId) !== 0 || this.waitsFor(agent)) return;
    // R3: whoever sharing a team with it holds the most (ties: lowest id) gives up its newest open
    // ticket the taker may serve, if it holds more than one.
    const others = this.routedAgents().filter((a) => a.id !== agentId && this.shareTeam(a, agent));
    const donor = others.sort((a, b) => this.openCount(b.id) - this.openCount(a.id) || a.id - b.id)[0];
    if (!donor || this.openCount(donor.id) <= 1) return;
    // A ticket its agent asked to close (pending close) is not given away.
    const newestFirst = this.openTicketsOf(donor.id).filter((t) => t.closeDueAt === null).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const ticket = newestFirst.find((t) => this.mayServe(agent, t));
    this.rules.push(ticket ? 'R3 balance' : 'R3: nothing of the donor the taker may serve');
    if (ticket) this.give(ticket, agentId);
  }

  /** R5 with release: the leaver's open tickets rejoin the queue (created_at kept) and are routed again. */
  protected release(agentId: number): void {
    for (const ticket of this.openTicketsOf(agentId)) {
      this.released.set(ticket.id, agentId);
      this.cancelPendingClose(ticket);
      ticket.agentId = null;
    }
    this.settle();
    // What found nobody waits: one `requeued` event each (a ticket routed at once was `reassigned`).
    for (const [ticketId, from] of this.released) {
      this.rules.push('R5 release: requeued');
      this.events.push({ ticketId, type: 'requeued', from, to: null });
    }
    this.released.clear();
  }

  /** Presence changes inside a routing transaction: available pulls (R2, R3); leaving is R5. */
  protected setPresence(agentId: number, presence: Presence): void {
    const agent = this.agents.get(agentId)!;
    agent.presence = presence;
    if (!agent.active) return;
    if (presence === 'available') this.pullAndBalance(agentId);
    else if (this.settings.releaseOnLogout) this.release(agentId);
  }

  protected finish(outcome: Outcome): Outcome {
    if (outcome.ok) this.settle();
    return outcome;
  }

  /**
   * R1 for a new ticket of `topicId` (the first topic when undefined): at once to the best agent
   * with room that may serve it, unless a ticket that agent may serve waits (a new ticket never
   * overtakes a waiting one); else to the queue. A follow-up goes to the `previous` agent first
   * when it has room, may serve it and no ticket waits in the queue of the follow-up's team (§9:
   * "the queue (of its team) is empty"; one nobody may serve counts too).
   */
  protected intake(id: number, priority: Priority, topicId: number | undefined, previous: ModelAgent | undefined, followUpOf: number | null = null): void {
    const topic = this.topics.get(topicId ?? Math.min(...this.topics.keys()))!;
    const ticket: ModelTicket = {
      id,
      status: 'open',
      agentId: null,
      priority,
      createdAt: this.now,
      slaDueAt: this.now + SLA_SECONDS[priority] * 1000,
      topicId: topic.id,
      teamId: topic.teamId,
      skills: topic.skills,
      followUpOf,
      closeDueAt: null,
      closeRequestedBy: null,
    };
    const fair = (a: ModelAgent | undefined) => (a !== undefined && this.hasRoom(a) && this.mayServe(a, ticket) && !this.waitsFor(a) ? a : undefined);
    const teamQueueEmpty = ![...this.tickets.values()].some((t) => t.status === 'open' && t.agentId === null && t.teamId === ticket.teamId);
    const agent = (teamQueueEmpty ? fair(previous) : undefined) ?? fair(this.bestAgentFor(ticket));
    ticket.agentId = agent?.id ?? null;
    if (agent) agent.lastAssignedAt = this.now;
    this.rules.push(agent === undefined ? 'R1: to the queue' : agent === previous ? 'R1: follow-up to its previous agent' : 'R1: to an agent');
    this.tickets.set(id, ticket);
    this.events.push({ ticketId: id, type: 'created', from: null, to: ticket.agentId });
  }
}
