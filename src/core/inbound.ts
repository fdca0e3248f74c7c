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
 */
import { MAX_FILE_BYTES, MAX_FILES, MAX_MESSAGE_BYTES, filenameProblem, mediaTypeOf, refusedTypeProblem, shortenedFilename, withoutUnsafeCharacters } from './attachments.js';
import { isCopied } from './mailCc.js';
import { MAX_NAMED_IDS } from './messageIds.js';
import { senderCapReason } from './inboundCap.js';
import { parseMailbox, sameMailbox } from './mailboxes.js';
import { newTicketTitle, oneLine, withoutComments } from './mailSubject.js';
import { isEmailAddress, type NewTicketInput, parseId, type Priority } from './tickets.js';
import { cutUnits, trimInvisible } from './unicode.js';
import { referenceOf } from './tickets.js';

export type InboundResult = 'ignored' | 'duplicate' | 'bounce' | 'appended' | 'follow_up' | 'created' | 'rejected';

/** Every result, in rule order (the inbound log's filter). */
export const INBOUND_RESULTS: readonly InboundResult[] = ['ignored', 'duplicate', 'bounce', 'appended', 'follow_up', 'created', 'rejected'];

/** Longest thread text kept from one mail (§10: longer text is cut in the thread, whole in the original). */
export const MAIL_TEXT_MAX = 50_000;

const NAME_MAX = 100;

/** The headers the rules read, by lower-case name (every value of a repeated header). */
export type MailHeaders = ReadonlyMap<string, readonly string[]>;

/** A header's first value on one line, without control characters (reasons quote it; PostgreSQL text holds no NUL). */
function first(headers: MailHeaders, name: string): string | null {
  const value = headers.get(name)?.[0];
  return value === undefined ? null : oneLine(value);
}

/** A header's keyword as the rules compare it: lower-case, without comments (RFC 5322 CFWS: `no (written by hand)`). */
function keyword(value: string): string {
  return withoutComments(value).trim().toLowerCase();
}

/**
 * The address of the mail group or list a mail was handed on by, lower-case, or null: List-Post's
 * `<mailto:…>` (RFC 2369: Mailman, Google Groups), else Google Groups' `Mailing-list: list …;`.
 */
export function listAddressOf(headers: MailHeaders): string | null {
  const post = /<mailto:([^<>?\s]+@[^<>?\s]+)[^<>]*>/i.exec(first(headers, 'list-post') ?? '')?.[1];
  const group = /^list\s+([^\s;]+@[^\s;]+)/i.exec(first(headers, 'mailing-list') ?? '')?.[1];
  const address = post ?? group;
  return address === undefined ? null : address.toLowerCase();
}

/** A mailbox as a mail names it. */
export interface NamedMailbox {
  address: string;
  name: string;
}

/**
 * The author of a mail the help desk's own group handed on with its From rewritten to an address of
 * ours (DMARC: Google Groups and Mailman write "'Carla' via Support <support@…>" for an author whose
 * domain forbids others to send as it, and name the author in Reply-To; Google Groups also in
 * X-Original-Sender): the first Reply-To mailbox that is not ours, else X-Original-Sender. Null when
 * From is not ours (an ordinary mail) or no author is named (the mail stays our own address's).
 */
export function groupAuthorOf(from: NamedMailbox, replyTo: readonly NamedMailbox[], headers: MailHeaders, ours: (address: string) => boolean): NamedMailbox | null {
  if (!ours(from.address)) return null;
  const replied = replyTo.find((m) => !ours(m.address));
  if (replied) return replied;
  const original = /^<?([^<>\s]+)>?$/.exec(first(headers, 'x-original-sender') ?? '')?.[1] ?? '';
  return isEmailAddress(original) && !ours(original) ? { address: original, name: '' } : null;
}

/**
 * Rule 3: why this mail is automatic (an auto-reply, a list, a vacation notice), or null when a
 * person wrote it. `Auto-Submitted` other than `no` (RFC 3834); `Precedence` bulk, junk, list or
 * auto_reply; `X-Autoreply` / `X-Autorespond` present; `X-Auto-Response-Suppress` All or AutoReply;
 * a null `Return-Path: <>`. `ourList`: the mail was handed on by a group of the help desk's own
 * (listAddressOf is one of our addresses), whose `Precedence: list` is not the sender's.
 */
