/**
 * Writing new tickets with the rows that follow from them: their `created` events, the customers'
 * emails, and the receiving agents' last_assigned_at. This happens inside the routing lock, where
 * every round trip is time the next routing transaction waits. On PostgreSQL the ticket ids are
 * reserved by the query that reads the routing state (loadRoutingState), so the emails, which name
 * the ticket (HD-<id>), are rendered before anything is written and everything goes in one statement
 * (data-modifying CTEs). SQLite has neither sequences nor round trips: the tickets are inserted
 * first and their ids read back, then one statement per table.
 */
import { type Insertable, type QueryCreator, sql, type SqlBool } from 'kysely';
import type { Db } from '../db/connect.js';
import { jsonRows } from '../db/jsonRows.js';
import type { Database, MessagesTable, TicketEventsTable, TicketRow } from '../db/schema.js';
import { insertEvents } from './events.js';
import { enqueueEmails, type NewEmail, outboxRowOf } from './outbox.js';
import { insertTickets } from './tickets.js';
import { setLastAssignedAtOf } from './users.js';
import { insertWebhookEvents, type NewWebhookEvent, withWebhookEvents } from './webhooks.js';

/** What follows from the new tickets, once their ids are known. */
export interface AfterIntake {
  events: Insertable<TicketEventsTable>[];
  /** Each ticket's first message: its description (§9). */
  messages: Insertable<MessagesTable>[];
  emails: NewEmail[];
  /** The tickets' `ticket.created` webhook events (none when no endpoint takes it). */
  webhookEvents: NewWebhookEvent[];
  /** Agents who received tickets at `now`. */
  receivers: number[];
  now: number;
}

/**
 * Inserts the tickets (with the reserved `ids`, in order, when given) and what `follow` derives
 * from them (on PostgreSQL in one statement: an event, a first message and an email per ticket, and
 * the webhook events with their deliveries); returns the tickets as stored, in the order given.
 */
export async function writeIntake(
  db: Db,
  tickets: readonly Omit<TicketRow, 'id'>[],
  ids: readonly number[] | null,
  follow: (stored: TicketRow[]) => AfterIntake,
): Promise<TicketRow[]> {
  if (tickets.length === 0) return [];
  if (ids === null) {
    const stored = await insertTickets(db, tickets);
    const { events, messages, emails, webhookEvents, receivers, now } = follow(stored);
    await insertEvents(db, events);
    await db.insertInto('messages').values(messages).execute();
    await enqueueEmails(db, emails);
    await insertWebhookEvents(db, webhookEvents);
    await setLastAssignedAtOf(db, receivers, now);
    return stored;
  }
  const stored = tickets.map((t, i) => ({ ...t, id: ids[i]! }));
  const { events, messages, emails, webhookEvents, receivers, now } = follow(stored);
  // Each new ticket has its event, its first message and its email, so no CTE is ever empty; the
  // webhook events' CTE is there only when some endpoint takes `ticket.created`.
  // The rows go as JSON (jsonRows): the statement's text is the same for any batch, quick to plan.
  const insert = <DB extends Database, T extends 'tickets' | 'ticket_events' | 'messages' | 'outbox'>(q: QueryCreator<DB>, table: T, rows: readonly Insertable<Database[T]>[]) => {
    const { columns, select } = jsonRows(table, rows);
    return (q as unknown as QueryCreator<Database>).insertInto(table).columns(columns as never).expression(select).returning('id');
  };
  const written = db
    .with('new_tickets', (q) => insert(q, 'tickets', stored))
    .with('created_events', (q) => insert(q, 'ticket_events', events))
    .with('first_messages', (q) => insert(q, 'messages', messages))
    .with('created_emails', (q) => insert(q, 'outbox', emails.map(outboxRowOf)));
  await (webhookEvents.length === 0 ? written : withWebhookEvents(written, webhookEvents))
    .updateTable('users')
    .set({ last_assigned_at: now })
    .where(receivers.length > 0 ? sql<SqlBool>`id in (${sql.join(receivers)})` : sql<SqlBool>`false`)
    .execute();
  return stored;
}
