/** The inbound log (§10) and what the email channel asks the database. */
import type { Insertable } from 'kysely';
import type { NamedTicket } from '../core/inbound.js';
import { MAX_ID } from '../core/tickets.js';
import type { Db } from '../db/connect.js';
import type { InboundMailRow, InboundMailsTable, OutboxRow } from '../db/schema.js';

/**
 * Records a received mail under its key, unhandled (result null), unless its key is recorded:
 * then the recorded row is returned with `inserted` false. Two processes racing on one mail: one
 * inserts, the other reads the winner's row.
 */
export async function claimInboundMail(db: Db, row: Insertable<InboundMailsTable>): Promise<{ mail: InboundMailRow; inserted: boolean }> {
  const inserted = await db
    .insertInto('inbound_mails')
    .values(row)
    .onConflict((oc) => oc.column('mail_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { mail: inserted, inserted: true };
  const existing = await db.selectFrom('inbound_mails').selectAll().where('mail_key', '=', row.mail_key).executeTakeFirstOrThrow();
  return { mail: existing, inserted: false };
}

/** Writes a mail's result, once: false when it was already handled (by another process). */
export async function finishInboundMail(db: Db, id: number, outcome: { result: InboundMailRow['result']; reason: string | null; ticketId: number | null; now: number }): Promise<boolean> {
  const updated = await db
    .updateTable('inbound_mails')
    .set({ result: outcome.result, reason: outcome.reason === null ? null : outcome.reason.slice(0, 1000), ticket_id: outcome.ticketId, handled_at: outcome.now })
    .where('id', '=', id)
    .where('result', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function findInboundMail(db: Db, id: number): Promise<InboundMailRow | undefined> {
  return db.selectFrom('inbound_mails').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Tickets this sender created from mail since `since` (rule 7's hourly cap). */
export async function countTicketsFromSender(db: Db, address: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('inbound_mails')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('from_address', '=', address.toLowerCase())
    .where('result', 'in', ['created', 'follow_up'])
    .where('received_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The message a mail became (by its key), with whether it opened its ticket. */
export async function messageOfMail(db: Db, mailKey: string): Promise<{ id: number; ticket_id: number; first: boolean; follow_up_of: number | null; automatic: boolean } | undefined> {
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('tickets as t', 't.id', 'm.ticket_id')
    .select(['m.id', 'm.ticket_id', 'm.automatic', 't.follow_up_of'])
    .select((eb) =>
      eb
        .selectFrom('messages as f')
        .select((f) => f.fn.min<number>('f.id').as('first_id'))
        .whereRef('f.ticket_id', '=', 'm.ticket_id')
        .as('first_id'),
    )
    .where('m.mail_key', '=', mailKey)
    .executeTakeFirst();
  if (!row) return undefined;
  return { id: row.id, ticket_id: row.ticket_id, first: Number(row.first_id) === row.id, follow_up_of: row.follow_up_of, automatic: row.automatic === 1 };
}

/** Tickets of the messages that came from these mails (the customer's Message-IDs a reply may quote). */
export async function ticketsOfMailKeys(db: Db, keys: readonly string[]): Promise<number[]> {
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('messages').select('ticket_id').where('mail_key', 'in', [...keys]).execute();
  return rows.map((r) => r.ticket_id);
}

/** Outbox rows by id, with the fields their Message-IDs are made of. */
export async function outboxRowsByIds(db: Db, ids: readonly number[]): Promise<Pick<OutboxRow, 'id' | 'created_at' | 'to_address' | 'kind' | 'ticket_id' | 'status'>[]> {
  // A Message-ID of our form may name any number; PostgreSQL refuses to compare one past MAX_ID with an id.
  const possible = ids.filter((id) => id <= MAX_ID);
  if (possible.length === 0) return [];
  return db.selectFrom('outbox').select(['id', 'created_at', 'to_address', 'kind', 'ticket_id', 'status']).where('id', 'in', possible).execute();
}

/** Tickets by id, as rule 5 compares them, in the order asked. */
export async function namedTickets(db: Db, ids: readonly number[]): Promise<NamedTicket[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('tickets').select(['id', 'status', 'customer_email']).where('id', 'in', [...ids]).execute();
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, status: r.status, customerEmail: r.customer_email }]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Marks sent emails `bounced` with the reason (§10 rule 4; only a sent email can bounce); returns the rows changed. */
export async function markEmailsBounced(db: Db, ids: readonly number[], reason: string): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('outbox')
    .set({ status: 'bounced', last_error: reason.slice(0, 1000) })
    .where('id', 'in', [...ids])
    .where('status', '=', 'sent')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
