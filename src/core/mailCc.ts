/**
 * The people a customer copies on their mail (SPEC §10, Cc), pure: who of a mail's `To` and `Cc`
 * stay on the ticket's conversation, and who of them may answer on it. The shell
 * (services/ticketCcs.ts) reads the ticket's copied people and the staff addresses among the
 * candidates, asks here, and writes the additions in the transaction of the mail's message.
 *
 * Decisions:
 * - never one of our own addresses (MAIL_FROM, MAIL_REPLY_TO, every topic's inbound address, the
 *   mailbox the mail was delivered to): copying ourselves would mail the desk and loop;
 * - never the customer (they get the email as its `To`), never a staff member (staff answer on
 *   the ticket page; a copy would leak the customer's replies into a colleague's private inbox);
 * - never a mailbox nobody reads (mailer-daemon, no-reply…: our closed email is automatic, §5);
 * - each address once, in any letter case, the first name given kept;
 * - at most CC_MAX per ticket: a mail to a whole department does not make an email to forty people;
 * - only the customer's mails add, and they only add: a mail that leaves someone off does not
 *   remove them (mail clients drop Cc's on a plain Reply); a copied person's own Cc's add nobody.
 */
import { isUnattendedMailbox, parseMailbox } from './mailboxes.js';
import { isEmailAddress } from './tickets.js';

/**
 * The customer emails that carry the conversation, so copy the ticket's people (§5): a staff
 * reply (reply and close included) and the closing. Not `created` (the receipt answers the
 * customer's own mail, which the copied people already have; copying it would mail them a
 * confirmation of something they did not ask for), nor `assigned`/`reassigned` (who works on it
 * is the customer's business). Staff emails (SLA alerts) never.
 */
const COPYING_KINDS: readonly string[] = ['reply', 'closed'];

/** Whether an email of this kind copies the ticket's people (see COPYING_KINDS). */
export function copiesPeople(kind: string): boolean {
  return COPYING_KINDS.includes(kind);
}

/** Most people copied on one ticket. */
export const CC_MAX = 10;

/**
 * Most of a mail's recipients looked at as copied people (each is checked against the staff's
 * addresses, in one query): a mail to tens of thousands failed the query, and so the mail. Ten
 * are kept of them at most (CC_MAX).
 */
export const CC_CANDIDATES_MAX = 100;

/** Longest name kept for a copied person (the column's width). */
const CC_NAME_MAX = 200;

/** A person a mail was addressed to (To or Cc), as the mail names them. */
export interface CcPerson {
  address: string;
  name: string;
}

/** What decides who of a mail's recipients are copied. */
export interface CcContext {
  /** The ticket's customer. */
  customer: string;
  /** Our own addresses: MAIL_FROM, MAIL_REPLY_TO (`Name <address>` or bare), topics' inbound addresses, Delivered-To. */
  own: readonly string[];
  /** The staff addresses among the candidates (any letter case). */
  staff: readonly string[];
  /** The ticket's copied people already (lower-case addresses). */
  existing: readonly string[];
  /** CC_MAX unless a test says otherwise. */
  max?: number;
}

/** The address of a configured mailbox or bare address, lower-case (null when it is neither). */
function addressOf(value: string): string | null {
  return parseMailbox(value)?.address.toLowerCase() ?? null;
}

