import { CUSTOMER_SUBJECT_PHRASES } from '../../core/mailSubject.js';
import { compose, type EmailContent, subjectFor, type TicketMailData } from './layout.js';

/** To the customer at creation; names the agent when R1 assigned one at once. */
export function created(data: TicketMailData): EmailContent {
  const who = data.agentName
    ? `${data.agentName} is already looking after it.`
    : 'It is waiting for the next free agent; we will write again as soon as someone takes it.';
  const follows = data.followUpOf ? [`It follows up on your earlier request ${data.followUpOf}, which was closed.`] : [];
  return compose(data, subjectFor(data, CUSTOMER_SUBJECT_PHRASES.created), [`We received your request "${data.title}".`, ...follows, who]);
}