export function automaticReason(headers: MailHeaders, ourList = false): string | null {
  const submitted = first(headers, 'auto-submitted');
  if (submitted !== null && keyword(submitted.split(';')[0]!) !== 'no') return `Auto-Submitted: ${submitted.slice(0, 60)}`;
  const precedenceValue = first(headers, 'precedence');
  const precedence = precedenceValue === null ? null : keyword(precedenceValue);
  // Decision: a support address that is itself a group (a Google Workspace group, a Mailman list
  // handing mail on to the mailbox read here) marks every customer's mail `Precedence: list`, so
  // every request was ignored. That group is ours: its mark says nothing of the sender. Every other
  // sign (Auto-Submitted, X-Autoreply, Precedence bulk or junk…) still counts, and anyone else's list is still a list.
  const listMark = precedence === 'list' && ourList;
  if (precedence !== null && !listMark && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  for (const name of ['x-autoreply', 'x-autorespond']) {
    const value = first(headers, name);
    if (value !== null) return `${name === 'x-autoreply' ? 'X-Autoreply' : 'X-Autorespond'}: ${value.slice(0, 60)}`;
  }
  const suppress = first(headers, 'x-auto-response-suppress');
  if (suppress !== null) {
    const words = suppress.split(/[\s,]+/).map((w) => w.toLowerCase());
    if (words.includes('all') || words.includes('autoreply')) return `X-Auto-Response-Suppress: ${suppress.slice(0, 60)}`;
  }
  // A null return path (`<>`, which the receiving server writes from the envelope) is how mail
  // systems send their own notices, so that nothing answers them (RFC 3834, RFC 5321 4.5.5): the
  // vacation programs that write none of the headers above, read receipts. A person's mail always
  // has a sender to return it to. Answering one with our `created` email is what RFC 3834 forbids.
  const returnPath = first(headers, 'return-path');
  if (returnPath !== null && /^<\s*>$/.test(returnPath)) return 'Return-Path: <> (a null sender)';
  return null;
}

/** Rule 4: a delivery status report, or mail from a mail system's own mailbox. */
export function isBounce(contentType: string, fromAddress: string | null): boolean {
  const type = contentType.toLowerCase();
  if (/^\s*multipart\/report\b/.test(type) && /report-type\s*=\s*"?delivery-status"?/.test(type)) return true;
  const local = (fromAddress ?? '').split('@')[0]!.toLowerCase();
  return local === 'mailer-daemon' || local === 'postmaster';
}

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

/** A size as people read it: megabytes with one decimal (`17.2 MB`, `25 MB`), kilobytes below one. */
function megabytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024).toLocaleString('en')} kB`;
  return `${Number((bytes / (1024 * 1024)).toFixed(1)).toLocaleString('en')} MB`;
}

/**
 * A mail over INBOUND_MAX_BYTES is read from its header only (its body is never parsed: the limit
 * protects the process), and the rules still apply to it: it opens or answers its ticket like any
 * mail, with this text in place of its own, so the customer is answered as usual and staff see
 * what happened and can ask for a smaller mail. (Refusing it lost the request without a word to
 * anyone: a phone video or a scanned PDF is an ordinary mail.)
 */
export function oversizeNote(size: number, maxBytes: number): string {
  return `[This mail was ${megabytes(size)}, over the help desk's limit of ${megabytes(maxBytes)}, so its text and files were not read. Please send the text again, with smaller files or links to them.]`;
}

/** The inbound log's reason for a mail read from its header only (after the rule's own reason, if any). */
export function oversizeReason(size: number, maxBytes: number): string {
  return `Larger than ${maxBytes.toLocaleString('en')} bytes (INBOUND_MAX_BYTES): ${size.toLocaleString('en')} bytes; read from its header only, its text and files were not read.`;
}

/**
 * The text of a mail the parser could read only the header of (more MIME parts or a larger header
 * than it reads): like a mail over INBOUND_MAX_BYTES, it goes through the rules from its header,
 * with this in place of its text; the original keeps everything.
 */
export const UNREAD_BODY_NOTE =
  '[This mail could not be read past its header, so its text and files were not read. Please send the text again, with fewer files or links to them.]';

