/**
 * Ticket vocabulary: priorities, statuses, derived states, references, and validation of what a
 * customer submits. Pure: no I/O.
 */
import { labelled } from './fieldErrors.js';
import { withoutOurKeys } from './mailSubject.js';
import { invalidInput } from './errors.js';
import { showsNothing, trimInvisible, wellFormed } from './unicode.js';

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STATUSES = ['open', 'closed'] as const;
export type TicketStatus = (typeof STATUSES)[number];

/** Derived states shown everywhere (§2): pending = open without an agent. */
export const STATES = ['pending', 'open', 'closed'] as const;
export type TicketState = (typeof STATES)[number];

export const EVENT_TYPES = ['created', 'assigned', 'reassigned', 'requeued', 'closed', 'sla_breached'] as const;
export type TicketEventType = (typeof EVENT_TYPES)[number];

/**
 * What live pages hear a ticket change as (services/context.ts TicketChange): each event row's type,
 * and two changes that write no event row: a message added to the thread (§9) and an SLA warning
 * (§11). Other processes accept exactly these from the notification channel (live/postgresHub.ts).
 */
export const TICKET_CHANGE_TYPES = [...EVENT_TYPES, 'sla_warning', 'message'] as const;
export type TicketChangeType = (typeof TICKET_CHANGE_TYPES)[number];

function oneOf<T extends string>(values: readonly T[], raw: unknown): T | null {
  if (typeof raw !== 'string') return null;
  const lowered = raw.trim().toLowerCase();
  return (values as readonly string[]).includes(lowered) ? (lowered as T) : null;
}

/** A priority from user input in any letter case, or null when it is not one. */
export function parsePriority(raw: unknown): Priority | null {
  return oneOf(PRIORITIES, raw);
}

/**
 * A list filter's text as given (`?agent=`), or undefined when it filters nothing: absent, or
 * blank, as a form's empty field (the admin lists) and `?team=` are read.
 */
