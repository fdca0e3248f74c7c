/**
 * A reference model of SPEC §3 (routing) for the model-based tests (issue 24): an in-memory help
 * desk written to be read against the SPEC line by line, not to be fast. It imports nothing from
 * src/core/routing.ts on purpose: the model and the real services must be wrong in the same way for
 * a bug to slip through.
 *
 * Each operation mirrors one service call (login, closeTicket, reassignTicket, …): it applies the
 * rules the SPEC gives for it, then the settle step every routing transaction ends with (I3: no
 * ticket waits while someone has room), and records the events it expects the database to gain.
 *
 * Teams and skills (§12) are not modelled yet. When they come, `mayServe` (may this agent take this
 * ticket?) and `routingDomainOf` (which queue a ticket waits in) are where they go: every rule below
 * asks them already, so R1–R5 stay as written.
 */

export type Presence = 'offline' | 'available' | 'away';
export type QueueOrder = 'oldest' | 'deadline';
export type Priority = 'high' | 'medium' | 'low';
export type EventType = 'created' | 'assigned' | 'reassigned' | 'requeued' | 'closed';

/** Resolution targets in seconds, as DEFAULT_SLA (the tests never change them; a 24/7 calendar). */
export const SLA_SECONDS: Record<Priority, number> = { high: 60, medium: 240, low: 3600 };

export interface ModelSettings {
  defaultCapacity: number;
  queueOrder: QueueOrder;
  releaseOnLogout: boolean;
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
}

export interface ModelTicket {
  id: number;
  status: 'open' | 'closed';
  agentId: number | null;
  priority: Priority;
  createdAt: number;
  slaDueAt: number;
}

export interface ModelEvent {
  ticketId: number;
  type: EventType;
  from: number | null;
  to: number | null;
}

/** What a service call answers: done (with whether it changed something), or a domain error's code. */
export type Outcome = { ok: true; changed?: boolean } | { ok: false; code: string };

const OK: Outcome = { ok: true };
export const refused = (code: string): Outcome => ({ ok: false, code });

export class RoutingModel {
  readonly agents = new Map<number, ModelAgent>();
  readonly tickets = new Map<number, ModelTicket>();
  /** The events of the current operation (cleared by `begin`). */
  events: ModelEvent[] = [];
  /** The rules the current operation applied, for the coverage figures of a long run. */
  rules: string[] = [];
  now = 0;
  /** Tickets a release (R5) put back in the queue during this step, with the agent they left. */
  private released = new Map<number, number>();

  constructor(public settings: ModelSettings) {}

  /** An independent copy (the interleaving tests replay concurrent steps on copies, in every order). */
  clone(): RoutingModel {
    const copy = new RoutingModel({ ...this.settings });
    for (const a of this.agents.values()) copy.agents.set(a.id, { ...a, sessions: new Map(a.sessions) });
    for (const t of this.tickets.values()) copy.tickets.set(t.id, { ...t });
    copy.now = this.now;
    return copy;
  }

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

  /** §3: available and fewer open tickets than its capacity. */
  hasRoom(agent: ModelAgent): boolean {
    return agent.active && agent.presence === 'available' && this.openCount(agent.id) < this.capacityOf(agent);
  }

  /** §12 will narrow this (skills); today every agent may serve every ticket. */
  mayServe(_agent: ModelAgent, _ticket: ModelTicket): boolean {
    return true;
  }

  /** §12 will split the queue per team; today there is one routing domain. */
  routingDomainOf(_ticket: ModelTicket): string {
    return 'all';
  }

  /** The queue (pending tickets) in the order of the queue order setting. */
  queue(): ModelTicket[] {
    const pending = [...this.tickets.values()].filter((t) => t.status === 'open' && t.agentId === null);
    return pending.sort((a, b) => {
      if (this.settings.queueOrder === 'deadline' && a.slaDueAt !== b.slaDueAt) return a.slaDueAt - b.slaDueAt;
      if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
      return a.id - b.id;
    });
  }

  /**
   * R1's choice among the agents with room: fewest open tickets, then longest since the last
   * assignment (never counts as longest), then lowest id.
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
  private give(ticket: ModelTicket, agentId: number): void {
    const from = ticket.agentId ?? this.released.get(ticket.id) ?? null;
    this.released.delete(ticket.id);
    ticket.agentId = agentId;
    this.agents.get(agentId)!.lastAssignedAt = this.now;
    this.events.push({ ticketId: ticket.id, type: from === null ? 'assigned' : 'reassigned', from, to: agentId });
  }

  private toQueue(ticket: ModelTicket): void {
    this.events.push({ ticketId: ticket.id, type: 'requeued', from: ticket.agentId, to: null });
    ticket.agentId = null;
  }

  /** The settle step: route the queue, head first, to the best agent with room, until one runs out. */
  private settle(): void {
    for (const ticket of this.queue()) {
      const agent = this.bestAgentFor(ticket);
      if (!agent) break;
      this.rules.push(this.released.has(ticket.id) ? 'R5 release: routed again' : 'settle: queue to an agent with room');
      this.give(ticket, agent.id);
    }
  }

