import { CUSTOMER_SUBJECT_PHRASES } from '../../core/mailSubject.js';
import { compose, type EmailContent, subjectFor, type TicketMailData } from './layout.js';

/** To the customer when a pending ticket gets an agent. */
export function assigned(data: TicketMailData): EmailContent {
  return compose(data, subjectFor(data, CUSTOMER_SUBJECT_PHRASES.assigned), [
    `${data.agentName ?? 'An agent'} has taken your request "${data.title}".`,
  ]);
}
