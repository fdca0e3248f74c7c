/**
 * SLA breaches (§4): marking `sla_breached_at`, the `sla_breached` event and the §5 breach email,
 * written together in one transaction per batch, once per ticket however many monitors run.
 *
 * Only tickets still open at their deadline are marked. A ticket closed after its deadline before
 * any monitor saw it (the monitor was down) stays unmarked: "closed late" is a fact derived from
 * closed_at > sla_due_at, counted by the statistics, and an email about a ticket that is already
 * resolved would tell nobody anything useful.
 */
import { inTransaction } from '../db/transaction.js';
import type { Db } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { renderEmail } from '../mail/templates/index.js';
import { insertEvent } from '../repositories/events.js';
import { enqueueEmail } from '../repositories/outbox.js';
import { activeAdminEmails, claimBreach, dueForBreach } from '../repositories/sla.js';
import { findUserById } from '../repositories/users.js';
import type { ServiceContext, TicketChange } from './context.js';
import { ticketMailData } from './notifications.js';

/**
 * Who is told of a breach: the agent holding the ticket; the active admins when it is pending, or
 * when its agent has no email address (somebody must hear of it). Nobody, when no one has an
 * address: the event and the dashboards still show it.
 */
export async function breachRecipients(db: Db, ticket: TicketRow): Promise<string[]> {
  if (ticket.agent_id !== null) {
    const agent = await findUserById(db, ticket.agent_id);
    if (agent && agent.email.trim() !== '') return [agent.email.trim()];
  }
  return activeAdminEmails(db);
}

/** The result of one batch. */
export interface BreachBatch {
  /** The tickets this call marked, as live-update changes. */
  changes: TicketChange[];
  /** The batch was full: more tickets may be due. */
  more: boolean;
}

/**
 * Marks up to `limit` due tickets breached at `now`, each with its event and emails, in one
 * transaction. Several monitors may run it at once: each ticket is claimed by a conditional update
 * (and on PostgreSQL locked with SKIP LOCKED first), and only the claim that changed the row writes
 * the event and the emails. Does not publish: the caller does, after the commit.
 */
export async function recordDueBreaches(ctx: ServiceContext, now: number, limit: number): Promise<BreachBatch> {
  return inTransaction(ctx.handle, async (trx) => {
    const due = await dueForBreach(trx, ctx.handle.dialect, now, limit);
    const changes: TicketChange[] = [];
    for (const id of due) {
      const ticket = await claimBreach(trx, id, now);
      if (!ticket) continue;
      // The agent is unchanged by a breach: the event names the holder on both sides (null: pending).
      await insertEvent(trx, { ticket_id: ticket.id, type: 'sla_breached', at: now, from_agent_id: ticket.agent_id, to_agent_id: ticket.agent_id, actor_id: null });
      const content = renderEmail('sla_breached', await ticketMailData(trx, ticket, ctx.publicUrl));
      for (const to of await breachRecipients(trx, ticket)) {
        await enqueueEmail(trx, { ticketId: ticket.id, kind: 'sla_breached', to, content, now });
      }
      changes.push({ ticketId: ticket.id, type: 'sla_breached', fromAgentId: ticket.agent_id, toAgentId: ticket.agent_id });
    }
    return { changes, more: due.length === limit };
  });
}
