/**
 * The email channel's decisions (SPEC §10), pure: what a received mail becomes, given what was read
 * from it and what the database knows. The shell (src/services/inbound.ts) parses, asks the
 * database, and writes what `decideInbound` says.
 *
 * The seven rules, first match wins:
 * 1. `ignored`: our own mail coming back (its Message-ID is one we generated); also mail whose From
 *    is one of the help desk's own addresses (MAIL_FROM, MAIL_REPLY_TO), read after rule 2;
 * 2. `duplicate`: its Message-ID (or raw hash) was seen before;
 * 3. `ignored`: an automatic mail (RFC 3834 and the de-facto headers); shown, marked automatic, on
 *    the open ticket it answers, if any;
 * 4. `bounce`: a delivery status report or mail from MAILER-DAEMON / postmaster (read before rule 3:
 *    most mail systems mark their reports automatic, see decideInbound);
 * 5. `ignored`: an answer to an email the help desk sent to staff (an SLA alert, a password reset);
 *    then `appended` / `follow_up`: it answers a ticket of this sender;
 * 6. `created`: a new ticket;
 * 7. `rejected`: the sender's hourly cap on new tickets (unreadable mail is refused before any rule
 *    can be read: see `rejectedBeforeRules`; a mail too large to read goes through the rules with its
 *    header only: see `oversizeNote`).
 *
 * The rules' own readings live beside it, by feature: a mail's headers and the addresses it was
 * delivered to (core/mailHeaders.ts), rule 3's automatic mail (core/automaticMail.ts), rule 4's
 * delivery reports (isBounce, core/bounce.ts), mail a group handed on (core/mailGroups.ts), a mail
 * read from its header only (core/headerOnlyMail.ts) and a mail's files (core/mailFiles.ts).
 */
import { isCopied } from './mailCc.js';
import { senderCapReason } from './inboundCap.js';
import { parseMailbox, sameMailbox } from './mailboxes.js';
import { newTicketTitle, oneLine } from './mailSubject.js';
import { type NewTicketInput, parseId, type Priority } from './tickets.js';
import { cutUnits, trimInvisible } from './unicode.js';
import { referenceOf } from './tickets.js';

export type InboundResult = 'ignored' | 'duplicate' | 'bounce' | 'appended' | 'follow_up' | 'created' | 'rejected';

/** Every result, in rule order (the inbound log's filter). */
export const INBOUND_RESULTS: readonly InboundResult[] = ['ignored', 'duplicate', 'bounce', 'appended', 'follow_up', 'created', 'rejected'];

/** Longest thread text kept from one mail (§10: longer text is cut in the thread, whole in the original). */
export const MAIL_TEXT_MAX = 50_000;

const NAME_MAX = 100;

/** Rule 5's subject token: the ticket number of `[HD-<n>]`, or null (also for a number no ticket can have). */
export function subjectTicketId(subject: string): number | null {
  const match = /\[HD-(\d+)\]/i.exec(subject);
  return match ? parseId(match[1]!) : null;
}

/**
 * Rule 1 (after rule 2): which of the help desk's own addresses (MAIL_FROM, MAIL_REPLY_TO, as
 * `Name <address>` or bare) the sender is, in any letter case; null for anyone else.
 */
export function ownAddressOf(fromAddress: string, ownMailboxes: readonly string[]): string | null {
  const own = ownMailboxes.map((m) => parseMailbox(m)?.address ?? null).find((a) => a !== null && sameAddress(a, fromAddress));
  return own === undefined || own === null ? null : own.toLowerCase();
}

/**
 * Rule 5 (first): the kind of the first email among those a mail answers (our emails its
 * In-Reply-To/References name, checked against their rows) that went to staff rather than to a
 * ticket's customer; null when it answers none.
 */
export function answeredStaffEmail(answered: readonly { kind: string }[], customerKinds: readonly string[]): string | null {
  return answered.find((row) => !customerKinds.includes(row.kind))?.kind ?? null;
}

