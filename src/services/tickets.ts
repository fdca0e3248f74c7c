import { randomBytes } from 'node:crypto';
import { chooseIntakeAgent } from '../core/routing.js';
import { forbidden, notFound } from '../core/errors.js';
import { slaDueAt } from '../core/sla.js';
import { type NewTicketInput, validateNewTicket } from '../core/tickets.js';
import type { TicketRow } from '../db/schema.js';
import { insertEvent } from '../repositories/events.js';
import { findTicketById, insertTicket, markClosed, queueIsEmpty } from '../repositories/tickets.js';
import { setLastAssignedAt } from '../repositories/users.js';
import type { ServiceContext } from './context.js';
import { notifyCustomer } from './notifications.js';
import { pullAndBalance, updateAgent, withRouting } from './routing.js';

/** 192 random bits, URL-safe: the customer's key to the status page. */
export function newTicketToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * A customer submits a ticket (R1): validated, stored with its SLA deadline, given at once to the
 * best-ranked agent with room if nobody is waiting, and the customer's `created` email enqueued —
 * all in one routing transaction, so a returned ticket is durable (I5).
 */
export async function submitTicket(ctx: ServiceContext, raw: Record<string, unknown>): Promise<TicketRow> {
  const input: NewTicketInput = validateNewTicket(raw);
  return withRouting(ctx, null, async (run) => {
    const agentId = chooseIntakeAgent(run.agents, (await queueIsEmpty(run.trx)) ? 0 : 1);
    const ticket = await insertTicket(run.trx, {
      token: newTicketToken(),
      customer_name: input.name,
      customer_email: input.email,
      title: input.title,
      description: input.description,
      priority: input.priority,
      status: 'open',
      agent_id: agentId,
      created_at: run.now,
      assigned_at: agentId === null ? null : run.now,
      closed_at: null,
      sla_due_at: slaDueAt(run.now, input.priority, run.settings.sla),
      sla_breached_at: null,
    });
    await insertEvent(run.trx, { ticket_id: ticket.id, type: 'created', at: run.now, from_agent_id: null, to_agent_id: agentId, actor_id: null });
    if (agentId !== null) {
      await setLastAssignedAt(run.trx, agentId, run.now);
      const agent = run.agents.find((a) => a.id === agentId)!;
      updateAgent(run, agentId, { openCount: agent.openCount + 1, lastAssignedAt: run.now });
    }
    await notifyCustomer(run.trx, 'created', ticket, run.publicUrl, run.now);
    run.changes.push({ ticketId: ticket.id, type: 'created', fromAgentId: null, toAgentId: agentId });
    return ticket;
  });
}

/** Who is acting on a ticket. */
export interface Actor {
  id: number;
  role: 'agent' | 'admin';
}

/**
 * R4: the ticket's own agent (or an admin) closes it; the customer is told, and the agent pulls
 * from the queue (R2) or balances (R3). Closing a closed ticket changes nothing and is not an error.
 * Returns whether this call closed it.
 */
export async function closeTicket(ctx: ServiceContext, actor: Actor, ticketId: number): Promise<boolean> {
  return withRouting(ctx, actor.id, async (run) => {
    const ticket = await findTicketById(run.trx, ticketId);
    if (!ticket) throw notFound('Ticket');
    if (actor.role !== 'admin' && ticket.agent_id !== actor.id) throw forbidden('Only the agent holding this ticket can close it.');
    if (!(await markClosed(run.trx, ticketId, run.now))) return false;
    await insertEvent(run.trx, { ticket_id: ticketId, type: 'closed', at: run.now, from_agent_id: ticket.agent_id, to_agent_id: null, actor_id: actor.id });
    await notifyCustomer(run.trx, 'closed', { ...ticket, status: 'closed', closed_at: run.now }, run.publicUrl, run.now);
    run.changes.push({ ticketId, type: 'closed', fromAgentId: ticket.agent_id, toAgentId: null });
    if (ticket.agent_id !== null) {
      const agent = run.agents.find((a) => a.id === ticket.agent_id);
      if (agent) updateAgent(run, agent.id, { openCount: agent.openCount - 1 });
      await pullAndBalance(run, ticket.agent_id);
    }
    return true;
  });
}
