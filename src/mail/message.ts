/**
 * Turns an outbox row into the email handed to the mail server: the stable Message-ID naming its
 * ticket, the thread headers that make a ticket one conversation (SPEC §5), Reply-To, whether it
 * is automatic, its attachments, and the last checks that nothing in the row can add a header or a
 * recipient.
 */
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { storedContentType } from '../core/attachments.js';
import { ccOfEmail, ccOfRow } from '../core/mailCc.js';
import { isUnattendedMailbox } from '../core/mailboxes.js';
import { isEmailAddress } from '../core/tickets.js';
import { messageIdOfKey } from '../core/messageIds.js';
import type { OutboxRow } from '../db/schema.js';
import { CUSTOMER_MAIL_KINDS, isAutomaticKind } from './templates/index.js';
import { headerSafe } from './templates/layout.js';
import type { OutgoingAttachment, OutgoingEmail } from './transport.js';

/** A row that can never be sent as it stands (retrying would not help). */
export class UndeliverableEmail extends Error {}

/**
 * A row not sent on purpose: an automatic email to a mailbox nobody reads (SPEC §5). Nothing went
 * wrong, so it is `skipped`, not `failed`: no admin has to act on it and no retry sends it.
 */
export class SkippedEmail extends Error {}

/**
 * The domain of the From address (`Helpdesk <help@example.com>` → `example.com`), for Message-IDs,
 * lower-case; a domain in another script in its ASCII form (IDNA: `bücher.example` →
 * `xn--bcher-kva.example`), which a Message-ID can carry: it was `localhost`, breaking the promise
 * that ids are in the MAIL_FROM domain (and marked by spam filters as not a real domain).
 */
export function domainOf(from: string): string {
  const match = /@([^@<>\s]+)>?\s*$/u.exec(from.trim());
  const domain = match ? domainToASCII(match[1]!) : '';
  return /^[a-z0-9.-]+$/.test(domain) ? domain : 'localhost';
}

/** The fields of an outbox row its Message-ID is made of (all fixed when the row is written). */
export type MessageIdSource = Pick<OutboxRow, 'id' | 'created_at' | 'to_address' | 'kind' | 'ticket_id'>;

/**
 * `<hd-<ticket>.outbox-<id>.<hash>@<domain>>` (`<outbox-<id>.<hash>@<domain>>` for an email of no
 * ticket). The same for every try of one row, so a receiver can drop a duplicate if a send whose
 * answer was lost is repeated, and so later emails can name it in their References; the hash of
 * the row's fixed fields keeps ids from two installations (both with an `outbox-1`) apart. Naming
 * the ticket lets an answer that quotes it be matched to its ticket (§10).
 */
export function messageIdFor(row: MessageIdSource, from: string): string {
  const hash = createHash('sha256')
    .update([row.id, row.created_at, row.to_address, row.kind, row.ticket_id ?? ''].join('\n'))
    .digest('hex')
    .slice(0, 16);
  const ticket = row.ticket_id === null ? '' : `hd-${row.ticket_id}.`;
  return `<${ticket}outbox-${row.id}.${hash}@${domainOf(from)}>`;
}

/** What a Message-ID made by messageIdFor names. */
export interface OwnMessageId {
  ticketId: number | null;
  outboxId: number;
  hash: string;
}

/**
 * Reads a Message-ID of ours back (with or without angle brackets, any letter case): null when it
 * is not in our form or not in MAIL_FROM's domain. It proves nothing by itself (anyone can write
 * one): the caller compares it with `messageIdFor` of the outbox row it names.
 */
export function parseOwnMessageId(messageId: string, from: string): OwnMessageId | null {
  const match = /^<?(?:hd-(\d{1,15})\.)?outbox-(\d{1,15})\.([0-9a-f]{16})@([^<>@\s]+)>?$/i.exec(messageId.trim());
  if (!match || match[4]!.toLowerCase() !== domainOf(from)) return null;
  return { ticketId: match[1] === undefined ? null : Number(match[1]), outboxId: Number(match[2]), hash: match[3]!.toLowerCase() };
}

/** A mail of the customer on the ticket, as threading names it: its key and when it arrived. */
export interface CustomerMail {
  /** messages.mail_key: the mail's Message-ID `<…>`, or `sha256:<hex>` for a mail without one. */
  key: string;
  /** messages.created_at. */
  at: number;
}

/**
 * Where an email stands in its ticket's conversation, read when it is sent (and the same for every
 * try of its row: everything in it came before the row was written).
 */
export interface ThreadBefore {
  /**
   * Our emails before this one: the ticket's first customer email (the thread's root, normally
   * `created`) and the customer email just before it, by outbox id (the same row when only one
   * came before). Null for the ticket's first email.
   */
  ours: { root: MessageIdSource; previous: MessageIdSource } | null;
  /** The mail_key of the ticket's first message: the customer's mail that opened it, or null (web form, API). */
  openingMail: string | null;
  /** The customer's latest mail on the ticket written no later than this email (auto-replies aside), or null. */
  latestMail: CustomerMail | null;
}

// A Message-ID a header can carry as it is: printable ASCII without spaces, in angle brackets.
const HEADER_MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]{1,990}>$/;

/**
 * The Message-ID a message's mail_key names, or null: a key `sha256:…` (a mail that had none) or
 * one a header could not carry as it is names nothing we can answer.
 */
