/**
 * A reference model of SPEC §3 (routing) and §12 (teams, topics, skills) for the model-based tests
 * (issue 24): an in-memory help desk written to be read against the SPEC line by line, not to be
 * fast. It imports nothing from src/core/routing.ts or src/core/teams.ts on purpose: the model and
 * the real services must be wrong in the same way for a bug to slip through.
 *
 * The state and the rules every operation is made of (R1's choice, R2, R3, R5's release, the settle
 * step) are in modelRules.ts; this file has the operations, one per service call: each applies the
 * rules the SPEC gives for it, then the settle step every routing transaction ends with (team-I3: no
 * ticket waits while a member of its team holding its skills has room), and records the events it
 * expects the database to gain.
 *
 * The close undo window (issue 23) is modelled: a pending close, its undo, the job that commits it,
 * and moves cancelling it. Not modelled (see the README): skills that turn optional after a wait and
 * overflow teams (both time-driven; the desk's topics have neither), auto-away (it needs the live
 * pages' presence) and the API's presence expiry.
 */
import { type ModelAgent, type ModelSettings, ModelRules, type ModelTicket, OK, type Outcome, type Priority, type QueueOrder, refused } from './modelRules.js';

export * from './modelRules.js';

export class RoutingModel extends ModelRules {
  /** An independent copy (the interleaving tests replay concurrent steps on copies, in every order). */
  clone(): RoutingModel {
    const copy = new RoutingModel({ ...this.settings });
    for (const a of this.agents.values()) copy.agents.set(a.id, { ...a, sessions: new Map(a.sessions) });
    for (const t of this.tickets.values()) copy.tickets.set(t.id, { ...t });
    for (const t of this.topics.values()) copy.topics.set(t.id, t);
    for (const [team, order] of this.teamOrders) copy.teamOrders.set(team, order);
    copy.now = this.now;
    return copy;
  }

  // --- the operations, one per service call ----------------------------------------------------

  /** R1 for a new ticket (form, API or mail) of `topicId` (undefined: the first topic); `id` is the id the database gave it. */
  create(id: number, priority: Priority, topicId?: number): Outcome {
    this.intake(id, priority, topicId, undefined);
    return this.finish(OK);
  }

