/**
 * SLA breaches and warnings (§4, §11): marking `sla_breached_at` (or the target's own column), the
 * `sla_breached` event and the breach email, written together in one transaction per batch, once
 * per ticket and target however many monitors run; likewise each target's warning.
 *
 * Only tickets still open at their deadline are marked. A ticket closed after its deadline before
 * any monitor saw it (the monitor was down) stays unmarked: "closed late" is a fact derived from
 * closed_at > sla_due_at, counted by the statistics, and an email about a ticket that is already
 * resolved would tell nobody anything useful.
 */
import { type AlertAddressee, alertAddressee } from '../core/sla.js';
import { knownDueAt } from '../core/slaClocks.js';
import { PRIORITIES } from '../core/tickets.js';
import { inTransaction } from '../db/transaction.js';
import type { Db } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { renderEmail, renderSlaAlert } from '../mail/templates/index.js';
import { insertEvent } from '../repositories/events.js';
import { enqueueEmails, type StaffRecipient, staffRecipient } from '../repositories/outbox.js';
import { activeAdminRecipients } from '../repositories/sla.js';
import { claimWatch, dueForWatch, RESOLUTION_BREACH, type SlaWatch } from '../repositories/slaWatches.js';
import { findUserById } from '../repositories/users.js';
import type { ServiceContext, TicketChange } from './context.js';
import { mailSite, ticketMailData } from './notifications.js';
import { enqueueWebhooks, type WebhookNotice } from './webhooks.js';

/**
 * Who is told of a breach or warning (core/sla.ts alertAddressee), and their addresses: the agent
 * holding the ticket, or the active admins. Nobody, when no one has an address: the event and the
 * dashboards still show it.
 */
export async function breachRecipients(db: Db, ticket: TicketRow): Promise<{ addressee: AlertAddressee; to: StaffRecipient[] }> {
  const agent = ticket.agent_id === null ? undefined : await findUserById(db, ticket.agent_id);
  const addressee = alertAddressee(agent);
  return { addressee, to: addressee === 'holder' ? [staffRecipient(agent!)] : await activeAdminRecipients(db) };
}

/** The result of one batch. */
export interface BreachBatch {
  /** The tickets this call marked, as live-update changes. */
  changes: TicketChange[];
  /** The batch was full: more tickets may be due. */
  more: boolean;
}

/**
 * Fires one watch (slaWatches.ts) for up to `limit` due tickets at `now`, in one transaction: a
 * breach gets its `sla_breached` event naming the metric and one email; a warning gets its email.
 * Several monitors may run it at once: each ticket is claimed by a conditional update (and on
 * PostgreSQL locked with SKIP LOCKED first), and only the claim that changed the row writes the
 * rest. Does not publish: the caller does, after the commit.
 *
 * A breach's claim moves the figures' summary rows (sla_target_counts, open_breach_summary) by
 * trigger, one priority's rows per ticket. The tickets are claimed in priority order (then due
 * order), so every monitor's transaction takes those row locks in the same order as every other's
 * (and a close takes one priority's), and concurrent monitors on PostgreSQL cannot deadlock on them.
 */
export async function fireDueWatch(ctx: ServiceContext, watch: SlaWatch, now: number, limit: number): Promise<BreachBatch> {
  return inTransaction(ctx.handle, async (trx) => {
    const due = await dueForWatch(trx, ctx.handle.dialect, watch, now, limit);
    const changes: TicketChange[] = [];
    const notices: WebhookNotice[] = [];
    const site = due.length === 0 ? null : await mailSite(ctx.handle, trx, ctx.publicUrl);
    for (const id of inClaimOrder(due)) {
      const ticket = await claimWatch(trx, watch, id, now);
      if (!ticket) continue;
      // The deadline, not the instant a warning fires (QA: a warning named its own time as the deadline).
      const dueAt = Number(ticket[watch.deadline]);
      // A warning stored before targets with no due time got none (core/slaClocks.ts warnFor): spent
      // by the claim, told to nobody, as it has no deadline to name.
      if (watch.kind === 'warning' && knownDueAt(dueAt) === null) continue;
      const { addressee, to: recipients } = await breachRecipients(trx, ticket);
      const data = { ...(await ticketMailData(trx, ticket, site!)), alertTo: addressee };
      let kind: 'sla_breached' | 'sla_warning' = 'sla_warning';
      let content = renderSlaAlert(data, { metric: watch.metric, kind: watch.kind, dueAt });
      if (watch.kind === 'breach') {
        kind = 'sla_breached';
        // The resolution breach keeps its §4 email.
        if (watch.metric === 'resolution') content = renderEmail('sla_breached', data);
        // The agent is unchanged by a breach: the event names the holder on both sides (null: pending).
        await insertEvent(trx, { ticket_id: ticket.id, type: 'sla_breached', at: now, from_agent_id: ticket.agent_id, to_agent_id: ticket.agent_id, actor_id: null, metric: watch.metric });
        notices.push({ event: 'ticket.sla_breached', ticketId: ticket.id, metric: watch.metric });
      }
      await enqueueEmails(trx, recipients.map((recipient) => ({ ...recipient, ticketId: ticket.id, kind, content, now })));
      changes.push({ ticketId: ticket.id, type: watch.kind === 'breach' ? 'sla_breached' : 'sla_warning', fromAgentId: ticket.agent_id, toAgentId: ticket.agent_id });
    }
    await enqueueWebhooks(trx, ctx.publicUrl, now, notices);
    return { changes, more: due.length === limit };
  });
}

/** Ids by priority (high, medium, low), keeping the due order within each: the lock order of fireDueWatch. */
export function inClaimOrder(due: readonly { id: number; priority: string }[]): number[] {
  const rank = (priority: string) => PRIORITIES.indexOf(priority as (typeof PRIORITIES)[number]);
  return due
    .map((t, i) => ({ ...t, i }))
    .sort((a, b) => rank(a.priority) - rank(b.priority) || a.i - b.i)
    .map((t) => t.id);
}

/** The §4 resolution breaches due at `now` (fireDueWatch for the resolution breach). */
export async function recordDueBreaches(ctx: ServiceContext, now: number, limit: number): Promise<BreachBatch> {
  return fireDueWatch(ctx, RESOLUTION_BREACH, now, limit);
}
