/** The people copied on tickets (§10 Cc): queries only; services/ticketCcs.ts decides with core/mailCc.ts. */
import { type SqlBool, sql } from 'kysely';
import { mailboxKey, sameMailbox } from '../core/mailboxes.js';
import { mailboxLookup } from '../core/users.js';
import type { CcPerson } from '../core/mailCc.js';
import type { Db } from '../db/connect.js';
import type { TicketCcRow } from '../db/schemaCcs.js';

/** The copied people of each ticket, in the order they were added. */
export async function ccsOfTickets(db: Db, ticketIds: readonly number[]): Promise<Map<number, TicketCcRow[]>> {
  const byTicket = new Map<number, TicketCcRow[]>(ticketIds.map((id) => [id, []]));
  if (ticketIds.length === 0) return byTicket;
  const rows = await db.selectFrom('ticket_ccs').selectAll().where('ticket_id', 'in', [...new Set(ticketIds)]).orderBy('ticket_id').orderBy('added_at').orderBy('address').execute();
  for (const row of rows) byTicket.get(row.ticket_id)?.push(row);
  return byTicket;
}

/** One ticket's copied addresses, in the order they were added. */
export async function copiedAddresses(db: Db, ticketId: number): Promise<string[]> {
  return ((await ccsOfTickets(db, [ticketId])).get(ticketId) ?? []).map((row) => row.address);
}

/**
 * Which of `addresses` belong to the desk itself, as mailbox keys (core/mailboxes.ts mailboxKey): a
 * staff member's email or a topic's inbound address (§12), any letter case — letters outside ASCII
 * included, which SQLite's lower() leaves as they are (core/users.ts mailboxLookup narrows, then
 * sameMailbox decides, as accounts are matched).
 */
export async function deskAddressesAmong(db: Db, addresses: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(addresses.map(mailboxKey))].filter((key) => key !== '');
  if (wanted.length === 0) return [];
  const lookups = wanted.map(mailboxLookup);
  const equal = lookups.flatMap((l) => ('equals' in l ? [l.equals] : []));
  const like = lookups.flatMap((l) => ('like' in l ? [l.like] : []));
  const staffMatch = [
    ...(equal.length > 0 ? [sql<SqlBool>`lower(email) in (${sql.join(equal)})`] : []),
    ...like.map((pattern) => sql<SqlBool>`lower(email) like ${pattern} escape '\\'`),
  ];
  const rows = await db
    .selectFrom('users')
    .select('email as address')
    .where((eb) => eb.or(staffMatch))
    .unionAll(db.selectFrom('topic_addresses').select('address').where(sql<string>`lower(address)`, 'in', wanted))
    .execute();
  return wanted.filter((key) => rows.some((row) => sameMailbox(row.address, key)));
}

/** Adds copied people to a ticket (one already there stays as it was). */
export async function insertTicketCcs(db: Db, ticketId: number, people: readonly CcPerson[], now: number): Promise<void> {
  if (people.length === 0) return;
  await db
    .insertInto('ticket_ccs')
    .values(people.map((p) => ({ ticket_id: ticketId, address: p.address, name: p.name, added_at: now })))
    .onConflict((oc) => oc.columns(['ticket_id', 'address']).doNothing())
    .execute();
}

/** Takes one person off a ticket; whether they were on it. */
export async function deleteTicketCc(db: Db, ticketId: number, address: string): Promise<boolean> {
  const result = await db.deleteFrom('ticket_ccs').where('ticket_id', '=', ticketId).where('address', '=', address).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
