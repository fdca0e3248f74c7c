import { randomBytes } from 'node:crypto';
import { planIntake } from '../core/routing.js';
import { forbidden, notFound } from '../core/errors.js';
import { slaDueAt } from '../core/sla.js';
import type { NewTicketInput } from '../core/tickets.js';
import type { TicketRow } from '../db/schema.js';
import { renderEmail } from '../mail/templates/index.js';
import { insertEvent } from '../repositories/events.js';
import { writeIntake } from '../repositories/intake.js';
import { findTicketById, markClosed } from '../repositories/tickets.js';
import type { ServiceContext } from './context.js';
import { mailDataOf, notifyCustomer } from './notifications.js';
import { pullAndBalance, updateAgent, withRouting } from './routing.js';

/** 192 random bits, URL-safe: the customer's key to the status page. */
export function newTicketToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A validated ticket as intake hands it in: with the submission's request key, when it has one. */
export type IntakeInput = NewTicketInput & { intakeKey?: string };

/**
 * R1 for validated tickets, in arrival order, in one routing transaction: each stored with its SLA
 * deadline, given at once to the best-ranked agent with room while nobody is waiting (else it
 * joins the queue), with its `created` event and the customer's `created` email (naming the agent).
 * Every statement covers all the tickets, so a batch costs about what one ticket costs. Returned
 * tickets are committed, hence durable (I5). On PostgreSQL their ids are reserved with the routing
 * state, inside the lock, so ids follow commit order across processes (see repositories/intake.ts).
 */
export async function createTickets(ctx: ServiceContext, inputs: readonly IntakeInput[]): Promise<TicketRow[]> {
  if (inputs.length === 0) return [];
  return withRouting(
    ctx,
    null,
    async (run) => {
      const { trx, now } = run;
      const plan = planIntake(run.agents, run.queueWaiting ? 1 : 0, inputs.length, now);
      const rows = inputs.map((input, i) => {
        const agentId = plan.agentIds[i]!;
        return {
          token: newTicketToken(),
          customer_name: input.name,
          customer_email: input.email,
          title: input.title,
          description: input.description,
          priority: input.priority,
          status: 'open' as const,
          agent_id: agentId,
          created_at: now,
          assigned_at: agentId === null ? null : now,
          closed_at: null,
          sla_due_at: slaDueAt(now, input.priority, run.settings.sla),
          sla_breached_at: null,
          intake_key: input.intakeKey ?? null,
        };
      });
      const tickets = await writeIntake(trx, rows, run.newTicketIds, (stored) => ({
        events: stored.map((t) => ({ ticket_id: t.id, type: 'created', at: now, from_agent_id: null, to_agent_id: t.agent_id, actor_id: null })),
        emails: stored.map((t) => {
          const content = renderEmail('created', mailDataOf(t, run.publicUrl, t.agent_id === null ? null : (run.agentNames.get(t.agent_id) ?? null)));
          return { ticketId: t.id, kind: 'created', to: t.customer_email, content, now };
        }),
        receivers: [...new Set(plan.agentIds.filter((id): id is number => id !== null))],
        now,
      }));
      run.agents = plan.agents;
      if (plan.agentIds.includes(null)) run.queueWaiting = true;
      for (const t of tickets) run.changes.push({ ticketId: t.id, type: 'created', fromAgentId: null, toAgentId: t.agent_id });
      return tickets;
    },
    { newTickets: inputs.length },
  );
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
    await notifyCustomer(run.trx, 'closed', { ...ticket, status: 'closed', closed_at: run.now }, run.publicUrl, run.now, null, run.agentNames);
    run.changes.push({ ticketId, type: 'closed', fromAgentId: ticket.agent_id, toAgentId: null });
    if (ticket.agent_id !== null) {
      const agent = run.agents.find((a) => a.id === ticket.agent_id);
      if (agent) updateAgent(run, agent.id, { openCount: agent.openCount - 1 });
      await pullAndBalance(run, ticket.agent_id);
    }
    return true;
  });
}
