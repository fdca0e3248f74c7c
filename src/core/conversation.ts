/**
 * Conversations (SPEC §9): who may write what on a ticket, whose turn it is, when a reply is held
 * back as stale, follow-up titles, canned-reply placeholders, and validation of what staff and
 * customers write. Pure: no I/O.
 */
import { DomainError, forbidden, invalidInput } from './errors.js';
import { type FieldLabels, labelled } from './fieldErrors.js';
import { withoutOurKeys, withoutReplyPrefixes } from './mailSubject.js';
import { cutUnits, showsNothing } from './unicode.js';

export const MESSAGE_KINDS = ['customer', 'reply', 'note'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
/** What staff may write (a `customer` message only comes from the customer). */
export const STAFF_MESSAGE_KINDS = ['reply', 'note'] as const;
export type StaffMessageKind = (typeof STAFF_MESSAGE_KINDS)[number];
export type WaitingOn = 'agent' | 'customer';

/** Longest staff message (§9) and longest customer message (status page, §9). */
export const STAFF_BODY_MAX = 50_000;
export const CUSTOMER_BODY_MAX = 10_000;
/** Longest ticket title (§1), which a follow-up's `Re: …` title is cut to. */
const TITLE_MAX = 200;

/** Whether a message is public: shown to the customer (status page, emails, customer answers). */
export function isPublic(kind: MessageKind): boolean {
  return kind !== 'note';
}

/** What a staff member writes: checked, with the body as typed (line ends made `\n`). */
export interface StaffMessageInput {
  kind: StaffMessageKind;
  body: string;
  /** Reply and close (replies only). */
  close: boolean;
  /** Id of the newest message the writer had on screen; null when not sent. */
  seen: number | null;
}

/** The staff ticket page's reply form: its messages start with these labels (core/fieldErrors.ts). */
export const STAFF_MESSAGE_LABELS: FieldLabels = { body: 'Message', kind: 'Send as', close: 'Reply and close' };
/** The customer's reply form on the status page. */
export const CUSTOMER_MESSAGE_LABELS: FieldLabels = { body: 'Your message' };
/** The canned reply form. */
export const CANNED_REPLY_LABELS: FieldLabels = { name: 'Name', body: 'Text' };

/**
 * Whether text holds NUL or other control characters that are not whitespace (tab, line ends): a
 * binary upload pasted as text, an escape sequence (ESC, or the C1 controls such as U+009B, its
 * 8-bit form). No person types them, so what people write (messages, rating comments) is refused
 * with them. NEL (U+0085) is a line break, and stays.
 */
export function holdsNonText(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f]/.test(text);
}

/**
 * Text a person typed: line ends made `\n`; refused when it holds characters that are not text
 * (holdsNonText), or shows nothing (blank, or only zero-width and direction marks: showsNothing).
 */
function messageBody(raw: unknown, max: number, fields: Record<string, string>, field = 'body'): string {
  if (typeof raw !== 'string') {
    fields[field] = 'Write a message.';
    return '';
  }
  const body = raw.replace(/\r\n?/g, '\n');
  if (holdsNonText(body)) fields[field] = 'The message holds characters that are not text.';
  else if (showsNothing(body)) fields[field] = 'Write a message.';
  else if (body.length > max) fields[field] = `At most ${max.toLocaleString('en')} characters (this one has ${body.length.toLocaleString('en')}).`;
  return body;
}

/** A checkbox or JSON flag: `on`, `true`, `1`, true. */
function flag(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  return typeof raw === 'string' && ['on', 'true', '1', 'yes'].includes(raw.trim().toLowerCase());
}

/** A message id as sent by a form (`"42"`) or JSON (42); null when absent, undefined when malformed. */
function messageId(raw: unknown): number | null | undefined {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id >= 1 && id <= 2_147_483_647 ? id : undefined;
}

/**
 * Checks a staff message from the form or the API (`kind`, `body`, `close`, `seen`). Throws
 * invalid_input with a message per bad field; nothing is written.
 */
