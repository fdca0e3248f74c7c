/**
 * The staffing forecast's simulator (SPEC §14): a discrete-event replay of arrivals, closes and
 * presence changes through the routing rules themselves. Each step asks the same plan functions the
 * routing shell (src/services/routing.ts) asks, in the same order: R1 with teams for a new ticket
 * (planTeamIntake), R2 then R3 for an agent that gained room (planPull, chooseBalanceDonor,
 * balanceTicket, planBalanceMove), and the drain that ends every routing transaction (planDrain).
 * What it adds is only what the database holds in the live desk: the queue (a heap in queue
 * order), who holds what, and the clock. test/forecast/simulator-vs-live.test.ts drives the live
 * services and this loop with the same steps and fails when their assignments differ.
 *
 * Pure and deterministic: every random draw (holding times, arrivals) is made by the caller, so
 * one input always gives one result.
 */
import { Heap } from './heap.js';
import { ANYONE, type AgentLoad, type CanTake, chooseBalanceDonor, compareInQueue, type Move, type Plan, planBalanceMove, planDrain, planPull, type Presence, type QueueOrder, spareCapacity } from './routing.js';
import { BALANCE_LOOKAHEAD, balanceTicket, planTeamIntake, shareTeam, type TeamTicket, teamRule, type TeamWorld } from './teams.js';
import type { Priority } from './tickets.js';

/** A ticket to replay: when it arrives, its team and skills, and how long its agent holds it. */
export interface SimTicket extends TeamTicket {
  priority: Priority;
  /** From the first assignment to the close (a balance move keeps the close where it was). */
  holdMs: number;
}

export interface SimAgent {
  id: number;
  capacity: number;
}

/** An agent's presence from `at` on. Every agent starts offline. */
export interface PresenceChange {
  at: number;
  agentId: number;
  presence: Presence;
}

export interface SimInput {
  /** In arrival order (created_at ascending). */
  tickets: readonly SimTicket[];
  agents: readonly SimAgent[];
  /** In time order. */
  presence: readonly PresenceChange[];
  /** Who may take what at the start (§12). */
  world: TeamWorld;
  /** Admin changes of the teams, memberships or skills during the replay, in time order: the world from `at` on. */
  worldChanges?: readonly { at: number; world: TeamWorld }[];
  queueOrder: QueueOrder;
  /** Keep every step and move (the equivalence test); off for forecasts, which need only the times. */
  trace?: boolean;
  /** The span whose held ticket time on duty is measured (heldOnDutyMs); all of the replay when absent. */
  measure?: { from: number; to: number };
}

/** One step of the replay, in the order it ran: what the live desk must be told, in the same order. */
export type SimStep =
  | { kind: 'arrival'; at: number; ticketId: number }
  | { kind: 'close'; at: number; ticketId: number; agentId: number }
  | { kind: 'presence'; at: number; agentId: number; presence: Presence }
  | { kind: 'world'; at: number; index: number };

export interface SimResult {
  /** Per ticket (index in `tickets`): its first assignment, NaN when it never got an agent. */
  assignedAt: Float64Array;
  /** Per ticket: its close, NaN when never closed. */
  closedAt: Float64Array;
  /**
   * Ticket time held by agents while available, within `measure`: the busy part of the slots on
   * duty (a ticket held by an agent gone home is held, but takes no slot of the open hours).
   */
  heldOnDutyMs: number;
  steps: SimStep[];
  moves: (Move & { at: number })[];
}

/**
 * At one instant: an admin's change of the teams first, then closes, then presence changes, then
 * arrivals (and the live replay does the same).
 */
const WORLD = 3;
const CLOSE = 0;
const PRESENCE = 1;
const ARRIVAL = 2;

interface Due {
  at: number;
  index: number;
}

/** Replays the input through the routing rules; see the file comment. */
export function simulate(input: SimInput): SimResult {
  return new Replay(input).run();
}