  /**
   * A customer writes on a ticket (§9, from the status page or by mail, §10): appended when open,
   * ending its pending close if it has one (README, the undo window); a
   * closed one's message goes onto its newest follow-up while that is open (no routing), else it
   * gets a follow-up `newId` of the same priority and topic. `newId`: the follow-up the service
   * opened, null when it opened none.
   */
  customerWrites(ticketId: number, newId: number | null): Outcome {
    const closed = this.tickets.get(ticketId)!;
    if (closed.status === 'open') {
      if (newId !== null) return refused('a follow-up of an open ticket');
      // README, the undo window: the customer's message ends a pending close (messageEndsPendingClose).
      if (closed.closeDueAt !== null) this.rules.push('a customer message ends the pending close');
      this.cancelPendingClose(closed);
      return this.finish(OK);
    }
    const followUps = [...this.tickets.values()].filter((t) => t.followUpOf === ticketId);
    const newest = followUps.length === 0 ? undefined : followUps.reduce((a, b) => (b.id > a.id ? b : a));
    if (newest?.status === 'open') {
      this.rules.push('§9: onto its open follow-up');
      return this.finish(newId === null ? OK : refused('a second follow-up while one is open'));
    }
    if (newId === null) return refused('no follow-up was created');
    this.intake(newId, closed.priority, closed.topicId, closed.agentId === null ? undefined : this.agents.get(closed.agentId), ticketId);
    return this.finish(OK);
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

  /**
   * The availability switch (available | away). Refused to a deactivated account: its request was
   * authenticated before the deactivation, which wins (it stays offline).
   */
  changePresence(agentId: number, presence: 'available' | 'away'): Outcome {
    const agent = this.agents.get(agentId)!;
    if (!agent.active) return refused('unauthenticated');
    // The presence it has already: no change, so no trigger (R2/R3, R5).
    if (agent.presence === presence) return this.finish(OK);
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
    return this.closeOpen(ticket);
  }

  /** Reply and close (§9): as R4, but a closed ticket cannot be replied to. */
  replyAndClose(actorId: number | null, ticketId: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (actorId !== null && ticket.agentId !== actorId) return refused('forbidden');
    if (ticket.status === 'closed') return refused('conflict');
    return this.closeOpen(ticket);
  }

  private closeOpen(ticket: ModelTicket): Outcome {
    this.closeAndPull(ticket);
    return this.finish({ ok: true, changed: true });
  }

  /** R4's close (a pending close goes with it), then R2/R3 for the ticket's agent. */
  private closeAndPull(ticket: ModelTicket): void {
    ticket.status = 'closed';
    this.cancelPendingClose(ticket);
    this.events.push({ ticketId: ticket.id, type: 'closed', from: ticket.agentId, to: null });
    if (ticket.agentId !== null) this.pullAndBalance(ticket.agentId);
  }

  /**
   * A click on Close with the undo window (issue 23): an agent's close is pending for `windowMs`
   * (a second click keeps the first instant); an admin's closes now (R4). Outside routing: nothing
   * else changes until the job commits it.
   */
  requestClose(actorId: number | null, ticketId: number, windowMs: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (actorId !== null && ticket.agentId !== actorId) return refused('forbidden');
    if (ticket.status === 'closed' || ticket.closeDueAt !== null) return { ok: true, changed: false };
    if (actorId === null) return this.closeOpen(ticket);
    ticket.closeDueAt = this.now + windowMs;
    ticket.closeRequestedBy = actorId;
    return { ok: true, changed: true };
  }

  /** Undo: by the agent who asked (or an admin) until the close commits; too late after. */
  undoClose(actorId: number | null, ticketId: number): Outcome {
    const ticket = this.tickets.get(ticketId)!;
    if (actorId !== null && ticket.agentId !== actorId) return refused('forbidden');
    if (ticket.status === 'closed') return refused('too-late');
    if (ticket.closeDueAt === null) return { ok: true, changed: false };
    if (actorId !== null && ticket.closeRequestedBy !== actorId) return refused('forbidden');
    this.cancelPendingClose(ticket);
    return { ok: true, changed: true };
  }

  /**
   * The pending-close job: each close due by now (earliest first) commits as R4 by the agent who
   * asked, if that agent still holds the ticket (else it is dropped); one routing transaction.
   */
  commitPendingCloses(): Outcome {
    const due = [...this.tickets.values()]
      .filter((t) => t.status === 'open' && t.closeDueAt !== null && t.closeDueAt <= this.now)
      .sort((a, b) => a.closeDueAt! - b.closeDueAt! || a.id - b.id);
    for (const ticket of due) {
      if (ticket.agentId !== ticket.closeRequestedBy) this.cancelPendingClose(ticket);
      else {
        this.rules.push('R4: pending close committed');
        this.closeAndPull(ticket);
      }
    }
    return this.finish(OK);
  }

  /**
   * An admin sets an agent's capacity (null: the default); raising the capacity in force is R2 (and
   * R3). Keeping it (its own 2 → the default 2) or lowering it triggers nothing.
   */
  changeCapacity(agentId: number, capacity: number | null): Outcome {
    const agent = this.agents.get(agentId)!;
    const before = this.capacityOf(agent);
    agent.ownCapacity = capacity;
    if (agent.active && this.capacityOf(agent) > before) this.pullAndBalance(agentId);
    return this.finish(OK);
  }

  /** The settings page: applied at once (the settle step routes to whoever now has room). */
  changeSettings(settings: ModelSettings): Outcome {
    this.settings = { ...settings };
    return this.finish(OK);
  }

  /** An admin sets a team's queue order (null: the desk's): applied at once, as the settings are. */
  setTeamOrder(teamId: number, order: QueueOrder | null): Outcome {
    this.teamOrders.set(teamId, order);
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
    // It heads the queue as `other` sees it: the first waiting ticket `other` may serve.
    if (other && this.queue().find((t) => this.mayServe(other, t))?.id === ticket.id) this.give(ticket, other.id);
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

  /**
   * An admin sets an agent's teams and skills (§12; ids). Refused when it would leave an agent
   * holding open tickets in no team. The settle step then routes what it (or others) may now serve.
   */
  setMembership(agentId: number, teams: readonly number[], skills: readonly number[]): Outcome {
    if (teams.length === 0 && this.openCount(agentId) > 0) return refused('invalid_input');
    const agent: ModelAgent = this.agents.get(agentId)!;
    agent.teams = [...teams].sort((a, b) => a - b);
    agent.skills = [...skills].sort((a, b) => a - b);
    return this.finish(OK);
  }

  /** Reactivation: may log in again; stays offline until it does. */
  reactivate(agentId: number): Outcome {
    const agent = this.agents.get(agentId)!;
    if (agent.active) return { ok: true, changed: false };
    agent.active = true;
    return this.finish({ ok: true, changed: true });
  }
}