export function customerMessageId(mailKey: string | null): string | null {
  // A key with its sender (core/messageIds.ts senderMailKey) names the Message-ID it starts with.
  const id = mailKey === null ? null : messageIdOfKey(mailKey);
  return id !== null && HEADER_MESSAGE_ID.test(id) ? id : null;
}

/**
 * `In-Reply-To` the message this email answers, `References` the conversation's roots then the last
 * two messages before it, so the customer's mail client shows the ticket as one conversation and,
 * when the ticket came from a mail, in that mail's own thread:
 * - our first email of a ticket opened by mail answers that mail (In-Reply-To and References name it);
 * - later emails answer the newer of our previous email and the customer's latest mail (a mail and
 *   an email of the same millisecond: the email is taken as the answer, as `created` is to the mail
 *   that opened the ticket);
 * - References: the customer's opening mail, our root, then the older and the newer of those two,
 *   without repeats, the answered one last: at most four ids however long the ticket runs (RFC 5322
 *   lets References be shortened as long as the first id stays).
 * A ticket that came no other way than by form or API, and got no mail, is threaded as before:
 * In-Reply-To our previous email, References our root and our previous.
 * By outbox id and arrival time, not by send order, so a row retried after later ones still gets
 * the same headers.
 */
export function threadHeaders(thread: ThreadBefore | null, from: string): Pick<OutgoingEmail, 'inReplyTo' | 'references'> {
  if (!thread) return {};
  const opening = customerMessageId(thread.openingMail);
  const latestId = customerMessageId(thread.latestMail?.key ?? null);
  // Only the opening mail known: it came before all our emails.
  const latest = latestId !== null ? { id: latestId, at: thread.latestMail!.at } : opening !== null ? { id: opening, at: -Infinity } : null;
  const ours = thread.ours;
  const previous = ours && { id: messageIdFor(ours.previous, from), at: ours.previous.created_at };
  const lastTwo = [latest, previous]
    .filter((m): m is { id: string; at: number } => m !== null)
    .sort((a, b) => (a.at === b.at ? (a === previous ? 1 : -1) : a.at - b.at))
    .map((m) => m.id);
  if (lastTwo.length === 0) return {};
  // The answered message goes last (a client reads the parent there), once.
  const parent = lastTwo[lastTwo.length - 1]!;
  const before = [opening, ours && messageIdFor(ours.root, from), ...lastTwo].filter((id): id is string => id !== null && id !== parent);
  return { inReplyTo: parent, references: [...new Set(before), parent] };
}

/** Whether emails of this row take part in the ticket's conversation (customer emails of a ticket). */
export function isThreaded(row: Pick<OutboxRow, 'kind' | 'ticket_id'>): boolean {
  return row.ticket_id !== null && (CUSTOMER_MAIL_KINDS as readonly string[]).includes(row.kind);
}

/** An attachment as stored by whoever uploaded it, made safe for a MIME header. */
function safeAttachment(file: OutgoingAttachment): OutgoingAttachment {
  return {
    filename: headerSafe(file.filename) || 'attachment',
    contentType: storedContentType(file.contentType),
    content: file.content,
  };
}

/** What the worker knows besides the row. */
export interface EmailSetting {
  /** MAIL_FROM; its domain ends each Message-ID. */
  from: string;
  /** MAIL_REPLY_TO (default MAIL_FROM): where the customer's answer goes. */
  replyTo: string;
  /** The ticket's emails before this one (see ThreadBefore); ignored for staff emails. */
  thread?: ThreadBefore | null;
  /** The files of the message a `reply` carries. */
  attachments?: readonly OutgoingAttachment[];
}

/**
 * The email for one outbox row. The subject is made one line even though templates already do it
 * (a row may have been written by other code, or by hand); a recipient that is not exactly one plain
 * address is refused, so a row can never reach a second mailbox; an automatic email to a mailbox
 * nobody reads (mailer-daemon, postmaster, no-reply…) is not sent (SkippedEmail), so it is marked
 * skipped with the reason instead of feeding a bounce loop (SPEC §5).
 */
export function outgoingEmail(row: OutboxRow, setting: EmailSetting): OutgoingEmail {
  const to = row.to_address.trim();
  if (!isEmailAddress(to)) throw new UndeliverableEmail(`not a single valid recipient address: ${JSON.stringify(row.to_address.slice(0, 80))}`);
  const automatic = isAutomaticKind(row.kind);
  if (automatic && isUnattendedMailbox(to)) {
    throw new SkippedEmail(`not sent: ${to} is a mailbox nobody reads (mailer-daemon, postmaster, no-reply and the like); automatic emails never go there`);
  }
  // The row's Cc checked again (a row written by hand or by older code): only plain addresses, never the To.
  const cc = ccOfEmail(ccOfRow(row), to, automatic);
  return {
    from: setting.from,
    to,
    // The customer's name as the ticket holds it, made one line (a row written by hand or older code).
    toName: headerSafe(row.to_name ?? ''),
    ...(cc.length > 0 ? { cc } : {}),
    replyTo: setting.replyTo,
    subject: headerSafe(row.subject),
    text: row.text_body,
    html: row.html_body,
    messageId: messageIdFor(row, setting.from),
    date: new Date(row.created_at),
    ...(isThreaded(row) ? threadHeaders(setting.thread ?? null, setting.from) : {}),
    automatic,
    attachments: (setting.attachments ?? []).map(safeAttachment),
  };
}