  /** R2 then R3 for an agent that (may have) gained room. */
  private pullAndBalance(agentId: number): void {
    const agent = this.agents.get(agentId)!;
    if (!this.hasRoom(agent)) return;
    // R2: from the head of the queue until it is empty or the agent is full.
    let pulled = false;
    for (const ticket of this.queue()) {
      if (!this.hasRoom(agent)) break;
      this.give(ticket, agentId);
      this.rules.push('R2 pull');
      pulled = true;
    }
    if (pulled || this.queue().length > 0 || this.openCount(agentId) !== 0) return;
    // R3: the newest open ticket of whoever holds the most (ties: lowest id), if more than one.
    const others = this.routedAgents().filter((a) => a.id !== agentId);
    const donor = others.sort((a, b) => this.openCount(b.id) - this.openCount(a.id) || a.id - b.id)[0];
    if (!donor || this.openCount(donor.id) <= 1) return;
    const newest = this.openTicketsOf(donor.id).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)[0]!;
    this.rules.push('R3 balance');
    this.give(newest, agentId);
  }

  /** R5 with release: the leaver's open tickets rejoin the queue (created_at kept) and are routed again. */
  private release(agentId: number): void {
    for (const ticket of this.openTicketsOf(agentId)) {
      this.released.set(ticket.id, agentId);
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
  private setPresence(agentId: number, presence: Presence): void {
    const agent = this.agents.get(agentId)!;
    agent.presence = presence;
    if (!agent.active) return;
    if (presence === 'available') this.pullAndBalance(agentId);
    else if (this.settings.releaseOnLogout) this.release(agentId);
  }

  private finish(outcome: Outcome): Outcome {
    if (outcome.ok) this.settle();
    return outcome;
  }

  // --- the operations, one per service call ----------------------------------------------------

  /** R1 for a new ticket (form or API); `id` is the id the database gave it. */
  create(id: number, priority: Priority): Outcome {
    this.intake(id, priority, undefined);
    return this.finish(OK);
  }

  /** A customer writes on a ticket (§9): appended when open; a closed one gets a follow-up `newId`. */
  customerWrites(ticketId: number, newId: number | null): Outcome {
    const closed = this.tickets.get(ticketId)!;
    if (closed.status === 'open') return this.finish(OK);
    if (newId === null) throw new Error('a follow-up needs the id of the ticket the database created');
    this.intake(newId, closed.priority, closed.agentId === null ? undefined : this.agents.get(closed.agentId));
    return this.finish(OK);
  }

  /**
   * R1: at once to an agent with room when nobody waits (a new ticket never overtakes a waiting
   * one), else to the queue. A follow-up goes to the `previous` agent first when it has room.
   */
  private intake(id: number, priority: Priority, previous: ModelAgent | undefined): void {
    const ticket: ModelTicket = { id, status: 'open', agentId: null, priority, createdAt: this.now, slaDueAt: this.now + SLA_SECONDS[priority] * 1000 };
    const waiting = this.queue().length > 0;
    const agent = waiting ? undefined : previous && this.hasRoom(previous) ? previous : this.bestAgentFor(ticket);
    ticket.agentId = agent?.id ?? null;
    if (agent) agent.lastAssignedAt = this.now;
    this.rules.push(agent === undefined ? 'R1: to the queue' : agent === previous ? 'R1: follow-up to its previous agent' : 'R1: to an agent');
    this.tickets.set(id, ticket);
    this.events.push({ ticketId: id, type: 'created', from: null, to: ticket.agentId });
  }

  login(agentId: number, token: string): Outcome {
    const agent = this.agents.get(agentId)!;
    if (!agent.active) return refused('unauthenticated');
    agent.sessions.set(token, this.now);
    this.setPresence(agentId, 'available');
    return this.finish(OK);
  }

  /** Logout says "I am leaving": offline even when another session remains. */
  logout(token: string): Outcome {
    const agent = [...this.agents.values()].find((a) => a.sessions.has(token));
    if (!agent) return OK;
    agent.sessions.delete(token);
    if (agent.active && agent.presence !== 'offline') this.setPresence(agent.id, 'offline');
    return this.finish(OK);
  }

  /** The availability switch (available | away). */
  changePresence(agentId: number, presence: 'available' | 'away'): Outcome {
    this.setPresence(agentId, presence);
    return this.finish(OK);
  }

  /** The expiry job: idle sessions end; whoever is present nowhere goes offline (all first, then each R5). */
  expireSessions(idleMs: number): Outcome {
    const cutoff = this.now - idleMs;
    for (const agent of this.agents.values()) for (const [token, seen] of agent.sessions) if (seen < cutoff) agent.sessions.delete(token);
    const leavers = [...this.agents.values()]
      .filter((a) => a.presence !== 'offline' && ![...a.sessions.values()].some((seen) => seen >= cutoff))
      .sort((a, b) => a.id - b.id);
    for (const agent of leavers) agent.presence = 'offline';
    for (const agent of leavers) this.setPresence(agent.id, 'offline');
    return this.finish(OK);
  }

  /** R4: the ticket's agent or an admin (actor null) closes; twice is a no-op. */
  close(actorId: number | null, ticketId: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (actorId !== null && ticket.agentId !== actorId) return refused('forbidden');
    if (ticket.status === 'closed') return { ok: true, changed: false };
    return this.closeOpen(actorId, ticket);
  }

  /** Reply and close (§9): as R4, but a closed ticket cannot be replied to. */
  replyAndClose(actorId: number | null, ticketId: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (actorId !== null && ticket.agentId !== actorId) return refused('forbidden');
    if (ticket.status === 'closed') return refused('conflict');
    return this.closeOpen(actorId, ticket);
  }

  private closeOpen(_actorId: number | null, ticket: ModelTicket): Outcome {
    ticket.status = 'closed';
    this.events.push({ ticketId: ticket.id, type: 'closed', from: ticket.agentId, to: null });
    if (ticket.agentId !== null) this.pullAndBalance(ticket.agentId);
    return this.finish({ ok: true, changed: true });
  }

  /** An admin sets an agent's capacity (null: the default); raising it is R2 (and R3). */
  changeCapacity(agentId: number, capacity: number | null): Outcome {
    const agent = this.agents.get(agentId)!;
    agent.ownCapacity = capacity;
    if (agent.active) this.pullAndBalance(agentId);
    return this.finish(OK);
  }

  /** The settings page: applied at once (the settle step routes to whoever now has room). */
  changeSettings(settings: ModelSettings): Outcome {
    this.settings = { ...settings };
    return this.finish(OK);
  }

  /** R6: to any active agent, capacity or presence notwithstanding; no R3 afterwards. */
  reassign(ticketId: number, agentId: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (ticket.status === 'closed') return refused('conflict');
    if (!this.agents.get(agentId)!.active) return refused('invalid_input');
    if (ticket.agentId === agentId) return { ok: true, changed: false };
    const receiver = this.agents.get(agentId)!;
    this.rules.push(this.openCount(agentId) >= this.capacityOf(receiver) ? 'R6 reassign beyond capacity' : receiver.presence === 'available' ? 'R6 reassign' : `R6 reassign to an ${receiver.presence} agent`);
    this.give(ticket, agentId);
    return this.finish({ ok: true, changed: true });
  }

  /**
   * R6: back to the queue. I3 forbids it to wait while someone has room: it goes to the best other
   * agent with room when it heads the queue; else the settle step routes it (maybe back).
   */
  requeue(ticketId: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (ticket.status === 'closed') return refused('conflict');
    if (ticket.agentId === null) return { ok: true, changed: false };
    const formerHolder = ticket.agentId;
    this.toQueue(ticket);
    const other = this.bestAgentFor(ticket, formerHolder);
    this.rules.push('R6 requeue');
    if (other && this.queue()[0]?.id === ticket.id) this.give(ticket, other.id);
    return this.finish({ ok: true, changed: true });
  }

  /** Deactivation: no login, sessions gone, offline, open tickets released whatever the setting. */
  deactivate(agentId: number): Outcome {
    const agent = this.agents.get(agentId)!;
    if (!agent.active) return { ok: true, changed: false };
    agent.sessions.clear();
    agent.presence = 'offline';
    this.release(agentId);
    agent.active = false;
    return this.finish({ ok: true, changed: true });
  }

  /** Reactivation: may log in again; stays offline until it does. */
  reactivate(agentId: number): Outcome {
    const agent = this.agents.get(agentId)!;
    if (agent.active) return { ok: true, changed: false };
    agent.active = true;
    return this.finish({ ok: true, changed: true });
  }
}
