/**
 * Rows to the §8 JSON shapes, and the opaque list cursor.
 */
import { calendarJson } from '../core/calendar.js';
import { invalidInput } from '../core/errors.js';
import { isBreached } from '../core/sla.js';
import { knownDueAt, runningNextReplyDue } from '../core/slaClocks.js';
import { storedSkillsOf } from '../core/teams.js';
import { parseId, referenceOf, stateOf } from '../core/tickets.js';
import type { AttachmentRow, MessageRow, TicketRow } from '../db/schema.js';
import type { TimelineEntry } from '../repositories/events.js';
import type { CalendarRecord } from '../repositories/calendars.js';
import type { StaffListRow, TicketListRow } from '../repositories/ticketQueries.js';
import { followUpReference } from '../services/conversation.js';
import { statusUrl } from '../services/notifications.js';
import type { CalendarApiJson } from './api-schemas-calendars.js';
import type { AgentJson } from './api-schemas-agents.js';
import type { AttachmentJson, MessageConflictJson, MessageJson } from './api-schemas-messages.js';
import type { CreatedTicketJson, EventJson, TicketJson } from './api-schemas-tickets.js';
import { apiAttachmentPath } from './links.js';

/** Epoch milliseconds as ISO 8601 UTC. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A ticket as staff read it (§8), with its rating (§13): the list, one ticket, close, assign, webhooks. */
export function ticketJson(row: TicketListRow, publicUrl: string, now: number): TicketJson {
  return { ...newTicketJson(row, publicUrl, now), csat: csatJson(row) };
}

/** The rating on the row (null while unrated): read with the ticket, never a statement of its own. */
function csatJson(row: Pick<TicketRow, 'csat_score' | 'csat_comment' | 'csat_rated_at'>): TicketJson['csat'] {
  return row.csat_score === null ? null : { score: row.csat_score, comment: row.csat_comment, rated_at: iso(row.csat_rated_at) };
}

/** A ticket as the customer's create answer shows it (POST /api/v1/tickets, before its token): no rating. */
export function newTicketJson(row: TicketListRow, publicUrl: string, now: number): CreatedTicketJson {
  return {
    reference: referenceOf(row.id),
    title: row.title,
    description: row.description,
    priority: row.priority,
    status: row.status,
    state: stateOf({ status: row.status, agentId: row.agent_id }),
    customer: { name: row.customer_name, email: row.customer_email },
    agent: row.agent_username,
    created_at: iso(row.created_at),
    assigned_at: iso(row.assigned_at),
    closed_at: iso(row.closed_at),
    sla_due_at: iso(knownDueAt(row.sla_due_at)),
    sla_breached: isBreached({ slaDueAt: row.sla_due_at, closedAt: row.closed_at }, now),
    sla_paused: row.sla_paused_at !== null,
    first_response_due_at: iso(knownDueAt(row.first_response_due_at)),
    next_reply_due_at: iso(runningNextReplyDue(row)),
    status_url: statusUrl(publicUrl, row.token),
    waiting_on: row.waiting_on,
    first_response_at: iso(row.first_response_at),
    follow_up_of: followUpReference(row),
    team: row.team_name,
    topic: row.topic_name,
    skills: storedSkillsOf(row.required_skills).map((s) => ({ name: s.name, optional_after_minutes: s.after === null ? null : Math.round(s.after / 60_000) })),
  };
}

/** A file on a message; its url absolute, like status_url, so a client can fetch it as given. */
export function attachmentJson(row: AttachmentRow, publicUrl: string): AttachmentJson {
  return { id: row.id, filename: row.filename, content_type: row.content_type, size: row.size, url: `${publicUrl}${apiAttachmentPath(row)}` };
}

/** A message of the thread with its own files; `username` is its staff writer's (null for the customer). */
export function messageJson(message: MessageRow, username: string | null, attachments: readonly AttachmentRow[], publicUrl: string): MessageJson {
  return {
    id: message.id,
    kind: message.kind,
    author: { type: message.kind === 'customer' ? 'customer' : 'staff', name: message.author_name, username },
    body: message.body,
    channel: message.channel,
    automatic: message.automatic === 1,
    created_at: iso(message.created_at),
    attachments: attachments.map((a) => attachmentJson(a, publicUrl)),
  };
}

/** The 409 of a reply held back (§9 collision): the newest public message, to read and then confirm. */
export function staleJson(message: string, newestMessageId: number): MessageConflictJson {
  return { error: { code: 'stale', message, newest_message_id: newestMessageId } };
}

export function eventJson(entry: TimelineEntry): EventJson {
  const event: EventJson = { type: entry.type, at: iso(entry.at), from_agent: entry.from_username, to_agent: entry.to_username, actor: entry.actor_username };
  // Only a breach names a target (§11); older breaches have none stored: resolution.
  if (entry.type === 'sla_breached') event.metric = entry.metric ?? 'resolution';
  return event;
}

export function agentJson(row: StaffListRow, defaultCapacity: number): AgentJson {
  return {
    username: row.username,
    display_name: row.display_name,
    role: row.role,
    presence: row.presence,
    capacity: row.role === 'agent' ? (row.capacity ?? defaultCapacity) : null,
    open_count: row.open_count,
    last_assigned_at: iso(row.last_assigned_at),
  };
}

/** A stored calendar (§11): its id and the definition in force. */
export function calendarApiJson(calendar: CalendarRecord): CalendarApiJson {
  return { id: calendar.id, ...calendarJson(calendar.name, calendar.definition) };
}

/** The cursor after a row: base64url of its id. Opaque to clients, who only pass it back. */
export function encodeCursor(id: number): string {
  return Buffer.from(String(id), 'utf8').toString('base64url');
}

/**
 * The id inside a cursor (with `parse`, whatever number it reads: a search's position); throws
 * `invalid_input` (field `cursor`) for anything we did not make.
 */
export function decodeCursor(cursor: string, parse: (text: string) => number | null = parseId): number {
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = /^[1-9]\d*$/.test(text) ? parse(text) : null;
  if (id === null) throw invalidInput({ cursor: 'This cursor is not valid; use next_cursor from the previous page.' });
  return id;
}

/**
 * A page from `limit + 1` rows: the extra row only says there is a next page, whose cursor is the
 * last row shown (its `keyOf`: its id, or a search result's position).
 */
export function pageOf<R extends { id: number }, J>(rows: R[], limit: number, toJson: (row: R) => J, keyOf: (row: R) => number = (row) => row.id): { items: J[]; next_cursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { items: shown.map(toJson), next_cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
