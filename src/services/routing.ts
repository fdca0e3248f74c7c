/**
 * The imperative shell around src/core/routing.ts: loads the routing state inside the routing lock,
 * asks the core, and writes each move with its event row and customer email in the same
 * transaction (I4).
 */
import {
  type AgentLoad,
  type CanTake,
  chooseBalanceDonor,
  hasSpareCapacity,
  type Move,
  type MoveCause,
  type Plan,
  planBalanceMove,
  planDrain,
  planPull,
  planRelease,
  spareCapacity,
} from '../core/routing.js';
import { BALANCE_LOOKAHEAD, balanceTicket, nextWideningAt, orderOfTeam, type QueueOrders, queuesServedBy, shareTeam, type TeamTicket, teamRule, type TeamWorld, type TopicRule } from '../core/teams.js';
import { instantAfterLock } from '../core/sla.js';
import type { Settings } from '../core/settings.js';
import type { ClockCalendar } from '../core/slaClocks.js';
import type { TeamClock } from '../core/teamSla.js';
import type { Db, DbHandle } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { inRoutingTransaction } from '../db/transaction.js';
import { insertEvent } from '../repositories/events.js';
import { clockCalendarOf } from '../repositories/calendarVersions.js';
import { routingStateOf, routingStateQuery } from '../repositories/routingState.js';
import { clearPendingClose, lockUnlessClosing } from '../repositories/pendingCloses.js';
import { findTicketById, lockTicketForMessage, newestOpenTicketsOf, openTicketsOf, queueHead, setTicketAgent, teamTicketOf } from '../repositories/tickets.js';
import { dueRoutingTickets, setRoutingDueAt } from '../repositories/routingDue.js';
import { teamClocksOf } from '../repositories/teamState.js';
import { setLastAssignedAtOf } from '../repositories/users.js';
import type { Clock, ServiceContext, TicketChange } from './context.js';
import { type Acting, actingId } from './audit.js';
import { mailSiteOfRun, notifyCustomer } from './notifications.js';
import { enqueueWebhooks, noticesOfChanges } from './webhooks.js';
import type { ActiveEndpoint } from '../repositories/webhooks.js';

/** One routing transaction: its connection, its instant, and the agents' loads as they change. */
export interface RoutingRun {
  trx: Db;
  /** The database the run is on (for what is cached per database, such as calendar versions). */
  handle: DbHandle;
  /** The run's instant; lockTicketInRun moves it past what a locked ticket's row already records. */
  now: number;
  /** Where `now` was read (lockTicketInRun reads it again once it holds a ticket's row). */
  wallClock: Clock;
  settings: Settings;
  /** The calendar SLA clocks started in this run count with (§11). */
  clock: ClockCalendar;
  /** The teams with an SLA calendar or targets of their own (§12; others count with `settings` and `clock`). */
  teamClocks: ReadonlyMap<number, TeamClock>;
  /** The staff member acting, for the events' actor column; null for customers and the system. */
  actorId: number | null;
  /** The same, as the audit log records it (with the request's address when there is one). */
  acting: Acting;
  publicUrl: string;
  agents: AgentLoad[];
  /** Active agents' display names, as read at the start. */
  agentNames: ReadonlyMap<number, string>;
  /** Active agents' usernames, as read at the start. */
  agentUsernames: ReadonlyMap<number, string>;
  /**
   * Whether the queue may hold a ticket: read at the start, and set by whatever adds to it (a
   * ticket joining the queue, a requeue). While false, settling the queue has nothing to do.
   */
  queueWaiting: boolean;
  /** The teams' rules and every agent's teams and skills (§12). */
  world: TeamWorld;
  /** Who may take what at `now`: members of the ticket's team (or its open overflow team) holding its skills. */
  rule: CanTake<TeamTicket>;
  /** Ticket ids reserved for this transaction's new tickets (PostgreSQL; see routingStateQuery). */
  newTicketIds: number[] | null;
  /** Every topic with its skills, for intake (read with the state when new tickets were announced). */
  topics: TopicRule[];
  /** The active webhook endpoints, read with the state. */
  webhookEndpoints: readonly ActiveEndpoint[];
  changes: TicketChange[];
  /** Changes whose webhook deliveries their writer has written already (intake's, in its statement). */
  changesWithDeliveries: Set<TicketChange>;
}

