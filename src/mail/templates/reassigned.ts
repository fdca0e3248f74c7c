import { CUSTOMER_SUBJECT_PHRASES } from '../../core/mailSubject.js';
import type { MoveCause } from '../../core/routing.js';
import { compose, type EmailContent, subjectFor, type TicketMailData } from './layout.js';

/**
 * The reassigned email's sentence, by why the ticket moved: balancing (R3) moves it to an agent with
 * nothing to do, so that it is answered sooner; its agent leaving (R5) says so; an admin's move (R6)
 * or an unknown cause gives no reason, as the help desk does not know the admin's.
 */
export function reassignedSentence(title: string, cause: MoveCause | undefined, from: string | null, to: string | null): string {
  const request = `Your request "${title}"`;
  const agent = to ?? 'another agent';
  if (cause === 'balance') return `${request} has moved${from ? ` from ${from}` : ''} to ${agent}, so that it is answered sooner.`;
  if (cause === 'leave') return `${request} has moved${from ? ` from ${from}, who is not available,` : ''} to ${agent}.`;
  return `${request} is now with ${agent}${from ? `, who takes over from ${from}` : ''}.`;
}

/** To the customer when the ticket moves from one agent to another. */
export function reassigned(data: TicketMailData): EmailContent {
  return compose(data, subjectFor(data, CUSTOMER_SUBJECT_PHRASES.reassigned), [reassignedSentence(data.title, data.moveCause, data.previousAgentName, data.agentName)]);
}
