/** The inbound log (§10) and what the email channel asks the database. */
import type { Insertable } from 'kysely';
import type { NamedTicket } from '../core/inbound.js';
import { MAX_ID } from '../core/tickets.js';
import type { Db } from '../db/connect.js';
import type { InboundMailRow, InboundMailsTable, OutboxRow } from '../db/schema.js';
import { ccsOfTickets } from './ticketCcs.js';

/** A mail's row in the inbound log as written with its result (the ticket is filled in by whoever knows it). */
export type InboundRecord = Omit<Insertable<InboundMailsTable>, 'ticket_id'>;

/**
 * Writes log rows in the caller's transaction, the one that makes the change they record: a key
 * already logged fails the statement (unique), so the change rolls back with it and a mail is
 * never handled twice. Returns each row's id by its key (what the caller answers with).
 */
export async function insertInboundMails(db: Db, rows: readonly Insertable<InboundMailsTable>[]): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const inserted = await db.insertInto('inbound_mails').values([...rows]).returning(['id', 'mail_key']).execute();
  return new Map(inserted.map((r) => [r.mail_key, r.id]));
}

/** Logs a mail that changes nothing else; undefined when its key was logged already. */
export async function logInboundMail(db: Db, row: Insertable<InboundMailsTable>): Promise<InboundMailRow | undefined> {
  return db.insertInto('inbound_mails').values(row).onConflict((oc) => oc.column('mail_key').doNothing()).returningAll().executeTakeFirst();
}

export async function findInboundMailByKey(db: Db, mailKey: string): Promise<InboundMailRow | undefined> {
  return db.selectFrom('inbound_mails').selectAll().where('mail_key', '=', mailKey).executeTakeFirst();
}

export async function findInboundMail(db: Db, id: number): Promise<InboundMailRow | undefined> {
  return db.selectFrom('inbound_mails').selectAll().where('id', '=', id).executeTakeFirst();
}

/** What every mail needs to know before its rules are read, asked in one query. */
export interface MailLookup {
  /** The log row of a mail with this key, if one was handled before. */
  known: InboundMailRow | undefined;
  /** Tickets this sender created from mail since `since` (rule 7's hourly cap). */
  senderTickets: number;
  /** The settings' email_priority (rule 6). */
  emailPriority: 'high' | 'medium' | 'low';
}

/** A mail's lookup: its key, its sender, and since when its sender's tickets count. */
export interface MailAsk {
  mailKey: string;
  address: string;
  since: number;
}

/**
 * One round trip for what the mails being handled at the same moment need (a statement of one part
 * per mail, so each is counted over its own hour): whether each key is logged, each sender's
 * recent tickets, and the priority of new mail tickets. Then the logged rows of the keys seen
 * before, if any (rare: a retry, a re-fetch). Every mail asking its own three reads cost a pool
 * connection each on PostgreSQL, so 100 mails at once queued ahead of the intake's transaction.
 */
export async function lookUpMails(db: Db, asks: readonly MailAsk[]): Promise<MailLookup[]> {
  if (asks.length === 0) return [];
  const part = (ask: MailAsk, i: number) =>
    db
      .selectFrom('settings as s')
      .select((eb) => eb.val(i).as('i'))
      .select('s.email_priority')
      .select(senderTicketsOf(db, ask).as('sender_tickets'))
      .select((eb) => eb.selectFrom('inbound_mails').select('id').where('mail_key', '=', ask.mailKey).as('known_id'))
      .where('s.id', '=', 1);
  let query = part(asks[0]!, 0);
  for (let i = 1; i < asks.length; i++) query = query.unionAll(part(asks[i]!, i));
  const rows = await query.execute();
  const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
  const knownKeys = asks.filter((_, i) => byIndex.get(i)!.known_id !== null).map((a) => a.mailKey);
  const known = new Map(knownKeys.length === 0 ? [] : (await db.selectFrom('inbound_mails').selectAll().where('mail_key', 'in', knownKeys).execute()).map((r) => [r.mail_key, r]));
  return asks.map((ask, i) => {
    const row = byIndex.get(i)!;
    return { known: known.get(ask.mailKey), senderTickets: Number(row.sender_tickets ?? 0), emailPriority: row.email_priority };
  });
}

/** The tickets a sender created from mail (a new ticket or a follow-up) since `since`: a subquery (rule 7). */
function senderTicketsOf(db: Db, ask: Pick<MailAsk, 'address' | 'since'>) {
  return db
    .selectFrom('inbound_mails')
    .select((c) => c.fn.countAll<number | string>().as('n'))
    .where('from_address', '=', ask.address.toLowerCase())
    .where('result', 'in', ['created', 'follow_up'])
    .where('received_at', '>=', ask.since);
}

/**
 * Each sender's tickets from mail since its `since`, in one statement: read inside the transaction
 * that writes new tickets, after its lock, where rule 7 is read again (services/intakeCap.ts).
 */
export async function senderTicketCounts(db: Db, asks: readonly Pick<MailAsk, 'address' | 'since'>[]): Promise<number[]> {
  if (asks.length === 0) return [];
  const row = await db.selectNoFrom(asks.map((ask, i) => senderTicketsOf(db, ask).as(`n${i}`))).executeTakeFirstOrThrow();
  const counts = row as Record<string, number | string | null>;
  return asks.map((_, i) => Number(counts[`n${i}`] ?? 0));
}

/** Tickets of the messages that came from these mails (the customer's Message-IDs a reply may quote). */
export async function ticketsOfMailKeys(db: Db, keys: readonly string[]): Promise<number[]> {
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('messages').select('ticket_id').where('mail_key', 'in', [...keys]).execute();
  return rows.map((r) => r.ticket_id);
}

/** Outbox rows by id, with the fields their Message-IDs are made of. */
export async function outboxRowsByIds(db: Db, ids: readonly number[]): Promise<Pick<OutboxRow, 'id' | 'created_at' | 'to_address' | 'cc_addresses' | 'kind' | 'ticket_id' | 'status'>[]> {
  // A Message-ID of our form may name any number; PostgreSQL refuses to compare one past MAX_ID with an id.
  const possible = ids.filter((id) => id <= MAX_ID);
  if (possible.length === 0) return [];
  return db.selectFrom('outbox').select(['id', 'created_at', 'to_address', 'cc_addresses', 'kind', 'ticket_id', 'status']).where('id', 'in', possible).execute();
}

/** Tickets by id, as rule 5 compares them, in the order asked. */
export async function namedTickets(db: Db, ids: readonly number[]): Promise<NamedTicket[]> {
  if (ids.length === 0) return [];
  const [rows, ccs] = await Promise.all([db.selectFrom('tickets').select(['id', 'status', 'customer_email']).where('id', 'in', [...ids]).execute(), ccsOfTickets(db, ids)]);
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, status: r.status, customerEmail: r.customer_email, copied: (ccs.get(r.id) ?? []).map((c) => c.address) }]));
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
