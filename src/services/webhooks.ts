/**
 * Webhook deliveries enqueued with their change (SPEC §13): the change's own transaction reads
 * the active endpoints, asks the core which of them take each event, and writes one delivery per
 * endpoint and event, pointing to the event's body, fixed now and stored once (the API's shape of
 * the ticket or message as the change left it). A rolled-back change leaves none; a committed one
 * leaves each exactly once.
 */
import { randomUUID } from 'node:crypto';
import type { SlaMetric } from '../core/slaClocks.js';
import { endpointsFor, eventOfChange, type WebhookEvent } from '../core/webhooks.js';
import type { Db } from '../db/connect.js';
import type { AttachmentRow, MessageRow } from '../db/schema.js';
import { iso, messageJson, ticketJson } from '../http/api-shapes.js';
import { referenceOf } from '../core/tickets.js';
import { type TicketListRow, ticketsByIds } from '../repositories/ticketQueries.js';
import { type ActiveEndpoint, activeEndpoints, insertWebhookEvents, type NewWebhookEvent } from '../repositories/webhooks.js';
import type { TicketChange } from './context.js';

/** A new message, with what its API shape needs. */
export interface MessageNotice {
  message: MessageRow;
  /** Its staff writer's username; null for the customer. */
  username: string | null;
  attachments: readonly AttachmentRow[];
}

/** A customer's rating (§13), as `csat.rated` carries it beside the ticket. */
export interface RatingNotice {
  score: 'good' | 'bad';
  comment: string | null;
  ratedAt: number;
}

/** The events whose notice carries more than the ticket. */
type EventWithMore = 'message.created' | 'csat.rated' | 'ticket.sla_breached';

/** Something that happened in the transaction and may be an event. */
export type WebhookNotice =
  | { event: Exclude<WebhookEvent, EventWithMore>; ticketId: number }
  | { event: 'message.created'; ticketId: number; message: MessageNotice }
  | { event: 'csat.rated'; ticketId: number; rating: RatingNotice }
  /** A breach names the SLA target it missed (§11): a missed first response is not a missed resolution. */
  | { event: 'ticket.sla_breached'; ticketId: number; metric: SlaMetric };

/**
 * The notices of ticket changes (those no event carries, such as SLA warnings, are left out; so
 * is a breach, whose notice the SLA service writes itself, with the target it missed).
 */
export function noticesOfChanges(changes: readonly TicketChange[]): WebhookNotice[] {
  return changes.flatMap((c) => {
    const event = eventOfChange(c.type);
    return event && event !== 'ticket.sla_breached' ? [{ event, ticketId: c.ticketId }] : [];
  });
}

/**
 * The Standard Webhooks body: the event's type, when it happened, and its data; `more`, what the
 * event says beside its data, at the top level (`metric` of a breach). Decision: there rather than
 * in `data`, so that `data` stays exactly the API's ticket, as every ticket event's is, and a
 * ticket field named alike later cannot clash with it; additive, so a receiver that reads only
 * `data` is unchanged.
 */
export function webhookBody(event: WebhookEvent, at: number, data: unknown, more: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: event, timestamp: iso(at), ...more, data });
}

/**
 * Writes the deliveries of `notices` in `trx`, the transaction of their change. Costs one read of
 * the active endpoints when there is something to tell, unless the caller read them already
 * (`known`: a routing run has them from its state query, in the same transaction); the tickets are
 * read only when an endpoint takes one of their events.
 */
export async function enqueueWebhooks(trx: Db, publicUrl: string, now: number, notices: readonly WebhookNotice[], known?: readonly ActiveEndpoint[]): Promise<void> {
  if (notices.length === 0) return;
  const endpoints = known ?? (await activeEndpoints(trx));
  const wanted = wantedNotices(notices, endpoints);
  if (wanted.length === 0) return;
  const ticketIds = [...new Set(wanted.filter((w) => !('message' in w.notice)).map((w) => w.notice.ticketId))];
  const tickets = new Map((await ticketsByIds(trx, ticketIds)).map((t) => [t.id, t]));
  await insertWebhookEvents(trx, eventsOf(wanted, tickets, publicUrl, now));
}

/** A notice with the endpoints that take its event. */
interface Wanted {
  notice: WebhookNotice;
  to: readonly ActiveEndpoint[];
}

/** Each notice with the endpoints that take its event; those no endpoint takes are left out. */
function wantedNotices(notices: readonly WebhookNotice[], endpoints: readonly ActiveEndpoint[]): Wanted[] {
  if (endpoints.length === 0) return [];
  return notices.map((notice) => ({ notice, to: endpointsFor(endpoints, notice.event) })).filter((w) => w.to.length > 0);
}

/**
 * New tickets' `ticket.created` events, from the rows their transaction is about to write (intake
 * writes them in its own statement: no read of the tickets, no round trip of its own).
 */
export function createdWebhookEvents(tickets: readonly TicketListRow[], endpoints: readonly ActiveEndpoint[], publicUrl: string, now: number): NewWebhookEvent[] {
  const wanted = wantedNotices(tickets.map((t) => ({ event: 'ticket.created' as const, ticketId: t.id })), endpoints);
  return wanted.length === 0 ? [] : eventsOf(wanted, new Map(tickets.map((t) => [t.id, t])), publicUrl, now);
}

/** One event per notice with the endpoints that take it, its body fixed now from `tickets` (the API's shape). */
function eventsOf(wanted: readonly Wanted[], tickets: ReadonlyMap<number, TicketListRow>, publicUrl: string, now: number): NewWebhookEvent[] {
  const events: NewWebhookEvent[] = [];
  for (const { notice, to } of wanted) {
    let data: unknown;
    if ('message' in notice) {
      const { message, username, attachments } = notice.message;
      data = { ticket: referenceOf(notice.ticketId), message: messageJson(message, username, attachments, publicUrl) };
    } else {
      const ticket = tickets.get(notice.ticketId);
      if (!ticket) continue;
      const shape = ticketJson(ticket, publicUrl, now);
      data = 'rating' in notice ? { ticket: shape, rating: { score: notice.rating.score, comment: notice.rating.comment, rated_at: iso(notice.rating.ratedAt) } } : shape;
    }
    // One webhook-id per event: the same on every endpoint and every try.
    const more = 'metric' in notice ? { metric: notice.metric } : {};
    events.push({ event: notice.event, messageId: `msg_${randomUUID()}`, ticketId: notice.ticketId, payload: webhookBody(notice.event, now, data, more), endpointIds: to.map((e) => e.id), now });
  }
  return events;
}
