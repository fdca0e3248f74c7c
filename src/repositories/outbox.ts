import type { Db } from '../db/connect.js';
import type { OutboxRow } from '../db/schema.js';
import type { EmailContent, MailKind } from '../mail/templates/index.js';

export interface NewEmail {
  ticketId: number | null;
  kind: MailKind;
  to: string;
  content: EmailContent;
  now: number;
}

/** Adds an email to the outbox; callers pass the transaction of the change that causes it. */
export async function enqueueEmail(db: Db, email: NewEmail): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      ticket_id: email.ticketId,
      kind: email.kind,
      to_address: email.to,
      subject: email.content.subject,
      text_body: email.content.text,
      html_body: email.content.html,
      status: 'pending',
      attempts: 0,
      next_attempt_at: email.now,
      created_at: email.now,
    })
    .execute();
}

export async function emailsOfTicket(db: Db, ticketId: number): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
}