/**
 * Runs `work` as one serialised routing transaction, then settles the queue (I3) before commit and
 * publishes the changes after it.
 */
export async function withRouting<T>(
  ctx: ServiceContext,
  acting: Acting,
  work: (run: RoutingRun) => Promise<T>,
  options: { newTickets?: number } = {},
): Promise<T> {
  let changes: TicketChange[] = [];
  // The state is read as the transaction begins (on PostgreSQL in the same round trip as the lock);
  // the instant is taken once the lock is held, so it never runs behind the transaction before.
  const stateQuery = routingStateQuery(ctx.handle.db, options.newTickets);
  const result = await inRoutingTransaction(ctx.handle, async (trx, [row]) => {
    const now = ctx.clock.now();
    const state = routingStateOf(row, now, options.newTickets);
    const run: RoutingRun = {
      trx,
      handle: ctx.handle,
      now,
      wallClock: ctx.clock,
      settings: state.settings,
      clock: await clockCalendarOf(ctx.handle, trx, state.calendarVersionId),
      teamClocks: await teamClocksOf(state.teamClocks, (versionId) => clockCalendarOf(ctx.handle, trx, versionId)),
      actorId: actingId(acting),
      acting,
      publicUrl: ctx.publicUrl,
      agents: state.agents,
      agentNames: state.agentNames,
      agentUsernames: state.agentUsernames,
      queueWaiting: state.queueWaiting,
      world: state.world,
      rule: teamRule(state.world, now),
      newTicketIds: state.newTicketIds,
      topics: state.topics,
      webhookEndpoints: state.webhookEndpoints,
      changes: [],
      changesWithDeliveries: new Set(),
    };
    // A waiting ticket whose skill turned optional or whose overflow opened is routed first, as
    // if it had been at that moment, so nothing in `work` overtakes it.
    if (state.routingDue) await routeDueTickets(run);
    const value = await work(run);
    await drainQueue(run);
    // Every change of the run is an event for webhooks, enqueued before the commit (§13).
    const undelivered = run.changes.filter((c) => !run.changesWithDeliveries.has(c));
    await enqueueWebhooks(trx, ctx.publicUrl, run.now, noticesOfChanges(undelivered), run.webhookEndpoints);
    changes = run.changes;
    return value;
  }, stateQuery);
  if (changes.length > 0) ctx.onChanges?.(changes);
  return result;
}

/**
 * Locks a ticket's row for the rest of the run (PostgreSQL; on SQLite the run holds the write lock)
 * and reads the run's instant again after it (core/sla.ts instantAfterLock). The routing lock does
 * not keep the SLA monitor out: while the run waited for the row, the monitor may have recorded a
 * breach, and an action stamped with the instant read before the wait would count as in time what
 * the breach event and email called late. Every action that closes or answers a ticket in a run
 * reads the ticket through this.
 */
export async function lockTicketInRun(run: RoutingRun, ticketId: number): Promise<TicketRow | undefined> {
  const ticket = await lockTicketForMessage(run.trx, ticketId);
  if (!ticket) return undefined;
  const now = instantAfterLock(run.wallClock.now(), ticket, run.now);
  if (now !== run.now) {
    run.now = now;
    run.rule = teamRule(run.world, now);
  }
  return ticket;
}

/** Replaces one agent's load in the run (presence changes, capacity changes). */
export function updateAgent(run: RoutingRun, agentId: number, patch: Partial<AgentLoad>): void {
  run.agents = run.agents.map((a) => (a.id === agentId ? { ...a, ...patch } : a));
}

function eventTypeOf(move: Move): 'assigned' | 'reassigned' | 'requeued' {
  if (move.to === null) return 'requeued';
  return move.from === null ? 'assigned' : 'reassigned';
}

