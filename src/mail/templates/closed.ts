import { compose, type EmailContent, subjectFor, type TicketMailData } from './layout.js';

/**
 * To the customer when the ticket is closed: named after who closed it (`closedBy`: an admin
 * closing someone else's ticket is not its agent), or "our team".
 */
export function closed(data: TicketMailData): EmailContent {
  return compose(
    data,
    subjectFor(data, 'Your request is closed'),
    [`${data.closedBy ?? 'Our team'} has closed your request "${data.title}".`, 'If something is still not right, simply submit a new request and quote this reference.'],
    { closed: true },
  );
}
