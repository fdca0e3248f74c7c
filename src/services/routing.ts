/**
 * The imperative shell around src/core/routing.ts: loads the routing state inside the routing lock,
 * asks the core, and writes each move with its event row and customer email in the same
 * transaction (I4).
 */
import {
  type AgentLoad,
  chooseBalanceDonor,
  type Move,
  type Plan,
  planBalanceMove,
  planDrain,
  planPull,
  planRelease,
  spareCapacity,
} from '../core/routing.js';
import type { Settings } from '../core/settings.js';
import type { ClockCalendar } from '../core/slaClocks.js';
import type { Db, DbHandle } from '../db/connect.js';
import { inRoutingTransaction } from '../db/transaction.js';
import { insertEvent } from '../repositories/events.js';
import { clockCalendarOf } from '../repositories/calendarVersions.js';
import { loadRoutingState } from '../repositories/routingState.js';
import { clearPendingClose } from '../repositories/pendingCloses.js';
import { findTicketById, newestOpenTicketOf, openTicketsOf, queueHead, setTicketAgent } from '../repositories/tickets.js';
import { setLastAssignedAtOf } from '../repositories/users.js';
import type { ServiceContext, TicketChange } from './context.js';
import { notifyCustomer } from './notifications.js';
import { enqueueWebhooks, noticesOfChanges } from './webhooks.js';

/** One routing transaction: its connection, its instant, and the agents' loads as they change. */
export interface RoutingRun {
  trx: Db;
  /** The database the run is on (for what is cached per database, such as calendar versions). */
  handle: DbHandle;
  now: number;
  settings: Settings;
  /** The calendar SLA clocks started in this run count with (§11). */
  clock: ClockCalendar;
  /** The staff member acting, for the events' actor column; null for customers and the system. */
  actorId: number | null;
  publicUrl: string;
  agents: AgentLoad[];
  /** Active agents' display names, as read at the start. */
  agentNames: ReadonlyMap<number, string>;
  /**
   * Whether the queue may hold a ticket: read at the start, and set by whatever adds to it (a
   * ticket joining the queue, a requeue). While false, settling the queue has nothing to do.
   */
  queueWaiting: boolean;
  /** Ticket ids reserved for this transaction's new tickets (PostgreSQL; see loadRoutingState). */
  newTicketIds: number[] | null;
  changes: TicketChange[];
}

/**
 * Runs `work` as one serialised routing transaction, then settles the queue (I3) before commit and
 * publishes the changes after it.
 */
export async function withRouting<T>(
  ctx: ServiceContext,
  actorId: number | null,
  work: (run: RoutingRun) => Promise<T>,
  options: { newTickets?: number } = {},
): Promise<T> {
  let changes: TicketChange[] = [];
  const result = await inRoutingTransaction(ctx.handle, async (trx) => {
    const state = await loadRoutingState(trx, options.newTickets);
    const run: RoutingRun = {
      trx,
      handle: ctx.handle,
      now: ctx.clock.now(),
      settings: state.settings,
      clock: await clockCalendarOf(ctx.handle, trx, state.calendarVersionId),
      actorId,
      publicUrl: ctx.publicUrl,
      agents: state.agents,
      agentNames: state.agentNames,
      queueWaiting: state.queueWaiting,
      newTicketIds: state.newTicketIds,
      changes: [],
    };
    const value = await work(run);
    await drainQueue(run);
    // Every change of the run is an event for webhooks, enqueued before the commit (§13).
    await enqueueWebhooks(trx, ctx.publicUrl, run.now, noticesOfChanges(run.changes));
    changes = run.changes;
    return value;
  });
  if (changes.length > 0) ctx.onChanges?.(changes);
  return result;
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
 * that did not happen.
 */
export async function writeMove(run: RoutingRun, move: Move): Promise<void> {
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
  if (type === 'requeued') run.queueWaiting = true;
  await insertEvent(trx, { ticket_id: move.ticketId, type, at: now, from_agent_id: move.from, to_agent_id: move.to, actor_id: run.actorId });
  if (type !== 'requeued') {
    const ticket = await findTicketById(trx, move.ticketId);
    if (ticket) await notifyCustomer(trx, type, ticket, run.publicUrl, now, move.from, run.agentNames);
  }
  run.changes.push({ ticketId: move.ticketId, type, fromAgentId: move.from, toAgentId: move.to });
}

async function applyPlan(run: RoutingRun, plan: Plan): Promise<void> {
  for (const move of plan.moves) await writeMove(run, move);
  run.agents = plan.agents;
}

/**
 * R2 then R3 for an agent that gained spare capacity: pull from the head of the queue until it is
 * empty or the agent is full; if nothing was waiting and the agent holds nothing, balance.
 */
export async function pullAndBalance(run: RoutingRun, agentId: number): Promise<void> {
  const agent = run.agents.find((a) => a.id === agentId);
  const spare = agent ? spareCapacity(agent) : 0;
  if (spare === 0) return;
  const head = await queueHead(run.trx, run.settings.queueOrder, spare);
  await applyPlan(run, planPull(run.agents, agentId, head, run.now));
  if (head.length > 0) return;
  const donorId = chooseBalanceDonor(run.agents, agentId, 0);
  if (donorId === null) return;
  const newest = await newestOpenTicketOf(run.trx, donorId);
  if (newest) await applyPlan(run, planBalanceMove(run.agents, donorId, agentId, newest.id, run.now));
}

/** Routes waiting tickets to every agent with room, by R1's ranking (I3 after any change). */
export async function drainQueue(run: RoutingRun): Promise<void> {
  const spare = run.agents.reduce((sum, a) => sum + spareCapacity(a), 0);
  if (spare === 0 || !run.queueWaiting) return;
  const head = await queueHead(run.trx, run.settings.queueOrder, spare);
  if (head.length > 0) await applyPlan(run, planDrain(run.agents, head, run.now));
}

/** R5 with release_on_logout on: the leaver's open tickets rejoin the queue and are routed again. */
export async function releaseTickets(run: RoutingRun, agentId: number): Promise<void> {
  const held = await openTicketsOf(run.trx, agentId);
  if (held.length === 0) return;
  const released = held.map((t) => ({ id: t.id, createdAt: t.created_at, slaDueAt: t.sla_due_at }));
  const spare = run.agents.reduce((sum, a) => sum + (a.id === agentId ? 0 : spareCapacity(a)), 0);
  const head = await queueHead(run.trx, run.settings.queueOrder, spare);
  await applyPlan(run, planRelease(run.agents, agentId, released, head, run.settings.queueOrder, run.now));
}
