/** The mail a message of a thread came from (§10: staff can open the original). */
import type { Db } from '../db/connect.js';
import type { InboundMailRow, MessageRow } from '../db/schema.js';

/** A message of a ticket with the logged mail it came from. */
export interface MessageWithMail {
  message: MessageRow;
  mail: InboundMailRow;
}

/**
 * Message `messageId` of ticket `ticketId` and its mail from the inbound log (by the message's
 * mail_key, unique on both sides), or undefined when the ticket has no such message or it did not
 * come by mail. One statement: the message by its primary key, the mail by its unique key.
 */
export async function messageWithMail(db: Db, ticketId: number, messageId: number): Promise<MessageWithMail | undefined> {
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('inbound_mails as i', 'i.mail_key', 'm.mail_key')
    .selectAll('m')
    .select(['i.id as mail_id', 'i.source', 'i.from_address', 'i.from_name', 'i.subject', 'i.result', 'i.reason', 'i.ticket_id as mail_ticket_id', 'i.size', 'i.raw', 'i.received_at', 'i.handled_at'])
    .where('m.id', '=', messageId)
    .where('m.ticket_id', '=', ticketId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { mail_id, source, from_address, from_name, subject, result, reason, mail_ticket_id, size, raw, received_at, handled_at, ...message } = row;
  return {
    message,
    mail: { id: mail_id, mail_key: message.mail_key!, source, from_address, from_name, subject, result, reason, ticket_id: mail_ticket_id, size, raw, received_at, handled_at },
  };
}
