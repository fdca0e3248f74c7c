/**
 * Query strings of the admin data browser's lists, parsed into typed filters. Every choice (status,
 * state, priority, role, …) is matched in any letter case; a bad value is reported next to its
 * field (the list answers 400) rather than silently ignored, so a list never claims to be filtered
 * when it is not.
 */
import { parseAuditAction, parseAuditActor, UNKNOWN_AUDIT_ACTION } from '../../core/audit.js';
import { PRESENCES, type Presence } from '../../core/routing.js';
import { parsePosition, parseSearch, type SearchQuery } from '../../core/search.js';
import { EVENT_TYPES, holderConflict, idFromReference, parseHolder, parseId, parsePriority, parseState, parseStatus, statusStateConflict, type TicketEventType, unattendedConflict } from '../../core/tickets.js';
import { ROLES, type Role } from '../../core/users.js';
import { MAIL_KINDS } from '../../mail/templates/index.js';
import type { Db } from '../../db/connect.js';
import { type EmailFilter, type EmailKind, type EmailStatus, type EventFilter, type PageRequest, type TicketFilter, UNDELIVERED, type UserFilter } from '../../repositories/adminLists.js';
import type { AuditFilter } from '../../repositories/auditLog.js';
import { INBOUND_LOG_RESULTS, type InboundFilter } from '../../repositories/inboundLog.js';
import { OUTBOX_STATUSES } from '../../repositories/outbox.js';
import { findTeamByNameOrId } from '../../repositories/teams.js';
import { findTicketById } from '../../repositories/tickets.js';
import { findUserByUsername } from '../../repositories/users.js';
import type { FormErrors, FormValues } from '../../views/components.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export type Query = Record<string, unknown>;

export interface Parsed<F> {
  filter: F;
  page: PageRequest;
  /** The filters as typed, to put back into the form and into the pager's links. */
  values: FormValues;
  errors: FormErrors;
}

/**
 * A query parameter's value as a page reads it: a repeated parameter counts as its last value
 * (query strings are not forms, README "Forms"), undefined when absent.
 */
export function lastValue(query: Query, name: string): string | undefined {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  return typeof value === 'string' ? value : undefined;
}

/** A single text value of a query parameter, trimmed ('' when absent). */
function text(query: Query, name: string): string {
  return lastValue(query, name)?.trim() ?? '';
}

function oneOf<T extends string>(values: readonly T[], raw: string): T | null {
  const lowered = raw.toLowerCase();
  return (values as readonly string[]).includes(lowered) ? (lowered as T) : null;
}

const YES = ['yes', 'true', '1', 'on'];
const NO = ['no', 'false', '0', 'off'];

function yesNo(raw: string): boolean | null {
  const lowered = raw.toLowerCase();
  if (YES.includes(lowered)) return true;
  if (NO.includes(lowered)) return false;
  return null;
}

/** `YYYY-MM-DD` as the first millisecond of that UTC day, or null. */
export function parseDay(raw: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  return back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day ? ms : null;
}

const DAY_MS = 86_400_000;

/** A positive whole id, or null. */
function positiveId(raw: string): number | null {
  return parseId(raw);
}

/** A ticket given as `HD-42`, `hd-42` or `42`. */
function ticketRef(raw: string): number | null {
  return idFromReference(raw) ?? positiveId(raw);
}

class FilterParser {
  readonly values: FormValues = {};
  readonly errors: FormErrors = {};

  constructor(private readonly query: Query) {}

  /** Reads a parameter; when present, keeps its text and parses it, recording `message` on failure. */
  take<T>(name: string, parse: (raw: string) => T | null, message: string): T | undefined {
    const raw = text(this.query, name);
    if (raw === '') return undefined;
    this.values[name] = raw;
    const value = parse(raw);
    if (value === null) {
      this.errors[name] = message;
      return undefined;
    }
    return value;
  }

  /** `from` and `to` days (inclusive) as a [from, to) range of epoch ms. */
  dateRange(): { from?: number; to?: number } {
    const from = this.take('from', parseDay, 'Enter a date as YYYY-MM-DD.');
    const toDay = this.take('to', parseDay, 'Enter a date as YYYY-MM-DD.');
    const to = toDay === undefined ? undefined : toDay + DAY_MS;
    if (from !== undefined && to !== undefined && from >= to) this.errors.to = 'The end date is before the start date.';
    return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  }