class Replay {
  private agents: AgentLoad[];
  private queue: Heap<SimTicket>;
  private readonly closes = new Heap<Due>((a, b) => a.at - b.at || a.index - b.index);
  private readonly indexOf = new Map<number, number>();
  private readonly holder: Int32Array;
  private readonly held = new Map<number, Set<number>>();
  private readonly result: SimResult;
  private now = 0;
  /** The teams in force now (input.world, then each of input.worldChanges from its instant). */
  private world: TeamWorld;
  private readonly everyoneMayTakeAll: boolean;
  /** The available agents, and the tickets they hold (for heldOnDutyMs), since `measuredUntil`. */
  private readonly available = new Set<number>();
  private loadOnDuty = 0;
  private measuredUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly input: SimInput) {
    const n = input.tickets.length;
    input.tickets.forEach((t, i) => this.indexOf.set(t.id, i));
    this.agents = input.agents.map((a) => ({ id: a.id, presence: 'offline', capacity: a.capacity, openCount: 0, lastAssignedAt: null }));
    for (const a of input.agents) this.held.set(a.id, new Set());
    const { world } = input;
    this.world = world;
    this.everyoneMayTakeAll =
      (input.worldChanges ?? []).length === 0 &&
      world.teams.size === 1 &&
      input.tickets.every((t) => t.skills.length === 0 && world.teams.has(t.teamId)) &&
      input.agents.every((a) => world.members.get(a.id)?.teams.some((team) => team === input.tickets[0]?.teamId) ?? false);
    this.queue = this.queueInOrder();
    this.holder = new Int32Array(n).fill(-1);
    this.result = { assignedAt: new Float64Array(n).fill(Number.NaN), closedAt: new Float64Array(n).fill(Number.NaN), heldOnDutyMs: 0, steps: [], moves: [] };
  }

  run(): SimResult {
    const { tickets, presence } = this.input;
    let nextArrival = 0;
    let nextPresence = 0;
    let nextWorld = 0;
    const worldChanges = this.input.worldChanges ?? [];
    for (;;) {
      const close = this.closes.peek();
      let at = Number.POSITIVE_INFINITY;
      let kind = -1;
      if (close) [at, kind] = [close.at, CLOSE];
      if (nextPresence < presence.length && presence[nextPresence]!.at < at) [at, kind] = [presence[nextPresence]!.at, PRESENCE];
      if (nextArrival < tickets.length && tickets[nextArrival]!.createdAt < at) [at, kind] = [tickets[nextArrival]!.createdAt, ARRIVAL];
      if (nextWorld < worldChanges.length && (kind === -1 || worldChanges[nextWorld]!.at <= at)) [at, kind] = [worldChanges[nextWorld]!.at, WORLD];
      if (kind === -1) break;
      this.measureUntil(at);
      this.now = at;
      if (kind === WORLD) this.changeWorld(nextWorld++);
      else if (kind === CLOSE) this.close(this.closes.pop()!.index);
      else if (kind === PRESENCE) this.changePresence(presence[nextPresence++]!);
      else this.arrive(nextArrival++);
      this.drain();
    }
    return this.result;
  }

  /** Adds the tickets held on duty since the last event, within `measure`. */
  private measureUntil(at: number): void {
    const from = Math.max(this.measuredUntil, this.input.measure?.from ?? Number.NEGATIVE_INFINITY);
    const to = Math.min(at, this.input.measure?.to ?? Number.POSITIVE_INFINITY);
    if (this.loadOnDuty > 0 && to > from) this.result.heldOnDutyMs += this.loadOnDuty * (to - from);
    this.measuredUntil = at;
  }

  /**
   * Who may take what now: the team rule, or when every agent is in the one team and no ticket
   * needs a skill, ANYONE, which that rule then always answers (and costs nothing per agent).
   */
  private get rule(): CanTake<TeamTicket> {
    return this.everyoneMayTakeAll ? ANYONE : teamRule(this.world, this.now);
  }

  private get sharesTeam(): (a: number, b: number) => boolean {
    return this.everyoneMayTakeAll ? () => true : (a, b) => shareTeam(this.world, a, b);
  }

  /** An admin's change of the teams (services/teams.ts): routing reads them again; the drain after it hands waiting tickets to whoever may now take them. */
  private changeWorld(index: number): void {
    this.record({ kind: 'world', at: this.now, index });
    this.world = this.input.worldChanges![index]!.world;
    // A team's queue order may have changed with it: the waiting tickets are ordered again.
    const waiting = this.queue.take(this.queue.size);
    this.queue = this.queueInOrder();
    for (const t of waiting) this.queue.push(t);
  }

  /**
   * An empty queue in queue order as the live desk keeps it (core/teams.ts compareTeamTickets):
   * each ticket by its team's own order in the world now in force, else `queueOrder` (the desk's).
   */
  private queueInOrder(): Heap<SimTicket> {
    const { teams } = this.world;
    // Every team on the desk's order (the forecast's own replays): one order, no lookup per comparison.
    if ([...teams.values()].every((t) => t.queueOrder === null)) return new Heap<SimTicket>(compareInQueue(this.input.queueOrder));
    return new Heap<SimTicket>(compareInQueue((t: SimTicket) => teams.get(t.teamId)?.queueOrder ?? this.input.queueOrder));
  }

  private record(step: SimStep): void {
    if (this.input.trace) this.result.steps.push(step);
  }

  /** R1 with teams, as createTickets asks it for one ticket. */
  private arrive(index: number): void {
    const ticket = this.input.tickets[index]!;
    this.record({ kind: 'arrival', at: this.now, ticketId: ticket.id });
    const plan = planTeamIntake(this.agents, [ticket], this.rule, this.now);
    const agentId = plan.agentIds[0] ?? null;
    this.agents = plan.agents;
    if (agentId === null) this.queue.push(ticket);
    else this.hold(index, null, agentId);
  }

  /** R4 then R2/R3 for the agent, as closeInRun does. */
  private close(index: number): void {
    const agentId = this.holder[index]!;
    this.record({ kind: 'close', at: this.now, ticketId: this.input.tickets[index]!.id, agentId });
    this.result.closedAt[index] = this.now;
    this.holder[index] = -1;
    this.held.get(agentId)?.delete(index);
    if (this.available.has(agentId)) this.loadOnDuty--;
    this.agents = this.agents.map((a) => (a.id === agentId ? { ...a, openCount: a.openCount - 1 } : a));
    this.pullAndBalance(agentId);
  }

  /** applyPresence without release_on_logout: available pulls and balances; leaving keeps the tickets. */
  private changePresence(change: PresenceChange): void {
    this.record({ kind: 'presence', at: this.now, agentId: change.agentId, presence: change.presence });
    const openCount = this.agents.find((a) => a.id === change.agentId)?.openCount ?? 0;
    if (change.presence === 'available' && !this.available.has(change.agentId)) {
      this.available.add(change.agentId);
      this.loadOnDuty += openCount;
    } else if (change.presence !== 'available' && this.available.delete(change.agentId)) this.loadOnDuty -= openCount;
    this.agents = this.agents.map((a) => (a.id === change.agentId ? { ...a, presence: change.presence } : a));
    if (change.presence === 'available') this.pullAndBalance(change.agentId);
  }

  /** The shell's pullAndBalance over the simulated queue and holdings. */
  private pullAndBalance(agentId: number): void {
    const agent = this.agents.find((a) => a.id === agentId);
    const spare = agent ? spareCapacity(agent) : 0;
    if (spare === 0) return;
    const pulled = this.planOverQueue(spare, (head) => planPull(this.agents, agentId, head, this.now, this.rule));
    if (pulled) this.apply(pulled);
    const donorId = chooseBalanceDonor(this.agents, agentId, 0, this.sharesTeam);
    if (donorId === null) return;
    const taker = this.agents.find((a) => a.id === agentId)!;
    const own = this.everyoneMayTakeAll ? [...this.world.teams.keys()] : (this.world.members.get(agentId)?.teams ?? []);
    const ticketId = balanceTicket(this.newestOf(donorId), taker, this.rule, own);
    if (ticketId !== null) this.apply(planBalanceMove(this.agents, donorId, agentId, ticketId, this.now));
  }

  /** The drain that ends every routing transaction (drainQueue). */
  private drain(): void {
    if (this.queue.size === 0) return;
    const spare = this.agents.reduce((sum, a) => sum + spareCapacity(a), 0);
    if (spare === 0) return;
    const plan = this.planOverQueue(spare, (head) => planDrain(this.agents, head, this.now, new Map(), this.rule));
    if (plan) this.apply(plan);
  }

  /**
   * planOverQueue of the shell: plans over the first `spare` waiting tickets, and over four times
   * as many while the plan leaves room unused and more are waiting. The tickets the plan does not
   * move go back to the queue.
   */
  private planOverQueue(spare: number, plan: (head: SimTicket[]) => Plan): Plan | null {
    const head: SimTicket[] = [];
    for (let limit = spare; ; limit *= 4) {
      head.push(...this.queue.take(limit - head.length));
      if (head.length === 0) return null;
      const planned = plan(head);
      if (head.length < limit || planned.moves.filter((m) => m.to !== null).length >= spare) {
        const moved = new Set(planned.moves.map((m) => m.ticketId));
        for (const t of head) if (!moved.has(t.id)) this.queue.push(t);
        return planned;
      }
    }
  }

  /** The donor's open tickets, newest first (created_at, then id), as newestOpenTicketsOf reads them. */
  private newestOf(agentId: number): SimTicket[] {
    const tickets = [...(this.held.get(agentId) ?? [])].map((i) => this.input.tickets[i]!);
    return tickets.sort((a, b) => b.createdAt - a.createdAt || b.id - a.id).slice(0, BALANCE_LOOKAHEAD);
  }

  private apply(plan: Plan): void {
    for (const move of plan.moves) this.hold(this.indexOf.get(move.ticketId)!, move.from, move.to!);
    this.agents = plan.agents;
  }

  /** Records that `to` holds the ticket now; its first assignment schedules its close. */
  private hold(index: number, from: number | null, to: number): void {
    const ticket = this.input.tickets[index]!;
    if (this.input.trace) this.result.moves.push({ ticketId: ticket.id, from, to, at: this.now });
    if (from !== null) this.held.get(from)?.delete(index);
    this.held.get(to)?.add(index);
    if (from !== null && this.available.has(from)) this.loadOnDuty--;
    if (this.available.has(to)) this.loadOnDuty++;
    this.holder[index] = to;
    if (Number.isNaN(this.result.assignedAt[index]!)) {
      this.result.assignedAt[index] = this.now;
      this.closes.push({ at: this.now + ticket.holdMs, index });
    }
  }
}