export function validateStaffMessage(raw: Record<string, unknown>): StaffMessageInput {
  const fields: Record<string, string> = {};
  const kindText = typeof raw.kind === 'string' ? raw.kind.trim().toLowerCase() : raw.kind === undefined ? 'reply' : '';
  const kind = (STAFF_MESSAGE_KINDS as readonly string[]).includes(kindText) ? (kindText as StaffMessageKind) : null;
  if (kind === null) fields.kind = 'Choose reply or note.';
  const body = messageBody(raw.body, STAFF_BODY_MAX, fields);
  const close = flag(raw.close);
  if (close && kind === 'note') fields.close = 'Only a reply can close the ticket.';
  const seen = messageId(raw.seen);
  if (seen === undefined) fields.seen = 'Not a message id.';
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, STAFF_MESSAGE_LABELS));
  return { kind: kind!, body, close, seen: seen ?? null };
}

/** Checks a customer's message from the status page (`body`, 1–10 000). */
export function validateCustomerMessage(raw: Record<string, unknown>): { body: string } {
  const fields: Record<string, string> = {};
  const body = messageBody(raw.body, CUSTOMER_BODY_MAX, fields);
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, CUSTOMER_MESSAGE_LABELS));
  return { body };
}

/** Who writes on a ticket, and the ticket as far as the rules need it. */
export interface Writer {
  id: number;
  role: 'agent' | 'admin';
}
export interface TicketForWriting {
  status: 'open' | 'closed';
  agentId: number | null;
}

/** Whether staff may see a ticket (and so note on it): an agent its own and pending ones; an admin all. */
export function maySee(writer: Writer, ticket: TicketForWriting): boolean {
  if (writer.role === 'admin') return true;
  return ticket.agentId === writer.id || (ticket.status === 'open' && ticket.agentId === null);
}

/**
 * May this staff member write this kind of message here (§9)? A note: anyone who sees the ticket,
 * closed ones too. A reply: the ticket's agent or an admin, and only while it is open (409).
 * Throws the error to answer; returns nothing when allowed.
 */
export function checkMayWrite(writer: Writer, ticket: TicketForWriting, kind: StaffMessageKind): void {
  if (!maySee(writer, ticket)) throw forbidden('You cannot write on this ticket.');
  if (kind === 'note') return;
  if (writer.role !== 'admin' && ticket.agentId !== writer.id) throw forbidden('Only the agent holding this ticket (or an admin) can reply to the customer.');
  if (ticket.status === 'closed') throw new DomainError('conflict', 'This ticket is closed: a reply cannot be sent. Add a note, or let the customer write again (a follow-up).');
}

/**
 * Whose turn it is after a message (§9): the agent's after a customer message, the customer's after
 * a public reply; a note changes nothing. Null once closed.
 */
export function waitingOnAfter(kind: MessageKind, current: WaitingOn | null, status: 'open' | 'closed'): WaitingOn | null {
  if (status === 'closed') return null;
  if (kind === 'customer') return 'agent';
  if (kind === 'reply') return 'customer';
  return current;
}

/** `fields.seen` of a reply whose `seen` is no message of its ticket. */
export const SEEN_NOT_ON_TICKET = 'Not a message of this ticket: send the id of the newest message of its thread you have read.';

/**
 * Whether a reply's `seen` is no message of its ticket (`ticketOfSeen`: the ticket the message
 * `seen` is on; null: no such message). Message ids grow across all tickets, so another ticket's id
 * would pass the collision check (isStale) whenever it is newer than this ticket's newest public
 * message: beyond the thread, or inside it (after a customer message the writer never saw, before a
 * note), and the reply went out over the unread message. Notes ignore `seen`; without one there is
 * nothing to check.
 */
export function seenOffThread(kind: StaffMessageKind, seen: number | null, ticketOfSeen: number | null, ticketId: number): boolean {
  return kind === 'reply' && seen !== null && ticketOfSeen !== ticketId;
}

