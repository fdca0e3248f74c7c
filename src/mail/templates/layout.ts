import { PAUSED_DUE_AT } from '../../core/slaClocks.js';
/** What every ticket email can say. Built by the service that enqueues the email. */
export interface TicketMailData {
  reference: string;
  customerName: string;
  title: string;
  priority: 'high' | 'medium' | 'low';
  slaDueAt: number;
  /** Display name of the agent now holding the ticket, if any. */
  agentName: string | null;
  /** Display name of the agent who held it before (reassignments). */
  previousAgentName: string | null;
  statusUrl: string;
  /** For a follow-up (§9): the reference of the closed ticket it follows. */
  followUpOf?: string | null;
  /** The staff ticket page, absolute; staff emails link to it (never put in a customer's email). */
  staffTicketUrl?: string;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * One line, no control characters: nothing customer-typed can start a new mail header. C0, DEL and
 * C1 (U+0085 NEL is a line break to some readers), and the Unicode line and paragraph separators.
 */
export function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/**
 * Text with its line breaks kept in HTML: escaped first, then each line break a `<br>` (which
 * every mail client honours, unlike CSS `white-space`).
 */
export function htmlLines(value: string): string {
  return escapeHtml(value.replace(/\r\n?/g, '\n')).replace(/\n/g, '<br>');
}

export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** `[HD-42] <what happened>: <title>` */
export function subjectFor(data: TicketMailData, what: string): string {
  return headerSafe(`[${data.reference}] ${what}: ${data.title}`);
}

/** A labelled link below an email's facts. */
export type MailLink = [label: string, url: string];

/**
 * Wraps an email's paragraphs (plain strings, escaped here) into the text and HTML bodies, with the
 * ticket's facts and its links (by default the customer's status link), so every template reads
 * the same.
 */
export function compose(data: TicketMailData, subject: string, paragraphs: string[], links: MailLink[] = [['Follow your request', data.statusUrl]]): EmailContent {
  const facts: [string, string][] = [
    ['Reference', data.reference],
    ['Title', data.title],
    ['Priority', data.priority],
    // A paused clock (§11) has no due instant until the customer answers.
    ['Answer due by', data.slaDueAt >= PAUSED_DUE_AT ? 'paused until you answer' : formatUtc(data.slaDueAt)],
    ['Agent', data.agentName ?? 'not assigned yet'],
  ];
  const text = [
    `Hello ${data.customerName},`,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    ...links.map(([label, url]) => `${label}: ${url}`),
    '',
    '— The support team',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1f24">
<p>Hello ${escapeHtml(data.customerName)},</p>
${paragraphs.map((p) => `<p>${htmlLines(p)}</p>`).join('\n')}
<table cellpadding="4" style="border-collapse:collapse">${facts
    .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>
${links.map(([label, url]) => `<p><a href="${escapeHtml(url)}">${escapeHtml(label)}</a></p>`).join('\n')}
<p>— The support team</p>
</body></html>`;
  return { subject, text, html };
}