export function givenFilter(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

/** A status from user input in any letter case, or null when it is not one. */
export function parseStatus(raw: unknown): TicketStatus | null {
  return oneOf(STATUSES, raw);
}

/** A derived state from user input in any letter case, or null when it is not one. */
export function parseState(raw: unknown): TicketState | null {
  return oneOf(STATES, raw);
}

/**
 * Why a `status` filter and a `state` filter can never match the same ticket, or null when they
 * can (or one is absent). Closed is both a status and a state; status open covers the states
 * pending and open (assigned), so those pairs overlap and filter as asked. A contradicting pair
 * used to answer an empty list, which reads as "no such tickets"; the lists, exports and the API
 * refuse it by the `state` field instead.
 */
export function statusStateConflict(status: TicketStatus | undefined, state: TicketState | undefined): string | null {
  if (status === undefined || state === undefined) return null;
  if ((status === 'closed') === (state === 'closed')) return null;
  return `Status ${status} and state ${state} never match: choose one.`;
}

/**
 * Who holds an open ticket, as the admin list filters it (`holder`): an agent who is `available`,
 * or one who is away or offline (`unavailable`: the dashboard's "Held by agents who are away or
 * offline"). Only open tickets with an agent are held.
 */
export const HOLDERS = ['available', 'unavailable'] as const;
export type Holder = (typeof HOLDERS)[number];

/** A holder filter from user input in any letter case, or null when it is not one. */
export function parseHolder(raw: unknown): Holder | null {
  return oneOf(HOLDERS, raw);
}

/**
 * Why a `holder` filter can never match a ticket of the `status` or `state` also asked for, or null
 * when it can: a closed ticket and a waiting one are held by nobody.
 */
export function holderConflict(holder: Holder | undefined, status: TicketStatus | undefined, state: TicketState | undefined): string | null {
  if (holder === undefined) return null;
  if (status === 'closed' || state === 'closed') return 'Closed tickets are held by nobody: choose open tickets, or any holder.';
  if (state === 'pending') return 'Waiting tickets are held by nobody: choose assigned tickets, or any holder.';
  return null;
}

/**
 * Why an `unattended` filter (waiting tickets that no available agent may take, or that one may)
 * can never match a ticket of the `status`, `state` or `holder` also asked for, or null when it can:
 * only waiting tickets are either.
 */
export function unattendedConflict(unattended: boolean | undefined, status: TicketStatus | undefined, state: TicketState | undefined, holder: Holder | undefined): string | null {
  if (unattended === undefined) return null;
  if (status === 'closed' || state === 'closed') return 'Closed tickets do not wait: choose waiting tickets, or leave this empty.';
  if (state === 'open' || holder !== undefined) return 'Assigned tickets do not wait: choose waiting tickets, or leave this empty.';
  return null;
}

/** The derived state of a ticket (§2). */
export function stateOf(ticket: { status: TicketStatus; agentId: number | null }): TicketState {
  if (ticket.status === 'closed') return 'closed';
  return ticket.agentId === null ? 'pending' : 'open';
}

/** The reference people see and quote: `HD-<id>`. */
export function referenceOf(id: number): string {
  return `HD-${id}`;
}

/** The largest id a row can have on both engines: PostgreSQL's `integer` (SQLite's is larger). */
export const MAX_ID = 2_147_483_647;

/**
 * A row id typed by a person or found in a URL (`42`): a whole number from 1 to MAX_ID, or null.
 * A bigger number names no row, and PostgreSQL would refuse to even compare it with an id.
 */
export function parseId(raw: string): number | null {
  if (!/^\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= MAX_ID ? id : null;
}

/** The id inside a reference such as `HD-42` (any case), or null when it is not one. */
export function idFromReference(reference: string): number | null {
  const match = /^hd-(\d+)$/i.exec(reference.trim());
  return match ? parseId(match[1]!) : null;
}

export interface NewTicketInput {
  name: string;
  email: string;
  title: string;
  description: string;
  priority: Priority;
  /** The topic the customer picked (§12), by name or id as typed (an API's integer id as its digits); absent: the first topic not hidden. Checked against the topics by intake. */
  topic?: string;
}

// Deliberately simple: one @, no spaces, control characters (C0, DEL and C1) or characters drawn as
// nothing (Cf: a zero-width space pasted with the address is no part of it, and mail to it goes
// astray), a dot in the domain. The real check is that the customer receives our email; this only
// catches typing mistakes.
const ADDRESS_CHAR = String.raw`[^\s\p{Cf}@<>()[\]\\,;:"\u0000-\u001f\u007f-\u009f]`;
const EMAIL_PATTERN = new RegExp(`^${ADDRESS_CHAR}+@${ADDRESS_CHAR}+\\.${ADDRESS_CHAR}{2,}$`, 'u');

/**
 * Whether a string looks like a deliverable email address (≤ 254 characters). The domain's parts
 * between dots may not be empty: `gmail..com`, `@.gmail.com` or a dot at the end are typing
 * mistakes whose mail never arrives, and the pattern alone let them through (a dot is one of the
 * characters it allows). The name before the @ keeps its dots as typed, as a browser's email field
 * does: some providers' older addresses (`taro..yamada@`, `taro.@`) have them and receive mail.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254 || !EMAIL_PATTERN.test(value)) return false;
  return value.slice(value.lastIndexOf('@') + 1).split('.').every((label) => label !== '');
}

function text(raw: unknown): string {
  // A repeated form field arrives as an array; take none of them rather than guess.
  return typeof raw === 'string' ? raw : '';
}

/**
 * Strips control characters other than line breaks and tabs, which no person types. C1 controls
 * (U+0080–U+009F) count too: NEL (U+0085) is a line break to some mail and log software. Half a
 * surrogate pair becomes U+FFFD (wellFormed): stored as it was, SQLite kept three bytes that are
 * not UTF-8. A one-line field's ends lose characters drawn as nothing too (trimInvisible): a
 * zero-width space pasted with a name or an address is no part of it. A description keeps them as
 * typed (a leading mark of direction is text), and one that shows nothing is refused (checkLength).
 */
function clean(value: string, multiline: boolean): string {
  // eslint-disable-next-line no-control-regex
  const controls = multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  const cleaned = wellFormed(value.replace(controls, multiline ? '' : ' '));
  return multiline ? cleaned.trim() : trimInvisible(cleaned);
}

/**
 * `counted`: a long text (a pasted log), whose message says how long it is, as a message body's does.
 * A text that shows nothing (zero-width spaces, a Hangul filler) is as empty as no text, as in a
 * message (core/conversation.ts).
 */
function checkLength(fields: Record<string, string>, key: string, value: string, max: number, counted = false): void {
  if (showsNothing(value)) fields[key] = 'Required.';
  else if (value.length > max) fields[key] = `At most ${max.toLocaleString('en')} characters${counted ? ` (this one has ${value.length.toLocaleString('en')})` : ''}.`;
}

/** A ticket description's limit, in characters (§1). */
export const DESCRIPTION_MAX = 10_000;

/** The customer form's labels: its fields show them, its messages start with them (core/fieldErrors.ts). */
export const NEW_TICKET_LABELS = { name: 'Your name', email: 'Your email', title: 'Subject', description: 'Description', priority: 'Priority', topic: 'Topic' } as const;

/**
 * Validates a customer's ticket form or API body (§1): name 1–100, email valid ≤ 254, title 1–200,
 * description 1–10 000, priority high|medium|low in any case. Titles and names lose control
 * characters (so a CR/LF can never reach an email header). Throws `invalid_input` with a message
 * per bad field.
 */
export function validateNewTicket(raw: Record<string, unknown>): NewTicketInput {
  const fields: Record<string, string> = {};
  const name = clean(text(raw.name), false);
  const email = clean(text(raw.email), false);
  const typed = clean(text(raw.title), false);
  // Our own keys are no part of a title (core/mailSubject.ts withoutOurKeys), whatever the channel.
  const title = withoutOurKeys(typed);
  // Line breaks as one character each (a browser sends CR LF), as a message body has them.
  const description = clean(text(raw.description), true).replace(/\r\n?/g, '\n');
  const priority = parsePriority(raw.priority);
  checkLength(fields, 'name', name, 100);
  if (email.length === 0) fields.email = 'Required.';
  else if (!isEmailAddress(email)) fields.email = 'Enter a valid email address, such as name@example.com.';
  // Decision: a title that was nothing but our keys (`[HD-6]`, `Re: [HD-6]` pasted from an email)
  // is refused, not stored as `(no subject)` as a mail's is: the customer is at the form to say
  // what the request is about, and an agent reading a queue of bare keys learns nothing.
  if (typed !== title && showsNothing(title)) fields.title = 'Say what the request is about; a ticket reference alone is not a subject.';
  else checkLength(fields, 'title', title, 200);
  checkLength(fields, 'description', description, DESCRIPTION_MAX, true);
  if (!priority) fields.priority = 'Choose high, medium or low.';
  // The API may name the topic by its id as a JSON integer (README: by name or by id).
  const topicId = typeof raw.topic === 'number' ? raw.topic : null;
  const topic = topicId === null ? clean(text(raw.topic), false) : String(topicId);
  if (topicId !== null && !(Number.isSafeInteger(topicId) && topicId >= 1)) fields.topic = 'Give a topic name, or its id as a whole number from 1.';
  else if (topic.length > 100) fields.topic = 'At most 100 characters.';
  if (Object.keys(fields).length > 0 || !priority) throw invalidInput(labelled(fields, NEW_TICKET_LABELS));
  return { name, email, title, description, priority, ...(topic === '' ? {} : { topic }) };
}

/** What a stored ticket says of the submission that made it. */
export type SubmittedTicket = Pick<NewTicketInput, 'priority' | 'title' | 'description'> & { customer_name: string; customer_email: string };

/**
 * Whether a form sent again (same form key: a double click, Back and Send) is the submission that
 * made `ticket`, so it leads there instead of making a second request. A form changed in between
 * is a new request. The topic is not compared: a re-sent form has the same choice.
 */
export function isSameSubmission(input: NewTicketInput, ticket: SubmittedTicket): boolean {
  return (
    input.name === ticket.customer_name &&
    input.email === ticket.customer_email &&
    input.title === ticket.title &&
    input.description === ticket.description &&
    input.priority === ticket.priority
  );
}