/**
 * Whether a reply must be held back (§9 collision): a public message newer than the one the writer
 * had on screen exists (`newestPublicId`: the newest one a person wrote; an auto-reply, which §10
 * lets start nothing, does not hold a reply back). Notes are never held back; a writer who sent no
 * `seen` takes what is there.
 */
export function isStale(kind: StaffMessageKind, seen: number | null, newestPublicId: number | null): boolean {
  if (kind === 'note' || seen === null || newestPublicId === null) return false;
  return newestPublicId > seen;
}

/**
 * A follow-up's title (§9): `Re: <old title>`, never `Re: Re:` (nor `Re: Re[2]:`, `Re: AW:`: any
 * common reply prefix the old title starts with goes, core/mailSubject.ts), at most 200 characters.
 * Our own `[HD-n]` keys go too, as from a typed title (a title stored before typed titles lost
 * them would put a second key in every email of the follow-up); a title that is nothing but a key
 * keeps it, rather than become a bare `Re: `.
 */
export function followUpTitle(title: string): string {
  const bare = withoutReplyPrefixes(withoutOurKeys(title)) || withoutReplyPrefixes(title);
  return cutUnits(`Re: ${bare}`, TITLE_MAX);
}

/**
 * The follow-up a customer's next message to a closed request goes to (§9, decided here): its
 * newest follow-up while that is still open, so writing twice does not open two requests handled
 * side by side; null when none is open (the message opens a new follow-up).
 */
export function openFollowUp<T extends { id: number; status: 'open' | 'closed' }>(followUps: readonly T[]): T | null {
  return followUps.filter((f) => f.status === 'open').reduce<T | null>((newest, f) => (newest === null || f.id > newest.id ? f : newest), null);
}

/** How an agent lost a ticket: its last event moving it away from them, and who holds it now. */
export interface MoveAway {
  type: 'reassigned' | 'requeued';
  /** Who it was moved to (reassigned), by display name. */
  toName: string | null;
  /** The staff member who moved it; null: routing did (balancing, a release on logout or expiry). */
  actorName: string | null;
  /** Who holds it now; null: it waits in the queue. */
  holderName: string | null;
}

/** What an agent is told on opening (or writing on) a ticket that is no longer theirs: where it went, and who has it now. */
export function movedAwayText(reference: string, move: MoveAway): string {
  const went =
    move.type === 'reassigned'
      ? `${reference} was moved to ${move.toName ?? 'another agent'}${move.actorName ? ` by ${move.actorName}` : ' to balance the load'}.`
      : `${reference} was sent back to the queue${move.actorName ? ` by ${move.actorName}` : ''}.`;
  if (move.holderName === null) return `${went} It waits there for the next agent with room.`;
  return move.type === 'reassigned' && move.holderName === move.toName ? went : `${went} ${move.holderName} has it now.`;
}

/** What canned-reply placeholders are filled with, at send time. */
export interface PlaceholderValues {
  customer_name: string;
  reference: string;
  agent_name: string;
  status_url: string;
}
export const PLACEHOLDERS = ['customer_name', 'reference', 'agent_name', 'status_url'] as const;

/**
 * Fills `{{customer_name}}`, `{{reference}}`, `{{agent_name}}`, `{{status_url}}` (spaces inside the
 * braces allowed); any other `{{…}}` is left as written. The result is plain text: whoever shows it
 * escapes it.
 */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) =>
    (PLACEHOLDERS as readonly string[]).includes(name) ? values[name as keyof PlaceholderValues] : whole,
  );
}

/** Checks a canned reply from the admin form: `name` 1–100, `body` 1–50 000. */
export function validateCannedReply(raw: Record<string, unknown>): { name: string; body: string } {
  const fields: Record<string, string> = {};
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (name.length === 0) fields.name = 'Give the reply a name.';
  else if (name.length > 100) fields.name = 'At most 100 characters.';
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(name)) fields.name = 'One line of text, please.';
  const body = messageBody(raw.body, STAFF_BODY_MAX, fields);
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, CANNED_REPLY_LABELS));
  return { name, body };
}
