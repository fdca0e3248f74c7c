import { compose, type EmailContent, formatUtc, headerSafe, type TicketMailData } from './layout.js';

/** One earlier public message, quoted below a reply. */
export interface QuotedMessage {
  authorName: string;
  createdAt: number;
  body: string;
}

/** What a `reply` email says beyond the ticket's facts. */
export interface ReplyMailData extends TicketMailData {
  /** The writer's display name. */
  writerName: string;
  body: string;
  /** Earlier public messages, newest first (at most three). */
  history: QuotedMessage[];
  /** Reply and close: the ticket is closed by this reply (one email, not two). */
  closed: boolean;
}

/** `Re: [HD-42] <title>` (§9). */
export function replySubject(data: Pick<TicketMailData, 'reference' | 'title'>): string {
  return headerSafe(`Re: [${data.reference}] ${data.title}`);
}

/** To the customer: a public reply by staff (§9), with quoted history. */
export function reply(data: ReplyMailData): EmailContent {
  const paragraphs = [`${data.writerName} wrote:`, data.body];
  if (data.closed) paragraphs.push('This request is now closed. If something is still not right, simply answer this email or write on the status page: we will pick it up as a follow-up.');
  if (data.history.length > 0) {
    paragraphs.push('— Earlier in this conversation —');
    for (const m of data.history) paragraphs.push(`On ${formatUtc(m.createdAt)}, ${m.authorName} wrote:\n${m.body.split('\n').map((line) => `> ${line}`).join('\n')}`);
  }
  return compose(data, replySubject(data), paragraphs);
}
