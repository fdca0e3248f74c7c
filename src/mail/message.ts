/**
 * Turns an outbox row into the email handed to the mail server: the stable Message-ID, and the
 * last checks that nothing in the row can add a header or a recipient.
 */
import { createHash } from 'node:crypto';
import { isEmailAddress } from '../core/tickets.js';
import type { OutboxRow } from '../db/schema.js';
import { headerSafe } from './templates/layout.js';
import type { OutgoingEmail } from './transport.js';

/** A row that can never be sent as it stands (retrying would not help). */
export class UndeliverableEmail extends Error {}

/** The domain of the From address (`Helpdesk <help@example.com>` → `example.com`), for Message-IDs. */
export function domainOf(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match?.[1]?.toLowerCase() ?? 'localhost';
}

/**
 * `<outbox-<id>.<hash>@<domain>>`: the same for every try of one row, so a receiver can drop a
 * duplicate if a send whose answer was lost is repeated; the hash of the row's fixed fields keeps
 * ids from two installations (both with an `outbox-1`) apart.
 */
export function messageIdFor(row: Pick<OutboxRow, 'id' | 'created_at' | 'to_address' | 'kind' | 'ticket_id'>, from: string): string {
  const hash = createHash('sha256')
    .update([row.id, row.created_at, row.to_address, row.kind, row.ticket_id ?? ''].join('\n'))
    .digest('hex')
    .slice(0, 16);
  return `<outbox-${row.id}.${hash}@${domainOf(from)}>`;
}

/**
 * The email for one outbox row. The subject is made one line even though templates already do it
 * (a row may have been written by other code, or by hand); a recipient that is not exactly one plain
 * address is refused, so a row can never reach a second mailbox.
 */
export function outgoingEmail(row: OutboxRow, from: string): OutgoingEmail {
  const to = row.to_address.trim();
  if (!isEmailAddress(to)) throw new UndeliverableEmail(`not a single valid recipient address: ${JSON.stringify(row.to_address.slice(0, 80))}`);
  return {
    from,
    to,
    subject: headerSafe(row.subject),
    text: row.text_body,
    html: row.html_body,
    messageId: messageIdFor(row, from),
  };
}
