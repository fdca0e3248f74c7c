/**
 * Routing rules R1–R5 of SPEC §3 as pure decisions. The shell (src/services/routing.ts) loads the
 * state inside the routing lock, asks these functions what to do, and writes the moves they return.
 * Nothing here reads a clock or a database: `now` and every row come in as arguments.
 */

export const PRESENCES = ['offline', 'available', 'away'] as const;
export type Presence = (typeof PRESENCES)[number];

export const QUEUE_ORDERS = ['oldest', 'deadline'] as const;
export type QueueOrder = (typeof QUEUE_ORDERS)[number];

/** What routing needs to know of an agent. */
export interface AgentLoad {
  id: number;
  presence: Presence;
  /** Effective capacity: the agent's own, else the global default. */
  capacity: number;
  /** Open tickets the agent holds now. */
  openCount: number;
  /** When the agent last received a ticket; null when never. */
  lastAssignedAt: number | null;
}

/** The agents of `after` whose capacity in force differs from `before` (or who were not there). */
export function capacityChanges(before: readonly AgentLoad[], after: readonly AgentLoad[]): AgentLoad[] {
  const was = new Map(before.map((a) => [a.id, a.capacity]));
  return after.filter((a) => was.get(a.id) !== a.capacity);
}

/** A pending ticket as the queue sees it. */
export interface QueuedTicket {
  id: number;
  createdAt: number;
  slaDueAt: number;
}

/**
 * Why a ticket changed agent, which its customer's email tells (§5): R1/R2 routing from the queue,
 * R3 balancing (to be answered sooner), R5 its agent leaving, R6 an admin's choice (whose reason
 * the help desk does not know, so the email gives none).
 */
export type MoveCause = 'routing' | 'balance' | 'leave' | 'admin';

/** One change of a ticket's agent decided by routing. `from`/`to` null mean the queue. */
export interface Move {
  ticketId: number;
  from: number | null;
  to: number | null;
}

/** An agent can take a ticket now: available and below its capacity. */
export function hasSpareCapacity(agent: AgentLoad): boolean {
  return agent.presence === 'available' && agent.openCount < agent.capacity;
}

/** How many more tickets routing may give the agent now (0 when away, offline or full). */
export function spareCapacity(agent: AgentLoad): number {
  return agent.presence === 'available' ? Math.max(0, agent.capacity - agent.openCount) : 0;
}

/**
 * R1's ranking: fewest open tickets, then longest since the last assignment (never counts as
 * longest), then lowest id — round robin among equals. Negative when `a` should be chosen first.
 */
export function compareForAssignment(a: AgentLoad, b: AgentLoad): number {
  if (a.openCount !== b.openCount) return a.openCount - b.openCount;
  const aLast = a.lastAssignedAt ?? Number.NEGATIVE_INFINITY;
  const bLast = b.lastAssignedAt ?? Number.NEGATIVE_INFINITY;
  if (aLast !== bLast) return aLast < bLast ? -1 : 1;
  return a.id - b.id;
}

/**
 * Whether routing may give this agent this ticket (§12: a member of the ticket's team holding its
 * required skills; src/core/teams.ts builds it). Without teams, anyone may take anything.
 */
export type CanTake<T extends QueuedTicket = QueuedTicket> = (agent: AgentLoad, ticket: T) => boolean;

/** The rule of a help desk with one team and no skills. */
export const ANYONE: CanTake = () => true;

/**
 * The agent R1's ranking picks among those with spare capacity (and, when given, `eligible`), or
 * null when nobody has room.
 */
export function bestAgent(agents: readonly AgentLoad[], eligible: (agent: AgentLoad) => boolean = () => true): AgentLoad | null {
  let best: AgentLoad | null = null;
  for (const agent of agents) {
    if (hasSpareCapacity(agent) && eligible(agent) && (best === null || compareForAssignment(agent, best) < 0)) best = agent;
  }
  return best;
}

/**
 * A waiting ticket's place in its queue: its created_at under `oldest`, its sla_due_at under
 * `deadline`. With teams (§12) each team's queue has its own order (the team's, else the desk's).
 */
export function placeInQueue(ticket: QueuedTicket, order: QueueOrder): number {
  return order === 'deadline' ? ticket.slaDueAt : ticket.createdAt;
}

