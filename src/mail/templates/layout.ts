import type { MoveCause } from '../../core/routing.js';
import type { AlertAddressee } from '../../core/sla.js';
import { formatMailTime } from '../../core/mailTime.js';
import { LATE_TARGET } from '../../core/sla.js';
import { NO_DUE_TIME, PAUSED_DUE_AT } from '../../core/slaClocks.js';
import { withoutBidiOverrides } from '../../core/unicode.js';
/** What every ticket email can say. Built by the service that enqueues the email. */
export interface TicketMailData {
  reference: string;
  customerName: string;
  title: string;
  priority: 'high' | 'medium' | 'low';
  slaDueAt: number;
  /**
   * The resolution clock is paused (waiting on the customer). Its slaDueAt is then PAUSED_DUE_AT,
   * as is that of a clock its calendar cannot hold within ten years, which is not paused (false).
   * Absent: a PAUSED_DUE_AT reads as paused.
   */
  slaPaused?: boolean;
  /** The desk's time zone (core/mailTime.ts): every time the email gives is written in it. */
  timeZone: string;
  /** Display name of the agent now holding the ticket, if any. */
  agentName: string | null;
  /** Display name of the agent who held it before (reassignments). */
  previousAgentName: string | null;
  statusUrl: string;
  /** For a follow-up (§9): the reference of the closed ticket it follows. */
  followUpOf?: string | null;
  /** Why the ticket changed agent (the reassigned email); unknown: said without a reason. */
  moveCause?: MoveCause;
  /** Display name of who closed the ticket (the closed email). */
  closedBy?: string | null;
  /** The staff ticket page, absolute; staff emails link to it (never put in a customer's email). */
  staffTicketUrl?: string;
  /** Whom an SLA alert is written to (staff emails): the agent holding the ticket, or the team. */
  alertTo?: AlertAddressee;
  /** The two rating links (§13), absolute: the emails that tell the customer the ticket is closed ask with them. */
  ratingUrls?: { good: string; bad: string };
  /** When the email is written (epoch ms): a resolution target already past then is said to be late. Absent: never said. */
  writtenAt?: number;
}

/**
 * The question of the closed emails (§13), above its two links. A link only opens the confirm page
 * (mail scanners follow links, so opening one records nothing): the words say so, or a customer who
 * clicked and closed the tab believes they rated.
 */
export const RATING_QUESTION = 'How did we do? Choose Good or Bad below; the page that opens asks you to confirm, and lets you add a comment.';

/** The rating question's two labelled links, or none when the data has no rating links. */
export function ratingLinks(data: TicketMailData): MailLink[] {
  if (!data.ratingUrls) return [];
  return [
    ['Good', data.ratingUrls.good],
    ['Bad', data.ratingUrls.bad],
  ];
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
 * The style of every email's body, inline (Gmail and Outlook drop `<style>` blocks or parts of
 * them). Long unbroken URLs, tokens and words wrap at the screen's edge instead of making the
 * message scroll sideways on a phone: `overflow-wrap` (and its old name `word-wrap`, which Outlook's
 * and older WebKit readers know) breaks a word only where it would overflow, `word-break:break-word`
 * also lets table cells (the facts) shrink to the screen, as `overflow-wrap:anywhere` would where
 * readers know it.
 */
export const BODY_STYLE = 'font-family:system-ui,sans-serif;line-height:1.5;color:#1b1f24;overflow-wrap:break-word;word-wrap:break-word;word-break:break-word';

/**
 * One line, no control characters: nothing customer-typed can start a new mail header. C0, DEL and
 * C1 (U+0085 NEL is a line break to some readers), and the Unicode line and paragraph separators.
 * Nor overrides of direction (core/unicode.ts withoutBidiOverrides): a title cannot make the
 * subject, nor a file name its attachment, read reversed.
 */
export function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return withoutBidiOverrides(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** Where a tab reaches, as the pages (CSS `tab-size`) and plain-text readers put their stops. */
const TAB_STOP = 8;

/** A line with its tabs turned into the spaces up to the next tab stop. */
function withoutTabs(line: string): string {
  let column = 0;
  let out = '';
  for (const c of line) {
    const piece = c === '\t' ? ' '.repeat(TAB_STOP - (column % TAB_STOP)) : c;
    out += piece;
    column += piece === c ? 1 : piece.length;
  }
  return out;
}

/**
 * An escaped line with its spaces kept: HTML shows a run of spaces as one and none at a line's
 * start, so the indentation of code and the columns of a table the text part keeps were lost in
 * the HTML part. Leading spaces become non-breaking ones; inside the line, every space of a run but
 * its last does, so the line may still wrap there.
 */
function spacesKept(line: string): string {
  return line.replace(/^ +| {2,}/g, (run, at: number) => (at === 0 ? '&nbsp;'.repeat(run.length) : `${'&nbsp;'.repeat(run.length - 1)} `));
}

/**
 * Text as it reads in the text part, in HTML: escaped, each line break a `<br>` and the spaces of
 * indentation and columns kept with `&nbsp;` (tabs first made spaces up to the next stop of 8),
 * which every mail client honours, unlike CSS `white-space` (Outlook's renderer ignores it).
 */
export function htmlLines(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => spacesKept(escapeHtml(withoutTabs(line))))
    .join('<br>');
}

