import type { MoveCause } from '../core/routing.js';
import { referenceOf } from '../core/tickets.js';
import type { Db } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { customerStatusPath, staffTicketPath } from '../http/links.js';
import { type MailKind, renderEmail, type TicketMailData, type TicketMailKind } from '../mail/templates/index.js';
import { enqueueEmail } from '../repositories/outbox.js';
import { findUserById } from '../repositories/users.js';
import { ratingUrls } from './csat.js';

/** The customer's status page for a ticket. */
export function statusUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${customerStatusPath(token)}`;
}

/** A user's display name: from `known` (a routing run's agents) when there, else read. */
async function displayName(db: Db, userId: number | null, known: ReadonlyMap<number, string>): Promise<string | null> {
  if (userId === null) return null;
  return known.get(userId) ?? (await findUserById(db, userId))?.display_name ?? null;
}

/** Everything a template may mention about a ticket, given its agents' display names. */
export function mailDataOf(ticket: TicketRow, publicUrl: string, agentName: string | null, previousAgentName: string | null = null): TicketMailData {
  return {
    reference: referenceOf(ticket.id),
    customerName: ticket.customer_name,
    title: ticket.title,
    priority: ticket.priority,
    slaDueAt: ticket.sla_due_at,
    agentName,
    previousAgentName,
    statusUrl: statusUrl(publicUrl, ticket.token),
    followUpOf: ticket.follow_up_of === null ? null : referenceOf(ticket.follow_up_of),
    staffTicketUrl: `${publicUrl}${staffTicketPath(ticket.id)}`,
    ratingUrls: ratingUrls(publicUrl, ticket),
  };
}

/**
 * Everything a template may mention about a ticket, with agents' display names taken from
 * `knownNames` or looked up.
 */
export async function ticketMailData(
  db: Db,
  ticket: TicketRow,
  publicUrl: string,
  previousAgentId: number | null = null,
  knownNames: ReadonlyMap<number, string> = new Map(),
): Promise<TicketMailData> {
  return mailDataOf(ticket, publicUrl, await displayName(db, ticket.agent_id, knownNames), await displayName(db, previousAgentId, knownNames));
}

/** What a customer email says beyond the ticket itself. */
export interface MailAbout {
  /** Who held the ticket before (the reassigned email). */
  previousAgentId?: number | null;
  /** Display names already read (a routing run's agents). */
  knownNames?: ReadonlyMap<number, string>;
  /** Who closed it (the closed email). */
  closedById?: number | null;
  /** Why it changed agent (the reassigned email). */
  moveCause?: MoveCause;
}

/**
 * Enqueues the customer email of §5 for a ticket, in the caller's transaction. `ticket` must show
 * the state after the change (its new agent).
 */
export async function notifyCustomer(
  db: Db,
  kind: TicketMailKind & Exclude<MailKind, 'sla_breached'>,
  ticket: TicketRow,
  publicUrl: string,
  now: number,
  about: MailAbout = {},
): Promise<void> {
  const { previousAgentId = null, knownNames = new Map(), closedById = null, moveCause } = about;
  const data: TicketMailData = {
    ...(await ticketMailData(db, ticket, publicUrl, previousAgentId, knownNames)),
    closedBy: await displayName(db, closedById, knownNames),
    ...(moveCause ? { moveCause } : {}),
  };
  await enqueueEmail(db, { ticketId: ticket.id, kind, to: ticket.customer_email, content: renderEmail(kind, data), now });
}