/** A ticket the mail names (by thread or subject), as rule 5 needs it. */
export interface NamedTicket {
  id: number;
  status: 'open' | 'closed';
  customerEmail: string;
  /** The people the customer copied (§10 Cc), lower-case. */
  copied: readonly string[];
}

/** Email addresses compare in any letter case (§10 rule 5), as accounts match them (core/mailboxes.ts). */
export const sameAddress: (a: string, b: string) => boolean = sameMailbox;

/**
 * Rule 5: the ticket this mail answers: the first named ticket (thread references first, then the
 * subject) whose customer is the sender, else the first open one that copies the sender (§10 Cc:
 * the customer's colleague answering our email). A ticket of someone else is never touched: a
 * stranger who quotes its Message-ID or types its token opens a ticket of their own, and so does a
 * copied person answering a closed ticket (a follow-up is the customer's to open).
 */
export function answeredTicket(named: readonly NamedTicket[], fromAddress: string): NamedTicket | null {
  return named.find((t) => sameAddress(t.customerEmail, fromAddress)) ?? named.find((t) => t.status === 'open' && isCopied(t.copied, fromAddress)) ?? null;
}

/** What the shell found out about a mail it could read. */
export interface InboundFacts {
  /** Rule 1: its Message-ID is one this help desk generated (checked against the outbox row). */
  ownMail: boolean;
  /** Rule 2: its key was recorded, and handled, before. */
  seenBefore: boolean;
  /** Rule 1 (after rule 2): the help desk's own address the mail claims to come from (ownAddressOf), or null. */
  ownAddress: string | null;
  /** Rule 5 (before a ticket is looked at): the kind of the email to staff it answers (answeredStaffEmail), or null. */
  staffEmail: string | null;
  /** Rule 3: why it is automatic, or null. */
  automatic: string | null;
  /** Rule 4. */
  bounce: boolean;
  /** Rule 5: the sender's ticket it answers (answeredTicket), or null. */
  answers: NamedTicket | null;
  /** Rule 5: it adds nothing: no text past its quoted history, no files. */
  addsNothing: boolean;
  /** Rule 7: tickets this sender created from mail within the last hour. */
  senderTicketsLastHour: number;
  /** Rule 7: INBOUND_TICKETS_PER_HOUR. */
  ticketsPerHour: number;
}

export type InboundDecision =
  | { result: 'ignored'; reason: string; showOn: number | null; ticketId?: number }
  | { result: 'duplicate'; reason: string }
  | { result: 'bounce'; reason: string }
  | { result: 'appended'; ticketId: number }
  | { result: 'follow_up'; ticketId: number }
  | { result: 'created' }
  | { result: 'rejected'; reason: string };

/** The first of the seven rules that matches (see the header). */
export function decideInbound(f: InboundFacts): InboundDecision {
  if (f.ownMail) return { result: 'ignored', reason: 'Our own mail came back (its Message-ID is one this help desk generated).', showOn: null };
  if (f.seenBefore) return { result: 'duplicate', reason: 'This mail was received before.' };
  // Mail claiming to come from the help desk itself (the support mailbox writing to itself, a
  // forged From) is never a customer: answering it would mail ourselves.
  if (f.ownAddress !== null) return { result: 'ignored', reason: `Sent from the help desk's own address ${f.ownAddress}: no ticket, no email.`, showOn: null };
  // A delivery report is automatic by nature: Postfix, Exim and Gmail mark theirs `Auto-Submitted:
  // auto-replied`. Read after rule 3 it would be `ignored` and never mark its email bounced.
  if (f.bounce) return { result: 'bounce', reason: 'Delivery status report.' };
  if (f.automatic !== null) {
    const showOn = f.answers?.status === 'open' ? f.answers.id : null;
    return { result: 'ignored', reason: `Automatic mail (${f.automatic}): no ticket, no email.${showOn === null ? '' : ' Shown on its ticket.'}`, showOn };
  }
  // Staff who press Reply on an SLA alert (or any email the help desk sent to staff) are not
  // customers: their answer would open a ticket with the agent as customer, routed and timed,
  // while the ticket it is about never hears of it. It is recorded, and the staff emails say that
  // replies are not read: the answer belongs on the ticket page.
  if (f.staffEmail !== null) {
    return { result: 'ignored', reason: `An answer to a ${f.staffEmail} email sent to staff: no ticket, no email. Staff answer on the ticket page, not by mail.`, showOn: null };
  }
  // An answer with no text and no files (an empty reply, a mail client's stray send) would be a
  // "(no text)" message making it the agent's turn again: it is recorded, and the ticket left as it is.
  // Decision: to a closed ticket too: a "(no text)" follow-up is a ticket with nothing to answer,
  // routed and timed all the same. An answer with files still opens its follow-up.
  if (f.answers && f.addsNothing) {
    return { result: 'ignored', reason: `No text and no files: nothing added to ${referenceOf(f.answers.id)}.`, showOn: null, ticketId: f.answers.id };
  }
  if (f.answers) return f.answers.status === 'open' ? { result: 'appended', ticketId: f.answers.id } : { result: 'follow_up', ticketId: f.answers.id };
  const overCap = senderCapReason(f.senderTicketsLastHour, f.ticketsPerHour);
  return overCap === null ? { result: 'created' } : { result: 'rejected', reason: overCap };
}

