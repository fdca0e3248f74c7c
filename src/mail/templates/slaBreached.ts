import { compose, type EmailContent, formatUtc, headerSafe, type TicketMailData } from './layout.js';

/** To the agent holding the ticket (or the admins while it is pending) when its SLA is breached. */
export function slaBreached(data: TicketMailData): EmailContent {
  const subject = headerSafe(`[${data.reference}] SLA breached (${data.priority}): ${data.title}`);
  const holder = data.agentName ? `It is assigned to ${data.agentName}.` : 'It is still waiting in the queue: nobody has taken it.';
  const content = compose({ ...data, customerName: 'team' }, subject, [
    `The ${data.priority}-priority request "${data.title}" from ${data.customerName} passed its deadline of ${formatUtc(data.slaDueAt)}.`,
    holder,
  ]);
  return content;
}
