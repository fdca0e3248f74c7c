import { compose, type EmailContent, timeIn, headerSafe, holderSentence, type MailLink, type TicketMailData } from './layout.js';

/**
 * To the agent holding the ticket (or the admins while it is pending) when its SLA is breached.
 * It leads to the staff ticket page, where the reply is written; the customer's status page
 * follows (every email carries it, §5).
 */
export function slaBreached(data: TicketMailData): EmailContent {
  const subject = headerSafe(`[${data.reference}] SLA breached (${data.priority}): ${data.title}`);
  const links: MailLink[] = [
    ...(data.staffTicketUrl ? [['Open the ticket', data.staffTicketUrl] as MailLink] : []),
    ['The customer’s status page', data.statusUrl],
  ];
  return compose(data, subject, [`The ${data.priority}-priority request "${data.title}" from ${data.customerName} passed its deadline of ${timeIn(data, data.slaDueAt)}.`, holderSentence(data)], {
    links,
    audience: 'staff',
  });
}
