import { compose, type EmailContent, subjectFor, type TicketMailData } from './layout.js';

/** To the customer when the ticket moves from one agent to another. */
export function reassigned(data: TicketMailData): EmailContent {
  const from = data.previousAgentName ? ` from ${data.previousAgentName}` : '';
  return compose(data, subjectFor(data, 'Your request has a new agent'), [
    `Your request "${data.title}" has moved${from} to ${data.agentName ?? 'another agent'}, so that it is answered sooner.`,
  ]);
}
