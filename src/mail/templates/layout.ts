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

export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** `[HD-42] <what happened>: <title>` */
export function subjectFor(data: TicketMailData, what: string): string {
  return headerSafe(`[${data.reference}] ${what}: ${data.title}`);
}

/**
 * Wraps an email's paragraphs (plain strings, escaped here) into the text and HTML bodies, with the
 * ticket's facts and the status link, so every template reads the same.
 */
export function compose(data: TicketMailData, subject: string, paragraphs: string[]): EmailContent {
  const facts: [string, string][] = [
    ['Reference', data.reference],
    ['Title', data.title],
    ['Priority', data.priority],
    ['Answer due by', formatUtc(data.slaDueAt)],
    ['Agent', data.agentName ?? 'not assigned yet'],
  ];
  const text = [
    `Hello ${data.customerName},`,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `Follow your request: ${data.statusUrl}`,
    '',
    '— The support team',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1f24">
<p>Hello ${escapeHtml(data.customerName)},</p>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<table cellpadding="4" style="border-collapse:collapse">${facts
    .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>
<p><a href="${escapeHtml(data.statusUrl)}">Follow your request</a></p>
<p>— The support team</p>
</body></html>`;
  return { subject, text, html };
}
