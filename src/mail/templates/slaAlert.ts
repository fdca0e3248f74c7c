import type { SlaMetric } from '../../core/slaClocks.js';
import { compose, type EmailContent, timeIn, headerSafe, holderSentence, type MailLink, type TicketMailData } from './layout.js';

/** A §11 alert: a target's warning (warn_at_percent of its time has passed) or its breach. */
export interface SlaAlert {
  metric: SlaMetric;
  kind: 'warning' | 'breach';
  /** The target's due instant. */
  dueAt: number;
}

/** The target in words: what is due. */
export const METRIC_WORDS: Record<SlaMetric, string> = {
  resolution: 'resolution',
  first_response: 'first response',
  next_reply: 'next reply',
};

/**
 * To the agent holding the ticket (or the admins while it is pending), like the §4 breach email:
 * a target's warning, or the breach of a first-response or next-reply target (the resolution
 * breach keeps its §4 email, slaBreached.ts).
 */
export function slaAlert(data: TicketMailData, alert: SlaAlert): EmailContent {
  const what = METRIC_WORDS[alert.metric];
  const subject = headerSafe(
    alert.kind === 'warning'
      ? `[${data.reference}] SLA warning (${data.priority}): ${what} due ${timeIn(data, alert.dueAt)}: ${data.title}`
      : `[${data.reference}] SLA breached (${data.priority}, ${what}): ${data.title}`,
  );
  const owed = alert.metric === 'resolution' ? 'to be resolved' : alert.metric === 'first_response' ? 'to get its first answer' : 'to get an answer to the customer’s latest message';
  const lead =
    alert.kind === 'warning'
      ? `The ${data.priority}-priority request "${data.title}" from ${data.customerName} is due ${owed} by ${timeIn(data, alert.dueAt)}.`
      : `The ${data.priority}-priority request "${data.title}" from ${data.customerName} passed its ${what} deadline of ${timeIn(data, alert.dueAt)}.`;
  const links: MailLink[] = [...(data.staffTicketUrl ? [['Open the ticket', data.staffTicketUrl] as MailLink] : []), ['The customer’s status page', data.statusUrl]];
  return compose(data, subject, [lead, holderSentence(data)], { links, audience: 'staff' });
}