/** The inbound log's reason for such a mail (after the rule's own reason, if any): the parser's own words. */
export function unreadBodyReason(why: string): string {
  return `Its body could not be read (${oneLine(why).slice(0, 200)}): read from its header only, its text and files were not read.`;
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

/** A file found in a mail (an attachment or an inline image). */
export interface MailFile {
  filename: string;
  contentType: string;
  size: number;
  /** An image the HTML shows inline (a signature's logo and icons), rather than a file attached. */
  inline?: boolean;
}

/** Which of a mail's files are kept on its message, and which are left in the original (why). */
export interface KeptFiles {
  /** Indexes into the mail's files, in order. */
  kept: number[];
  /** Files left out (they stay in the original mail), each with its reason. */
  left: { filename: string; why: string }[];
}

/**
 * The extension a file of this media type is saved with, for a file a mail sends without a name
 * ('' for a type not listed: no guess). Files are served as downloads, so without it a staff
 * member's computer cannot tell a PDF from a photo. No extension of a type never kept (HTML, SVG).
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/pjpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/heic': '.heic',
  'image/tiff': '.tif',
  'image/bmp': '.bmp',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'text/calendar': '.ics',
  'message/rfc822': '.eml',
  'application/zip': '.zip',
  'application/json': '.json',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
  'audio/mpeg': '.mp3',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
};

/**
 * A file name from a mail made acceptable: its last part when it names folders (RFC 2183 2.3: a
 * name is only ever its terminal component; `C:\\Users\\carla\\invoice.pdf` is `invoice.pdf`), no
 * control characters; for a file sent
 * without a name (a scanner, a phone's photo, a forwarded mail), `attachment-<n>` with the
 * extension of its type (`attachment-2.pdf`, `attachment-3.eml`).
 */
export function mailFilename(raw: string | null | undefined, index: number, contentType = ''): string {
  const name = withoutUnsafeCharacters((raw ?? '').split(/[/\\]/).at(-1)!).trim();
  const unnamed = `attachment-${index + 1}${EXTENSIONS[mediaTypeOf(contentType)] ?? ''}`;
  const usable = name === '' || name === '.' || name === '..' ? unnamed : name;
  return shortenedFilename(usable);
}

/**
 * §10.1 for mail: a mail is never refused for its files; what a message may not carry (an HTML or
 * SVG file, more than 10 files, a file over 10 MB, more than 25 MB together) is left out and named
 * in the message, and stays in the original mail. The files attached come first, inline images
 * after them: a signature's logo and icons (which come first in the mail) must not take the room
 * of the invoice the customer attached.
 */
export function keptMailFiles(files: readonly MailFile[]): KeptFiles {
  const kept: number[] = [];
  const left: KeptFiles['left'] = [];
  let total = 0;
  const order = [...files.keys()].sort((a, b) => Number(files[a]!.inline === true) - Number(files[b]!.inline === true));
  order.forEach((i) => {
    const file = files[i]!;
    const problem = filenameProblem(file.filename) ?? refusedTypeProblem(file.filename, file.contentType);
    if (problem) return left.push({ filename: file.filename, why: 'not a kind of file the help desk serves' });
    if (file.size > MAX_FILE_BYTES) return left.push({ filename: file.filename, why: 'larger than 10 MB' });
    if (kept.length >= MAX_FILES) return left.push({ filename: file.filename, why: `more than ${MAX_FILES} files` });
    if (total + file.size > MAX_MESSAGE_BYTES) return left.push({ filename: file.filename, why: 'more than 25 MB together' });
    total += file.size;
    kept.push(i);
  });
  return { kept: kept.sort((a, b) => a - b), left };
}

/** The line added to a message naming the files left in the original. */
export function leftFilesNote(left: KeptFiles['left']): string {
  if (left.length === 0) return '';
  return `\n\n[Not attached here, see the original mail: ${left.map((f) => `${oneLine(f.filename)} (${f.why})`).join('; ')}]`;
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

/**
 * The addresses a mail was delivered to (§12: inbound addresses map to topics): Delivered-To first
 * (the mailbox that actually received it), then To; lower-cased, without repeats; the first
 * MAX_NAMED_IDS of them (each is looked up: a To of tens of thousands failed the query).
 */
export function recipientAddresses(headers: MailHeaders): string[] {
  return addressesIn(headers, ['delivered-to', 'to']).slice(0, MAX_NAMED_IDS);
}

/** The mailboxes a mail was delivered to (Delivered-To): ours, so never one of its copied people (§10 Cc). */
export function deliveredTo(headers: MailHeaders): string[] {
  return addressesIn(headers, ['delivered-to']);
}

/** The addresses in these headers, in order, lower-cased, without repeats. */
function addressesIn(headers: MailHeaders, names: readonly string[]): string[] {
  const values = names.flatMap((name) => headers.get(name) ?? []);
  const found = values.flatMap((v) => v.match(/[^\s<>,;"()]+@[^\s<>,;"()]+/g) ?? []).map((a) => a.toLowerCase());
  return [...new Set(found)];
}
