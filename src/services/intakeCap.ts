/**
 * Rule 7 of the email channel (SPEC §10) where new tickets are written. The channel reads the
 * sender's hour on committed state before it writes (services/inbound.ts), and within a process
 * the mails of one sender go one after another (inboundTurns.ts); but two processes (two servers,
 * two `mail:ingest` pipes, IMAP in one and HTTP in another) handling mails of one sender at the
 * same moment each counted without the other, and together passed the cap. Every new ticket is
 * written in a routing transaction (createTickets), which holds the routing lock on PostgreSQL and
 * SQLite's write lock from its start: counted there, after the lock, a sender's count sees every
 * ticket committed before, in any process, and none can be written between the count and the
 * write. (It holds because every row the count reads, a mail's `created` or `follow_up` log row,
 * is written by createTickets under that lock, and because the transaction is READ COMMITTED: the
 * count's snapshot is taken when it runs, after the lock, not when the transaction began.) No lock
 * of its own, so nothing new to wait for and no lock order to keep.
 */
import { capRefusals } from '../core/inboundCap.js';
import type { Db } from '../db/connect.js';
import { type InboundRecord, insertInboundMails, senderTicketCounts } from '../repositories/inbound.js';
import type { CreatedTicket } from './tickets.js';

const HOUR_MS = 60 * 60 * 1000;

/** What of a submission rule 7 reads: the mail it came from, and the cap it opens a ticket under (INBOUND_TICKETS_PER_HOUR). */
export interface CappedSubmission {
  mail?: InboundRecord;
  senderCap?: number;
}

/** A mail whose ticket the cap refused in the writing transaction: logged there as `rejected`, no ticket. */
export interface RefusedMail {
  refused: true;
  reason: string;
  mailId: number;
}

/**
 * In the routing transaction `trx`, after its lock: each capped submission's sender counted, and
 * those over the cap logged `rejected` (with the mail's own note, if it had one) instead of
 * written. Returns, in order, the refusal of each submission, or null for those to be written.
 */
export async function refuseOverCap(trx: Db, submissions: readonly CappedSubmission[]): Promise<(RefusedMail | null)[]> {
  const capped = submissions.flatMap((s, i) => (s.mail && s.senderCap !== undefined ? [{ i, mail: s.mail, cap: s.senderCap }] : []));
  if (capped.length === 0) return submissions.map(() => null);
  const counts = await senderTicketCounts(trx, capped.map((c) => ({ address: c.mail.from_address, since: c.mail.received_at - HOUR_MS })));
  const reasons = capRefusals(capped.map((c, k) => ({ address: c.mail.from_address, ticketsPerHour: c.cap, created: counts[k]! })));
  const refused = capped.flatMap((c, k) => (reasons[k] == null ? [] : [{ ...c, reason: [reasons[k], c.mail.reason].filter((r) => r != null).join(' ').slice(0, 1000) }]));
  const ids = await insertInboundMails(trx, refused.map((r) => ({ ...r.mail, result: 'rejected' as const, reason: r.reason, ticket_id: null })));
  const byIndex = new Map(refused.map((r) => [r.i, { refused: true as const, reason: r.reason, mailId: ids.get(r.mail.mail_key)! }]));
  return submissions.map((_, i) => byIndex.get(i) ?? null);
}

/** The ticket of a submission no cap applies to (the form, the API, a follow-up). */
export function uncapped(outcome: CreatedTicket | RefusedMail): CreatedTicket {
  if ('refused' in outcome) throw new Error('A submission without a sender cap was refused by it.');
  return outcome;
}
