import { CUSTOMER_SUBJECT_PHRASES } from '../../core/mailSubject.js';
import { compose, type EmailContent, RATING_QUESTION, ratingLinks, subjectFor, type TicketMailData } from './layout.js';
import { FOLLOW_UP_NOTE } from './reply.js';

/**
 * To the customer when the ticket is closed: named after who closed it (`closedBy`: an admin
 * closing someone else's ticket is not its agent), or "our team". Asks for a rating (§13) with two
 * links when the data has them.
 */
export function closed(data: TicketMailData): EmailContent {
  return compose(
    data,
    subjectFor(data, CUSTOMER_SUBJECT_PHRASES.closed),
    [
      `${data.closedBy ?? 'Our team'} has closed your request "${data.title}".`,
      // Not "submit a new request": that would be a ticket linked to nothing; a message to this one
      // opens a follow-up that names it (§9).
      FOLLOW_UP_NOTE,
      ...(data.ratingUrls ? [RATING_QUESTION] : []),
    ],
    { closed: true, links: [...ratingLinks(data), ['Follow your request', data.statusUrl]] },
  );
}