/** A name as stored: one line, without the quotes mail clients put around it, within its column. */
function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const line = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim().replace(/^["']+|["']+$/g, '').trim();
  return [...line].slice(0, CC_NAME_MAX).join('');
}

/**
 * The people to add to a ticket's copied people from one mail of its customer: the mail's `To`
 * and `Cc` (in that order) without our own addresses, the customer, staff, mailboxes nobody reads,
 * invalid addresses, those already copied and repeats, up to the cap; addresses lower-cased.
 */
export function newCopiedPeople(recipients: readonly CcPerson[], c: CcContext): CcPerson[] {
  const excluded = new Set([c.customer, ...c.own, ...c.staff].map((a) => addressOf(a)).filter((a): a is string => a !== null));
  const taken = new Set(c.existing.map((a) => a.toLowerCase()));
  const room = Math.max(0, (c.max ?? CC_MAX) - taken.size);
  const added: CcPerson[] = [];
  for (const person of recipients) {
    const address = person.address.trim().toLowerCase();
    if (added.length >= room) break;
    if (!isEmailAddress(address) || excluded.has(address) || taken.has(address) || isUnattendedMailbox(address)) continue;
    taken.add(address);
    added.push({ address, name: cleanName(person.name) });
  }
  return added;
}

/**
 * Whether `sender` is one of a ticket's copied people (any letter case): their answer to our
 * email is a message on the ticket (§10 rule 5), not a ticket of their own.
 */
export function isCopied(copied: readonly string[], sender: string): boolean {
  const address = sender.trim().toLowerCase();
  return copied.some((a) => a.toLowerCase() === address);
}

/** Longest writer's name a message holds (messages.author_name). */
const AUTHOR_NAME_MAX = 100;

/**
 * How a copied person is named as the writer of their message on the thread: `Name (address)`,
 * or the address; within the 100 characters a message's writer holds, the name cut (with `…`)
 * rather than the address, which tells who wrote. (A name of 80 characters was written whole:
 * PostgreSQL refused the message, so their mail could never be stored.)
 */
export function copiedAuthorName(person: CcPerson): string {
  const name = cleanName(person.name);
  const address = person.address.trim().toLowerCase();
  const upTo = (text: string, max: number) => [...text].slice(0, max).join('');
  const tail = ` (${address})`;
  const room = AUTHOR_NAME_MAX - [...tail].length;
  if (name === '' || name.toLowerCase() === address || room < 2) return upTo(address, AUTHOR_NAME_MAX);
  return ([...name].length <= room ? name : `${upTo(name, room - 1).trimEnd()}…`) + tail;
}

/**
 * The Cc of an email: the copied people whose address can stand in a header as it is, without
 * the To address, and for an automatic email without mailboxes nobody reads (§5). Checked again
 * when the email is sent (mail/message.ts), so a row written by hand can add no header.
 */
export function ccOfEmail(copied: readonly string[], to: string, automatic: boolean): string[] {
  const seen = new Set([to.trim().toLowerCase()]);
  return copied.flatMap((raw) => {
    const address = raw.trim().toLowerCase();
    if (!isEmailAddress(address) || seen.has(address) || (automatic && isUnattendedMailbox(address))) return [];
    seen.add(address);
    return [address];
  });
}

/** The Cc an outbox row was written with (its `cc_addresses`: comma-separated, '' for none), in order. */
export function ccOfRow(row: { cc_addresses: string }): string[] {
  return row.cc_addresses
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/**
 * The Cc as a list of emails shows it: the first `room` addresses and how many more, so an email
 * copied to ten people keeps its row short (its page shows them all).
 */
export function ccShortList(cc: readonly string[], room = 2): { shown: string[]; more: number } {
  // "and 1 more" would take the room of the address itself.
  const shown = cc.length <= room + 1 ? cc.length : room;
  return { shown: cc.slice(0, shown), more: cc.length - shown };
}

/** Who may take a copied person off a ticket: its agent or an admin (as who may reply to its customer). */
export function mayChangeCopied(writer: { id: number; role: 'agent' | 'admin' }, ticket: { agentId: number | null }): boolean {
  return writer.role === 'admin' || ticket.agentId === writer.id;
}

/** The `address` field of the form that takes a copied person off: the address, lower-case, or why not. */
export function copiedAddressField(raw: unknown): { address: string } | { problem: string } {
  const address = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (address === '') return { problem: 'Choose the copied person to remove.' };
  if (!isEmailAddress(address)) return { problem: 'Not an email address.' };
  return { address };
}