  search(): string | undefined {
    const q = this.take('q', (raw) => (raw.length <= 200 ? raw : null), 'At most 200 characters.');
    return q === undefined || q === '' ? undefined : q;
  }

  /** `q` as a search (core/search.ts), its message next to the field when it cannot be one. */
  searchQuery(): SearchQuery | undefined {
    const q = this.search();
    if (q === undefined) return undefined;
    const parsed = parseSearch(q);
    if (parsed.ok) return parsed.query;
    this.errors.q = parsed.message;
    return undefined;
  }

  page(cursor: (raw: string) => number | null = positiveId): PageRequest {
    const after = this.take('after', cursor, 'Not a page cursor.');
    const before = this.take('before', cursor, 'Not a page cursor.');
    const limit = this.take('per_page', (raw) => (/^\d{1,3}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_PAGE_SIZE ? Number(raw) : null), `A number from 1 to ${MAX_PAGE_SIZE}.`);
    // Cursors are not filters: the form does not carry them, the pager's links do.
    delete this.values.after;
    delete this.values.before;
    return { ...(after === undefined ? {} : { after }), ...(before === undefined || after !== undefined ? {} : { before }), limit: limit ?? DEFAULT_PAGE_SIZE };
  }

  result<F>(filter: F, cursor?: (raw: string) => number | null): Parsed<F> {
    return { filter, page: this.page(cursor), values: this.values, errors: this.errors };
  }
}

/** A list's query without its page cursor and size (`after`, `before`, `per_page`), which are not filters. */
export function withoutPaging(query: Query): Query {
  const { after: _after, before: _before, per_page: _perPage, ...filters } = query;
  return filters;
}

/** Drops undefined members, so filters stay exact (no `key: undefined`). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const username = (raw: string): string | null => (/^[A-Za-z0-9._-]{1,64}$/.test(raw) ? raw.toLowerCase() : null);
/** A team's name as typed (1–64 characters, any letter case; §12). */
const teamName = (raw: string): string | null => {
  const name = raw.trim();
  return name.length >= 1 && name.length <= 64 ? name : null;
};

/**
 * A list's filters that name a team, an agent or a ticket, checked against what exists: one that
 * names nothing is an error by its field (the list answers 400 with the message there, the export
 * refuses), as `GET /api/v1/tickets` refuses it. Without this an unknown team showed an empty
 * list, which reads as "that team has no tickets", and exported an empty file; `?ticket=HD-99999`
 * on the emails and events lists read as "no email / no event for that ticket".
 */
export async function withKnownNames<F extends { team?: string; agent?: string; ticketId?: number }>(db: Db, parsed: Parsed<F>): Promise<Parsed<F>> {
  const { team, agent, ticketId } = parsed.filter;
  const errors: FormErrors = { ...parsed.errors };
  if (team !== undefined && !(await findTeamByNameOrId(db, team))) errors.team = 'No team has this name.';
  if (agent !== undefined && !(await findUserByUsername(db, agent))) errors.agent = 'No staff account has this username.';
  if (ticketId !== undefined && !(await findTicketById(db, ticketId))) errors.ticket = 'No ticket has this reference.';
  return { ...parsed, errors };
}

export function parseTicketQuery(query: Query): Parsed<TicketFilter> {
  const p = new FilterParser(query);
  const filter = defined<TicketFilter>({
    status: p.take('status', parseStatus, 'Choose open or closed.'),
    state: p.take('state', parseState, 'Choose pending, open or closed.'),
    priority: p.take('priority', parsePriority, 'Choose high, medium or low.'),
    agent: p.take('agent', username, 'Enter an agent’s username.'),
    team: p.take('team', teamName, 'Enter a team’s name.'),
    holder: p.take('holder', parseHolder, 'Choose available, or unavailable (away or offline).'),
    unattended: p.take('unattended', yesNo, 'Choose yes or no.'),
    breached: p.take('breached', yesNo, 'Choose yes or no.'),
    ...p.dateRange(),
    search: p.searchQuery(),
  });
  const conflict = statusStateConflict(filter.status, filter.state);
  if (conflict !== null) p.errors.state = conflict;
  const unheld = holderConflict(filter.holder, filter.status, filter.state);
  if (unheld !== null) p.errors.holder = unheld;
  const notWaiting = unattendedConflict(filter.unattended, filter.status, filter.state, filter.holder);
  if (notWaiting !== null) p.errors.unattended = notWaiting;
  // A search's pages continue from a result's position (repositories/search.ts), not an id.
  return p.result(filter, filter.search ? parsePosition : positiveId);
}