/** An instant as this email writes it: in the desk's zone, named (core/mailTime.ts). */
export function timeIn(data: { timeZone: string }, ms: number): string {
  return formatMailTime(ms, data.timeZone);
}

/** `[HD-42] <what happened>: <title>` */
export function subjectFor(data: TicketMailData, what: string): string {
  return headerSafe(`[${data.reference}] ${what}: ${data.title}`);
}

/** A labelled link below an email's facts. */
export type MailLink = [label: string, url: string];

/**
 * An SLA alert's sentence on who holds the ticket, in its reader's words: "you" to the agent holding
 * it, its name to the team.
 */
export function holderSentence(data: TicketMailData): string {
  if (!data.agentName) return 'It is still waiting in the queue: nobody has taken it.';
  return data.alertTo === 'holder' ? 'It is assigned to you.' : `It is assigned to ${data.agentName}.`;
}

/** Whom an email greets: the customer, the agent an SLA alert is written to, or the team. */
function greeted(data: TicketMailData, audience: 'customer' | 'staff'): string {
  if (audience === 'customer') return data.customerName;
  return data.alertTo === 'holder' && data.agentName ? data.agentName : 'team';
}

/** The last line of every email to staff: answers by mail are not read. */
export const STAFF_REPLY_NOTE = 'Replies to this email are not read: answer on the ticket page.';

/** Who reads an email: the customer (the default), or staff (SLA alerts: the agent holding the ticket, or the team). */
export interface ComposeOptions {
  links?: MailLink[];
  audience?: 'customer' | 'staff';
  /** The resolution target is over (the closed email): its fact is left out. */
  closed?: boolean;
}

/**
 * The resolution target as a fact row, in its reader's words (issue 23): the customer reads when we
 * aim to resolve it, staff when resolution is due. A paused clock (§11) has no due instant until
 * the customer answers.
 */
function targetFact(data: TicketMailData, audience: 'customer' | 'staff'): [string, string][] {
  const unknown = data.slaDueAt >= PAUSED_DUE_AT;
  const paused = unknown && data.slaPaused !== false;
  // No due instant within ten years of the calendar (README, Business hours): nothing to promise the customer.
  if (unknown && !paused) return audience === 'staff' ? [['Resolution due', NO_DUE_TIME]] : [];
  if (audience === 'staff') return [['Resolution due', paused ? 'paused: waiting on the customer' : timeIn(data, data.slaDueAt)]];
  if (paused) return [['We aim to resolve it by', 'paused until you answer']];
  // An agent taking a request late (it waited past the target): the time alone promised a moment gone by.
  const late = data.writtenAt !== undefined && data.slaDueAt < data.writtenAt;
  return [['We aim to resolve it by', `${timeIn(data, data.slaDueAt)}${late ? ` — ${LATE_TARGET}` : ''}`]];
}

/**
 * Wraps an email's paragraphs (plain strings, escaped here) into the text and HTML bodies, with the
 * ticket's facts and its links (by default the customer's status link), so every template reads
 * the same.
 */
export function compose(data: TicketMailData, subject: string, paragraphs: string[], options: ComposeOptions = {}): EmailContent {
  const { links = [['Follow your request', data.statusUrl]], audience = 'customer', closed = false } = options;
  const facts: [string, string][] = [
    ['Reference', data.reference],
    ['Title', data.title],
    ['Priority', data.priority],
    ...(closed ? [] : targetFact(data, audience)),
    // A request closed while it waited (an admin closing it) will never be assigned: no "yet" then.
    ...(data.agentName === null && closed ? [] : [['Agent', data.agentName ?? 'not assigned yet'] as [string, string]]),
  ];
  // Staff who press Reply on an alert reach the support mailbox, whose mail from staff notifications
  // is ignored (core/inbound.ts, rule 5): the email says where the answer belongs.
  const footer = audience === 'staff' ? [STAFF_REPLY_NOTE] : [];
  const text = [
    `Hello ${greeted(data, audience)},`,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    ...links.map(([label, url]) => `${label}: ${url}`),
    '',
    ...footer.flatMap((line) => [line, '']),
    '— The support team',
  ].join('\n');
  const html = `<!doctype html><html><body style="${BODY_STYLE}">
<p>Hello ${escapeHtml(greeted(data, audience))},</p>
${paragraphs.map((p) => `<p>${htmlLines(p)}</p>`).join('\n')}
<table cellpadding="4" style="border-collapse:collapse">${facts
    .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>
${links.map(([label, url]) => `<p><a href="${escapeHtml(url)}">${escapeHtml(label)}</a></p>`).join('\n')}
${footer.map((line) => `<p style="color:#57606a">${escapeHtml(line)}</p>\n`).join('')}<p>— The support team</p>
</body></html>`;
  return { subject, text, html };
}