/**
 * Why a mail is refused before any rule is read, or null: without a sender address a ticket could
 * be answered at. (A mail over INBOUND_MAX_BYTES is not refused: see `oversizeNote`.)
 */
export function rejectedBeforeRules(fromAddress: string | null): string | null {
  return fromAddress === null ? 'Unreadable: no valid sender address in From.' : null;
}

/** A thread text from a mail's text: cut at MAIL_TEXT_MAX (with a note), `(no text)` when empty. */
export function threadText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
  if (clean === '') return '(no text)';
  if (clean.length <= MAIL_TEXT_MAX) return clean;
  const note = '\n\n[… cut here: the whole text is in the original mail]';
  return cutUnits(clean, MAIL_TEXT_MAX - note.length) + note;
}

/**
 * Rule 6's ticket: name from the From display name (else the address's local part), email the From
 * address, title the subject without reply prefixes and our keys (newTicketTitle), description the text.
 */
export function ticketFromMail(mail: { fromAddress: string; fromName: string; subject: string; text: string }, priority: Priority): NewTicketInput {
  // A display name that shows nothing (zero-width spaces) is none, as on the ticket form (trimInvisible).
  const name = trimInvisible(oneLine(mail.fromName).replace(/^["']+|["']+$/g, '')) || mail.fromAddress.split('@')[0]!;
  return {
    name: [...name].slice(0, NAME_MAX).join(''),
    email: mail.fromAddress.trim(),
    title: newTicketTitle(mail.subject),
    description: threadText(mail.text),
    priority,
  };
}

/** A mail of a chunk handled together, as `ingestWaves` needs it. */
export interface ChunkMail {
  messageId: string | null;
  /** Message-IDs its In-Reply-To and References name. */
  references: readonly string[];
}

/**
 * The order a chunk of mails (oldest first) may be handled in: waves, each handled at once (its new
 * tickets commit together), one wave after another. A mail answering another mail of the chunk
 * (the customer's second mail, sent as a reply to their first) comes in a wave after it, so it
 * finds the first one's ticket, as it would one at a time. Returns indexes, each wave in order.
 */
export function ingestWaves(mails: readonly ChunkMail[]): number[][] {
  const waveOf: number[] = [];
  const indexById = new Map<string, number>();
  mails.forEach((mail, i) => {
    const earlier = mail.references.flatMap((id) => {
      const j = indexById.get(id);
      return j === undefined ? [] : [waveOf[j]!];
    });
    waveOf.push(earlier.length === 0 ? 0 : Math.max(...earlier) + 1);
    if (mail.messageId !== null && !indexById.has(mail.messageId)) indexById.set(mail.messageId, i);
  });
  const waves: number[][] = [];
  waveOf.forEach((wave, i) => (waves[wave] ??= []).push(i));
  return waves;
}