/**
 * The queue order as a comparator: by place (placeInQueue), then created_at, then id. `order` is
 * one order for every ticket (the desk's setting, a single team), or each ticket's own (its team's
 * effective order): then this is the one total order over every waiting ticket that an agent in
 * several teams takes the heads of its teams' queues in. With one order for all it is exactly
 * `oldest` (created_at, id) or `deadline` (sla_due_at, created_at, id).
 */
export function compareInQueue<T extends QueuedTicket>(order: QueueOrder | ((ticket: T) => QueueOrder)): (a: T, b: T) => number {
  const orderOf = typeof order === 'function' ? order : () => order;
  return (a, b) => {
    const aPlace = placeInQueue(a, orderOf(a));
    const bPlace = placeInQueue(b, orderOf(b));
    if (aPlace !== bPlace) return aPlace - bPlace;
    if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
    return a.id - b.id;
  };
}

/** Records that `agentId` received a ticket at `now` in the in-memory loads (returns new loads). */
export function withAssignment(agents: readonly AgentLoad[], agentId: number, now: number): AgentLoad[] {
  return agents.map((a) => (a.id === agentId ? { ...a, openCount: a.openCount + 1, lastAssignedAt: now } : a));
}

function withLoss(agents: readonly AgentLoad[], agentId: number): AgentLoad[] {
  return agents.map((a) => (a.id === agentId ? { ...a, openCount: a.openCount - 1 } : a));
}

/** A routing decision: the moves to write, and the agents' loads once they are written. */
export interface Plan {
  moves: Move[];
  agents: AgentLoad[];
}

/**
 * R1 Intake: the agent a new ticket goes to at once, or null when it must join the queue. A new
 * ticket never overtakes a waiting one, so a non-empty queue always means null.
 */
export function chooseIntakeAgent(agents: readonly AgentLoad[], queueLength: number): number | null {
  if (queueLength > 0) return null;
  return bestAgent(agents)?.id ?? null;
}

/** R1 for several new tickets committed together, in arrival order: where each goes, and the loads after. */
export interface IntakePlan {
  /** Per new ticket, in the order given: its agent, or null when it joins the queue. */
  agentIds: (number | null)[];
  agents: AgentLoad[];
}

/**
 * R1 Intake for `count` new tickets arriving one after another in the same instant (one routing
 * transaction, see src/services/intake.ts): each goes to the best-ranked agent with room as the
 * loads stand after the tickets before it, until one has to wait; from then on the queue is not
 * empty, so every later one waits too (a new ticket never overtakes a waiting one).
 */
export function planIntake(agents: readonly AgentLoad[], queueLength: number, count: number, now: number): IntakePlan {
  let loads = [...agents];
  let waiting = queueLength;
  const agentIds: (number | null)[] = [];
  for (let i = 0; i < count; i++) {
    const agentId = chooseIntakeAgent(loads, waiting);
    if (agentId === null) waiting++;
    else loads = withAssignment(loads, agentId, now);
    agentIds.push(agentId);
  }
  return { agentIds, agents: loads };
}

/**
 * R1 for a follow-up (§9): the closed ticket's agent gets it when that agent has spare capacity and
 * nobody is waiting; otherwise plain R1 (a follow-up never overtakes a waiting ticket either).
 */
export function planFollowUp(agents: readonly AgentLoad[], queueLength: number, previousAgentId: number | null, now: number): IntakePlan {
  const previous = previousAgentId === null ? undefined : agents.find((a) => a.id === previousAgentId);
  if (queueLength === 0 && previous && hasSpareCapacity(previous)) {
    return { agentIds: [previous.id], agents: withAssignment(agents, previous.id, now) };
  }
  return planIntake(agents, queueLength, 1, now);
}

/**
 * R2 Pull: the agent takes tickets from the head of the queue, one after another, until the queue
 * is empty or its capacity is full. `queueHead` must already be in queue order. With teams (§12)
 * it takes, earliest first, only the tickets `canTake` lets it have: the heads of its teams' queues.
 */
export function planPull<T extends QueuedTicket>(agents: readonly AgentLoad[], agentId: number, queueHead: readonly T[], now: number, canTake: CanTake<T> = ANYONE): Plan {
  const agent = agents.find((a) => a.id === agentId);
  if (!agent) return { moves: [], agents: [...agents] };
  const taken = queueHead.filter((t) => canTake(agent, t)).slice(0, spareCapacity(agent));
  let loads = [...agents];
  for (let i = 0; i < taken.length; i++) loads = withAssignment(loads, agentId, now);
  return { moves: taken.map((t) => ({ ticketId: t.id, from: null, to: agentId })), agents: loads };
}