/**
 * Writes one move: the ticket's agent, the receiver's last_assigned_at, one event, the customer's
 * email. The ticket must still be open and held by `move.from`; if it is not, the move was planned
 * from stale state (a bug: the routing lock serialises every change of holder), and it throws, so
 * the whole routing transaction rolls back rather than record an event and an email for a change
 * that did not happen. `cause`: why it moves, for the customer's email.
 */
export async function writeMove(run: RoutingRun, move: Move, cause: MoveCause): Promise<void> {
  const { trx, now } = run;
  if (!(await setTicketAgent(trx, move, now))) {
    const holder = move.from === null ? 'waiting in the queue' : `held by agent ${move.from}`;
    throw new Error(`Routing move planned from stale state: ticket ${move.ticketId} is not open and ${holder}; the routing transaction is rolled back.`);
  }
  // A move away from an agent cancels its pending close: it was that agent's decision about the
  // ticket (core/pendingClose.ts). A ticket taken from the queue has none (its move there cleared it).
  if (move.from !== null) await clearPendingClose(trx, move.ticketId);
  if (move.to !== null) await setLastAssignedAtOf(trx, [move.to], now);
  const type = eventTypeOf(move);
  await insertEvent(trx, { ticket_id: move.ticketId, type, at: now, from_agent_id: move.from, to_agent_id: move.to, actor_id: run.actorId });
  const ticket = await findTicketById(trx, move.ticketId);
  if (type === 'requeued') {
    run.queueWaiting = true;
    // Back in the queue, it waits for its next widening (a skill turning optional, the overflow
    // opening; counted from its creation) like a new ticket: the routing-due job must wake then.
    if (ticket) await refreshRoutingMoments(run, [teamTicketOf(ticket)]);
  } else if (ticket) {
    await notifyCustomer(trx, type, ticket, mailSiteOfRun(run), now, { previousAgentId: move.from, knownNames: run.agentNames, moveCause: cause });
  }
  run.changes.push({ ticketId: move.ticketId, type, fromAgentId: move.from, toAgentId: move.to });
}

async function applyPlan(run: RoutingRun, plan: Plan, cause: MoveCause): Promise<void> {
  for (const move of plan.moves) await writeMove(run, move, cause);
  run.agents = plan.agents;
}

/**
 * Every team's queue order in this run: its own, else the desk's setting, both as read with the
 * routing state (a settings or team save in the run changes them at once: run.settings, run.world).
 */
export function queueOrdersOf(run: RoutingRun): QueueOrders {
  return { desk: run.settings.queueOrder, teams: run.world.teams };
}

/** The queues (team ids) the given agents may take from; null: every team's (no filter needed). */
function queuesOf(run: RoutingRun, takers: readonly number[]): number[] | null {
  const served = queuesServedBy(run.world, takers);
  return served.size === run.world.teams.size ? null : [...served];
}

/**
 * Plans over the waiting tickets of `teams` in queue order: reads the first `spare` and, while the
 * plan leaves capacity unused and that read was full, four times as many. Tickets nobody with room
 * may take (another team's members, a skill nobody free holds) are skipped by the plan, so the head
 * alone may not hold all the tickets the capacity could take; with one team it always does.
 */
async function planOverQueue(run: RoutingRun, spare: number, teams: number[] | null, plan: (head: TeamTicket[]) => Plan): Promise<Plan | null> {
  for (let limit = spare; ; limit *= 4) {
    const head = await queueHead(run.trx, queueOrdersOf(run), limit, teams);
    if (head.length === 0) return null;
    const planned = plan(head);
    if (head.length < limit || planned.moves.filter((m) => m.to !== null).length >= spare) return planned;
  }
}

/**
 * R2 then R3 for an agent that gained spare capacity: pull from the heads of its teams' queues
 * (earliest first) until nothing it may take is waiting or it is full; if it still holds nothing,
 * balance with an agent sharing a team, taking that agent's newest ticket it may take.
 */