export function parseUserQuery(query: Query): Parsed<UserFilter> {
  const p = new FilterParser(query);
  const filter = defined<UserFilter>({
    role: p.take('role', (raw) => oneOf<Role>(ROLES, raw), 'Choose agent or admin.'),
    active: p.take('active', yesNo, 'Choose yes or no.'),
    presence: p.take('presence', (raw) => oneOf<Presence>(PRESENCES, raw), 'Choose available, away or offline.'),
    team: p.take('team', teamName, 'Enter a team’s name.'),
    q: p.search(),
  });
  return p.result(filter);
}

export function parseEventQuery(query: Query): Parsed<EventFilter> {
  const p = new FilterParser(query);
  const filter = defined<EventFilter>({
    type: p.take('type', (raw) => oneOf<TicketEventType>(EVENT_TYPES, raw), `Choose one of: ${EVENT_TYPES.join(', ')}.`),
    ticketId: p.take('ticket', ticketRef, 'Enter a reference such as HD-42.'),
    agent: p.take('agent', username, 'Enter a username.'),
    ...p.dateRange(),
  });
  return p.result(filter);
}

export const EMAIL_STATUSES: readonly EmailStatus[] = OUTBOX_STATUSES;
/** What the emails list's `status` takes: a status, or `undelivered` (failed or bounced). */
const EMAIL_STATUS_CHOICES: readonly NonNullable<EmailFilter['status']>[] = [...EMAIL_STATUSES, UNDELIVERED];
/** Every kind of email, so /admin/emails/ can filter by any (the `reply` of §9 included). */
export const EMAIL_KINDS: readonly EmailKind[] = MAIL_KINDS;

export function parseEmailQuery(query: Query): Parsed<EmailFilter> {
  const p = new FilterParser(query);
  const filter = defined<EmailFilter>({
    status: p.take('status', (raw) => oneOf(EMAIL_STATUS_CHOICES, raw), `Choose ${EMAIL_STATUS_CHOICES.slice(0, -1).join(', ')} or ${EMAIL_STATUS_CHOICES.at(-1)}.`),
    kind: p.take('kind', (raw) => oneOf(EMAIL_KINDS, raw), `Choose one of: ${EMAIL_KINDS.join(', ')}.`),
    team: p.take('team', teamName, 'Enter a team’s name.'),
    ticketId: p.take('ticket', ticketRef, 'Enter a reference such as HD-42.'),
    q: p.search(),
  });
  return p.result(filter);
}

/** A sender as the log stores it (lower-case); anything with a space or angle bracket is not one. */
const senderAddress = (raw: string): string | null => (/^[^\s<>]{1,320}$/.test(raw) ? raw.toLowerCase() : null);

export function parseInboundQuery(query: Query): Parsed<InboundFilter> {
  const p = new FilterParser(query);
  const filter = defined<InboundFilter>({
    result: p.take('result', (raw) => oneOf(INBOUND_LOG_RESULTS, raw), `Choose one of: ${INBOUND_LOG_RESULTS.join(', ')}.`),
    sender: p.take('sender', senderAddress, 'Enter the sender’s email address.'),
    q: p.search(),
  });
  return p.result(filter);
}

export function parseAuditQuery(query: Query): Parsed<AuditFilter> {
  const p = new FilterParser(query);
  const filter = defined<AuditFilter>({
    actor: p.take('actor', parseAuditActor, 'Enter a username.'),
    action: p.take('action', parseAuditAction, UNKNOWN_AUDIT_ACTION),
    ...p.dateRange(),
  });
  return p.result(filter);
}
