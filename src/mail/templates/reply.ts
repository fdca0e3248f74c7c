/**
 * The `reply` email (§9): what a person on the team wrote, signed with their name, then the
 * request's facts and status link, then the earlier public messages as quoted history. Written by
 * a person, so unlike the other emails it reads as a letter, not a notice.
 */
import { sizeInWords } from '../../core/fileSize.js';
import { BODY_STYLE, type EmailContent, escapeHtml, timeIn, headerSafe, htmlLines, RATING_QUESTION, ratingLinks, type TicketMailData } from './layout.js';

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
  /** Earlier public messages, newest first (at most three): the service never passes a note. */
  history: QuotedMessage[];
  /** Reply and close: the ticket is closed by this reply (one email, not two). */
  closed: boolean;
  /** The reply's files the email has no room for (core/attachments.ts attachedToMail): linked, not attached. */
  linkedFiles?: LinkedFile[];
}

/** A file of the reply given as a link to it on the request's page. */
export interface LinkedFile {
  filename: string;
  size: number;
  /** Absolute: the status page's address of the file. */
  url: string;
}

/** The line above the files given as links, in both bodies. */
export const LINKED_FILES_HEADING = 'Too large to send by email, these files are on your request’s page:';

/** How many earlier messages are quoted, whatever the caller passes (§9: at most three). */
export const MAX_QUOTED = 3;

/** The line that opens the quoted history, in both bodies. */
export const HISTORY_HEADING = 'Earlier in this conversation (newest first)';

/** How a customer goes on after a close (§9: a message to a closed ticket opens a follow-up), in every email that closes. */
export const FOLLOW_UP_NOTE = 'If something is still not right, simply answer this email or write on the status page: we will pick it up as a follow-up.';

/** What a reply-and-close email says instead of a separate closed email (tests tell the two apart by it). */
export const CLOSED_NOTE = `This request is now closed. ${FOLLOW_UP_NOTE}`;

/** `Re: [HD-42] <title>` (§9). */
export function replySubject(data: Pick<TicketMailData, 'reference' | 'title'>): string {
  return headerSafe(`Re: [${data.reference}] ${data.title}`);
}

/** `> ` before every line, as mail readers quote. */
function quoted(body: string): string {
  return body
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

function attribution(data: ReplyMailData, m: QuotedMessage): string {
  return `On ${timeIn(data, m.createdAt)}, ${m.authorName} wrote:`;
}

/** To the customer: a public reply by staff (§9), with quoted history. */
export function reply(data: ReplyMailData): EmailContent {
  const history = data.history.slice(0, MAX_QUOTED);
  const closedNote = data.closed ? [CLOSED_NOTE] : [];
  // The reply that closes the ticket is its closed email (§9), so it asks for the rating too (§13).
  const rating = data.closed ? ratingLinks(data) : [];
  const linked = data.linkedFiles ?? [];
  const text = [
    data.body,
    '',
    `— ${data.writerName}`,
    '',
    ...(linked.length === 0 ? [] : [LINKED_FILES_HEADING, ...linked.map((f) => `- ${f.filename} (${sizeInWords(f.size)}): ${f.url}`), '']),
    ...closedNote.flatMap((p) => [p, '']),
    ...(rating.length === 0 ? [] : [RATING_QUESTION, ...rating.map(([label, url]) => `${label}: ${url}`), '']),
    `Reference: ${data.reference} (${data.title})`,
    `Follow your request: ${data.statusUrl}`,
    ...(history.length === 0
      ? []
      : ['', `---- ${HISTORY_HEADING} ----`, ...history.flatMap((m) => ['', attribution(data, m), quoted(m.body)])]),
  ].join('\n');

  const quote = 'margin:0 0 1em;padding:0 0 0 1em;border-left:3px solid #c8ccd0;color:#4a525a';
  const html = `<!doctype html><html><body style="${BODY_STYLE}">
<div class="reply">${htmlLines(data.body)}</div>
<p>— ${escapeHtml(data.writerName)}</p>
${linked.length === 0 ? '' : `<p>${escapeHtml(LINKED_FILES_HEADING)}</p>\n<ul>${linked.map((f) => `<li><a href="${escapeHtml(f.url)}">${escapeHtml(f.filename)}</a> (${sizeInWords(f.size)})</li>`).join('')}</ul>`}
${closedNote.map((p) => `<p><strong>${escapeHtml(p)}</strong></p>`).join('\n')}
${rating.length === 0 ? '' : `<p>${escapeHtml(RATING_QUESTION)}<br>${rating.map(([label, url]) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`).join(' · ')}</p>`}
<p>Reference: ${escapeHtml(data.reference)} (${escapeHtml(data.title)})<br><a href="${escapeHtml(data.statusUrl)}">Follow your request</a></p>
${
  history.length === 0
    ? ''
    : `<hr>
<div class="history">
<p><strong>${escapeHtml(HISTORY_HEADING)}</strong></p>
${history.map((m) => `<p>${escapeHtml(attribution(data, m))}</p>\n<blockquote type="cite" style="${quote}">${htmlLines(m.body)}</blockquote>`).join('\n')}
</div>`
}
</body></html>`;
  return { subject: replySubject(data), text, html };
}