/**
 * R3 Balance: when the queue is empty and the agent is available and holds no open ticket, the
 * agent holding the most open tickets gives up its newest one, if it holds more than one (ties: the
 * lowest id). Returns that donor's id, or null. The shell then moves the donor's newest ticket.
 */
export function chooseBalanceDonor(
  agents: readonly AgentLoad[],
  takerId: number,
  queueLength: number,
  sharesTeam: (a: number, b: number) => boolean = () => true,
): number | null {
  const taker = agents.find((a) => a.id === takerId);
  if (!taker || queueLength > 0 || taker.openCount !== 0 || !hasSpareCapacity(taker)) return null;
  let donor: AgentLoad | null = null;
  for (const agent of agents) {
    if (agent.id === takerId || !sharesTeam(takerId, agent.id)) continue;
    if (donor === null || agent.openCount > donor.openCount || (agent.openCount === donor.openCount && agent.id < donor.id)) {
      donor = agent;
    }
  }
  return donor !== null && donor.openCount > 1 ? donor.id : null;
}

/** Applies a balance move (the donor's newest ticket to the taker) to the loads. */
export function planBalanceMove(agents: readonly AgentLoad[], donorId: number, takerId: number, ticketId: number, now: number): Plan {
  return {
    moves: [{ ticketId, from: donorId, to: takerId }],
    agents: withAssignment(withLoss(agents, donorId), takerId, now),
  };
}

/**
 * Routes the queue to whoever has room, by R1's ranking, head first, until the queue or the spare
 * capacity runs out. Used for R5's released tickets and whenever capacity appears without one agent
 * to credit it to (a settings change). `queue` must be in queue order; each ticket's current holder
 * is given in `heldBy` (released tickets still name their old agent), so a move says where it is from.
 * With teams, each ticket goes to the best-ranked agent with room that `canTake` it; one nobody
 * eligible has room for keeps waiting and the ones behind it are still tried, so afterwards no
 * waiting ticket has an eligible agent with room (loads only grow during a drain).
 */
export function planDrain<T extends QueuedTicket>(
  agents: readonly AgentLoad[],
  queue: readonly T[],
  now: number,
  heldBy: ReadonlyMap<number, number> = new Map(),
  canTake: CanTake<T> = ANYONE,
): Plan {
  let loads = [...agents];
  const moves: Move[] = [];
  for (const ticket of queue) {
    if (!loads.some(hasSpareCapacity)) break;
    const agent = bestAgent(loads, (a) => canTake(a, ticket));
    if (!agent) continue;
    moves.push({ ticketId: ticket.id, from: heldBy.get(ticket.id) ?? null, to: agent.id });
    loads = withAssignment(loads, agent.id, now);
  }
  return { moves, agents: loads };
}

/**
 * R5 Leave with `release_on_logout` on: the leaving agent's open tickets rejoin the queue with their
 * original created_at and are routed again by R1's ranking. `agents` must already show the leaver as
 * unavailable. Released tickets that find no agent become `requeue` moves (to null). `order`: the
 * queue order the released tickets merge into the head by, one for all or each ticket's (its team's).
 */
export function planRelease<T extends QueuedTicket>(
  agents: readonly AgentLoad[],
  leaverId: number,
  released: readonly T[],
  queueHead: readonly T[],
  order: QueueOrder | ((ticket: T) => QueueOrder),
  now: number,
  canTake: CanTake<T> = ANYONE,
): Plan {
  const releasedIds = new Set(released.map((t) => t.id));
  const merged = [...queueHead, ...released].sort(compareInQueue(order));
  const heldBy = new Map(released.map((t) => [t.id, leaverId] as const));
  let loads = agents.map((a) => (a.id === leaverId ? { ...a, openCount: a.openCount - released.length } : a));
  const drained = planDrain(loads, merged, now, heldBy, canTake);
  loads = drained.agents;
  const routed = new Set(drained.moves.map((m) => m.ticketId));
  const requeues: Move[] = released
    .filter((t) => releasedIds.has(t.id) && !routed.has(t.id))
    .map((t) => ({ ticketId: t.id, from: leaverId, to: null }));
  return { moves: [...requeues, ...drained.moves], agents: loads };
}
