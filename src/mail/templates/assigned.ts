import { compose, type EmailContent, subjectFor, type TicketMailData } from './layout.js';

/** To the customer when a pending ticket gets an agent. */
export function assigned(data: TicketMailData): EmailContent {
  return compose(data, subjectFor(data, 'An agent is on it'), [
    `${data.agentName ?? 'An agent'} has taken your request "${data.title}".`,
  ]);
}
