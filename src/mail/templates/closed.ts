import { compose, type EmailContent, RATING_QUESTION, ratingLinks, subjectFor, type TicketMailData } from './layout.js';

/**
 * To the customer when the ticket is closed: named after who closed it (`closedBy`: an admin
 * closing someone else's ticket is not its agent), or "our team". Asks for a rating (§13) with two
 * links when the data has them.
 */
export function closed(data: TicketMailData): EmailContent {
  return compose(
    data,
    subjectFor(data, 'Your request is closed'),
    [
      `${data.closedBy ?? 'Our team'} has closed your request "${data.title}".`,
      'If something is still not right, simply submit a new request and quote this reference.',
      ...(data.ratingUrls ? [RATING_QUESTION] : []),
    ],
    { closed: true, links: [...ratingLinks(data), ['Follow your request', data.statusUrl]] },
  );
}
