/**
 * The people a customer copies on their mail (§10 Cc), for the writes that take them: the intake
 * of a ticket opened by mail, and a customer's later mail on it. Called inside the transaction of
 * the ticket or message, so the copied people commit (or roll back) with it.
 */
import { invalidInput, forbidden, notFound } from '../core/errors.js';
import { type CcPerson, CC_CANDIDATES_MAX, ccOfEmail, copiedAddressField, copiesPeople, mayChangeCopied, newCopiedPeople } from '../core/mailCc.js';
import { referenceOf } from '../core/tickets.js';
import type { Writer } from '../core/conversation.js';
import { inTransaction } from '../db/transaction.js';
import { lockTicketForMessage } from '../repositories/tickets.js';
import { type Acting, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';
import { isAutomaticKind, type MailKind } from '../mail/templates/index.js';
import type { Db } from '../db/connect.js';
import { copiedAddresses, deleteTicketCc, deskAddressesAmong, insertTicketCcs } from '../repositories/ticketCcs.js';

/** A customer's mail as the copied people are read from it. */
export interface MailCcs {
  /** Its To then Cc. */
  recipients: readonly CcPerson[];
  /** Our own addresses besides staff and topics: MAIL_FROM, MAIL_REPLY_TO, the mailbox it was delivered to. */
  own: readonly string[];
}

/** Adds the mail's new copied people to the ticket (core/mailCc.ts newCopiedPeople), in `trx`. */
export async function addCopiedPeople(trx: Db, ticket: { id: number; customer_email: string }, mail: MailCcs, now: number): Promise<void> {
  // Most mail is to us alone: asked of the database only when someone else is left.
  const candidates = newCopiedPeople(mail.recipients, { customer: ticket.customer_email, own: mail.own, staff: [], existing: [], max: CC_CANDIDATES_MAX });
  if (candidates.length === 0) return;
  const [existing, desk] = await Promise.all([copiedAddresses(trx, ticket.id), deskAddressesAmong(trx, candidates.map((p) => p.address))]);
  const added = newCopiedPeople(candidates, { customer: ticket.customer_email, own: mail.own, staff: desk, existing });
  await insertTicketCcs(trx, ticket.id, added, now);
}

/** The Cc of a customer email of `kind` on this ticket: its copied people when the kind copies them (core/mailCc.ts). */
export async function ccOfTicketEmail(db: Db, kind: MailKind, ticket: { id: number; customer_email: string }): Promise<string[]> {
  if (!copiesPeople(kind)) return [];
  return ccOfEmail(await copiedAddresses(db, ticket.id), ticket.customer_email, isAutomaticKind(kind));
}

/**
 * Takes a copied person off a ticket (its agent or an admin): later emails no longer copy them,
 * and their mail no longer reaches the ticket. Audited with whoever did it, in the same
 * transaction. Someone not (or no longer) copied is `not_copied`, nothing changed (two staff
 * removing at once); an address that is none is a 400 naming `address`.
 */
export async function removeCopiedPerson(ctx: ServiceContext, writer: Writer, by: Acting, ticketId: number, rawAddress: unknown): Promise<{ address: string; result: 'removed' | 'not_copied' }> {
  const field = copiedAddressField(rawAddress);
  if ('problem' in field) throw invalidInput({ address: field.problem }, `address: ${field.problem}`);
  const { address } = field;
  return inTransaction(ctx.handle, async (trx) => {
    const ticket = await lockTicketForMessage(trx, ticketId);
    if (!ticket) throw notFound('Ticket');
    if (!mayChangeCopied(writer, { agentId: ticket.agent_id })) throw forbidden('Only the agent holding this ticket (or an admin) can change whom it copies.');
    if (!(await deleteTicketCc(trx, ticketId, address))) return { address, result: 'not_copied' as const };
    await auditBy(trx, by, ctx.clock.now(), 'ticket.cc_remove', `ticket:${referenceOf(ticketId)}`, { before: { cc: address } });
    return { address, result: 'removed' as const };
  });
}
