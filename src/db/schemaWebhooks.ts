/** Kysely table types of webhooks (SPEC §13; migrations 2026-12-04T1100-webhooks, 2026-12-12T0900-webhook-events, 2026-12-13T0900-webhook-lanes). */
import type { Generated, Selectable } from 'kysely';

/** Where admins want events POSTed (§13); `events` is a comma list of event names, or `*` for all. */
export interface WebhookEndpointsTable {
  id: Generated<number>;
  url: string;
  events: string;
  /** The Standard Webhooks signing secret (`whsec_…`), shown to the admin once. */
  secret: string;
  active: number;
  created_at: number;
  /** When the endpoint's current run of failures began; null while it answers. */
  failing_since: number | null;
  /** When the system disabled it after a day of failures (null: never, or enabled again). */
  disabled_at: number | null;
  /** Its lane's cursor: the last event its lane has handled, in `(position, id)` order (SQLite: by id, position 0). */
  cursor_position: Generated<number>;
  cursor_id: Generated<number>;
  /** Its lane is held by a worker until then (0: free); also the holder's token when it records. */
  lane_until: Generated<number>;
}

/**
 * One row per event told to webhooks, written with its change (§13): its body, fixed then, is the
 * same for every endpoint that takes it, so it is stored once here and each endpoint's delivery
 * points to it. Never changed once written.
 */
export interface WebhookEventsTable {
  id: Generated<number>;
  /** The `webhook-id` header: the same on every endpoint and every try, so receivers can drop a repeat. */
  message_id: string;
  event: string;
  ticket_id: number | null;
  /** The body POSTed: the Standard Webhooks JSON of the event. */
  payload: string;
  created_at: number;
  /** The endpoints that take it, as `,1,2,3,` (decided in its change's transaction); each one's lane posts it. */
  endpoint_ids: Generated<string>;
  /** PostgreSQL: its transaction's id, which `webhook_commits` gives a position in commit order (SQLite: 0). */
  txid: Generated<number>;
}

/**
 * PostgreSQL only: each transaction that wrote events, in the order they committed (a position
 * drawn at the commit under a per-schema lock; migration 2026-12-13T0900-webhook-lanes).
 */
export interface WebhookCommitsTable {
  position: Generated<number>;
  txid: number;
}

/**
 * The delivery log and the retry path (§13): one row per endpoint and event, written by the
 * endpoint's lane once it has posted the event (delivered, or a failed try to retry with backoff),
 * or by the code before the lanes with its change (pending).
 */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: number;
  /** The event delivered (its body is there). */
  event_id: number;
  event: string;
  /** The event's `webhook-id`, kept beside it for the delivery log. */
  message_id: string;
  ticket_id: number | null;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  delivered_at: number | null;
  /** The HTTP status of the last answer (null: no answer, see last_error). */
  response_status: number | null;
  last_error: string | null;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_commits: WebhookCommitsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
