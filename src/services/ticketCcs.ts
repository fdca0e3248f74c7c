/**
 * The people a customer copies on their mail (§10 Cc), for the writes that take them: the intake
 * of a ticket opened by mail, and a customer's later mail on it. Called inside the transaction of
 * the ticket or message, so the copied people commit (or roll back) with it.
 */
import { type CcPerson, ccOfEmail, copiesPeople, newCopiedPeople } from '../core/mailCc.js';
import { isAutomaticKind, type MailKind } from '../mail/templates/index.js';
import type { Db } from '../db/connect.js';
import { copiedAddresses, deskAddressesAmong, insertTicketCcs } from '../repositories/ticketCcs.js';

/** A customer's mail as the copied people are read from it. */
export interface MailCcs {
  /** Its To then Cc. */
  recipients: readonly CcPerson[];
  /** Our own addresses besides staff and topics: MAIL_FROM, MAIL_REPLY_TO, the mailbox it was delivered to. */
  own: readonly string[];
}

/** Adds the mail's new copied people to the ticket (core/mailCc.ts newCopiedPeople), in `trx`. */
export async function addCopiedPeople(trx: Db, ticket: { id: number; customer_email: string }, mail: MailCcs, now: number): Promise<void> {
  if (mail.recipients.length === 0) return;
  const [existing, desk] = await Promise.all([copiedAddresses(trx, ticket.id), deskAddressesAmong(trx, mail.recipients.map((p) => p.address.trim()))]);
  const added = newCopiedPeople(mail.recipients, { customer: ticket.customer_email, own: mail.own, staff: desk, existing });
  await insertTicketCcs(trx, ticket.id, added, now);
}

/** The Cc of a customer email of `kind` on this ticket: its copied people when the kind copies them (core/mailCc.ts). */
export async function ccOfTicketEmail(db: Db, kind: MailKind, ticket: { id: number; customer_email: string }): Promise<string[]> {
  if (!copiesPeople(kind)) return [];
  return ccOfEmail(await copiedAddresses(db, ticket.id), ticket.customer_email, isAutomaticKind(kind));
}