export async function pullAndBalance(run: RoutingRun, agentId: number): Promise<void> {
  const agent = run.agents.find((a) => a.id === agentId);
  const spare = agent ? spareCapacity(agent) : 0;
  if (spare === 0) return;
  const pulled = await planOverQueue(run, spare, queuesOf(run, [agentId]), (head) => planPull(run.agents, agentId, head, run.now, run.rule));
  if (pulled) await applyPlan(run, pulled, 'routing');
  const donorId = chooseBalanceDonor(run.agents, agentId, 0, (a, b) => shareTeam(run.world, a, b));
  if (donorId === null) return;
  const taker = run.agents.find((a) => a.id === agentId)!;
  // R3 never takes a ticket about to close. A Close clicked on the chosen one after the read (it is
  // recorded outside the routing lock) shows when the ticket is locked: the next newest is chosen.
  // Each miss is a close committed, which the next read leaves out, so this ends.
  for (let tries = 0; tries < BALANCE_LOOKAHEAD; tries++) {
    const ticketId = balanceTicket(await newestOpenTicketsOf(run.trx, donorId, BALANCE_LOOKAHEAD), taker, run.rule, run.world.members.get(agentId)?.teams ?? []);
    if (ticketId === null) return;
    if (await lockUnlessClosing(run.trx, ticketId, donorId)) return applyPlan(run, planBalanceMove(run.agents, donorId, agentId, ticketId, run.now), 'balance');
  }
}

/**
 * The first waiting ticket, in queue order, that `agentId` may take now (§12: its teams' queues,
 * the skills it holds), or null. Only meaningful for an agent with room.
 */
export async function firstTakeable(run: RoutingRun, agentId: number): Promise<number | null> {
  const plan = await planOverQueue(run, 1, queuesOf(run, [agentId]), (head) => planPull(run.agents, agentId, head, run.now, run.rule));
  return plan?.moves[0]?.ticketId ?? null;
}

/** Routes waiting tickets to every agent with room that may take them, by R1's ranking (team-I3 after any change). */
export async function drainQueue(run: RoutingRun): Promise<void> {
  const spare = run.agents.reduce((sum, a) => sum + spareCapacity(a), 0);
  if (spare === 0 || !run.queueWaiting) return;
  const takers = run.agents.filter(hasSpareCapacity).map((a) => a.id);
  const plan = await planOverQueue(run, spare, queuesOf(run, takers), (head) => planDrain(run.agents, head, run.now, new Map(), run.rule));
  if (plan) await applyPlan(run, plan, 'routing');
}

/** R5 with release_on_logout on: the leaver's open tickets rejoin the queue and are routed again. Returns how many. */
export async function releaseTickets(run: RoutingRun, agentId: number): Promise<number> {
  const held = await openTicketsOf(run.trx, agentId);
  if (held.length === 0) return 0;
  const released = held.map(teamTicketOf);
  const others = run.agents.filter((a) => a.id !== agentId);
  const spare = others.reduce((sum, a) => sum + spareCapacity(a), 0);
  // The waiting tickets ahead of the released ones; whatever this head leaves out, the drain that
  // ends every routing transaction routes.
  const orders = queueOrdersOf(run);
  const head = await queueHead(run.trx, orders, spare, queuesOf(run, others.filter(hasSpareCapacity).map((a) => a.id)));
  await applyPlan(run, planRelease(run.agents, agentId, released, head, (t) => orderOfTeam(orders, t.teamId), run.now, run.rule), 'leave');
  return held.length;
}

/**
 * The time-driven half of §12: waiting tickets whose routing moment has come (a skill turned
 * optional, the overflow opened) get their next moment (or none), and the queue is drained with
 * the wider rule. Inside the routing lock, so with several processes each moment is handled once.
 */
/**
 * Sets each waiting ticket's next routing moment under the run's teams (core/teams.ts
 * nextWideningAt): when the routing-due job routes it again with more agents allowed.
 */
export async function refreshRoutingMoments(run: RoutingRun, waiting: readonly TeamTicket[]): Promise<void> {
  await setRoutingDueAt(run.trx, waiting.map((t) => ({ id: t.id, at: nextWideningAt(t, run.world.teams, run.now) })));
}

export async function routeDueTickets(run: RoutingRun): Promise<void> {
  const due = await dueRoutingTickets(run.trx, run.now);
  if (due.length === 0) return;
  await refreshRoutingMoments(run, due);
  run.queueWaiting = true;
  await drainQueue(run);
}
