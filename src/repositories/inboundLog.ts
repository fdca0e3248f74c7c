/**
 * The inbound log at /admin/inbound/ (§10): every mail received, newest first, in keyset pages like
 * the other admin lists (see adminLists.ts), and the last day's mail counted by result for the
 * dashboard. Each read is a range of an index, whatever the size of the log:
 * - no filter: the table by id; by result: `inbound_mails_by_result (result, id)`; by sender:
 *   `inbound_mails_by_sender (from_address, id)`;
 * - the counts: `inbound_mails_received (received_at, result)`, read from the index alone.
 * The list never reads `raw`: a page of rows costs what their short columns cost.
 */
import { sql } from 'kysely';
import { INBOUND_RESULTS, type InboundResult } from '../core/inbound.js';
import type { Db, DbHandle } from '../db/connect.js';
import type { InboundMailRow } from '../db/schema.js';
import { type Page, type PageRequest, paginate } from './adminLists.js';
import { anyContains } from './textSearch.js';

/** A mail's result in the log: a rule's result, or `pending` while it is being handled (result null). */
export type InboundLogResult = InboundResult | 'pending';

/** Every result of the log, in rule order, then `pending`. */
export const INBOUND_LOG_RESULTS: readonly InboundLogResult[] = [...INBOUND_RESULTS, 'pending'];

export interface InboundFilter {
  result?: InboundLogResult;
  /** The sender's address, lower-case, exactly. */
  sender?: string;
  /** Substring of the sender's address or the subject, any letter case. */
  q?: string;
}

/** A log row as the list shows it: everything but the raw mail and what only its page needs. */
export type InboundListRow = Pick<InboundMailRow, 'id' | 'source' | 'from_address' | 'from_name' | 'subject' | 'result' | 'reason' | 'ticket_id' | 'received_at'>;

export async function listInboundPage(db: Db, filter: InboundFilter, request: PageRequest): Promise<Page<InboundListRow>> {
  const base = () => {
    let q = db.selectFrom('inbound_mails as m');
    if (filter.sender !== undefined) {
      q = q.where('m.from_address', '=', filter.sender);
      // The sender's index leads (a sender has few mails, a result may have millions): the result is
      // checked through an expression no index serves, or SQLite would walk the result's range.
      if (filter.result) q = q.where(sql<string>`coalesce(${sql.ref('m.result')}, 'pending')`, '=', filter.result);
    } else if (filter.result === 'pending') {
      q = q.where('m.result', 'is', null);
    } else if (filter.result) {
      q = q.where('m.result', '=', filter.result);
    }
    if (filter.q) q = q.where(anyContains(db, ['m.from_address', 'm.subject'], filter.q));
    return q;
  };
  return paginate(request, {
    fetch: (cursor, order, limit) =>
      base()
        .select(['m.id', 'm.source', 'm.from_address', 'm.from_name', 'm.subject', 'm.result', 'm.reason', 'm.ticket_id', 'm.received_at'])
        .$if(cursor !== null, (q) => q.where('m.id', cursor!.op, cursor!.id))
        .orderBy('m.id', order)
        .limit(limit)
        .execute(),
    exists: async (op, id) => (await base().select('m.id').where('m.id', op, id).limit(1).executeTakeFirst()) !== undefined,
  });
}

/**
 * Mails received at or after `since`, counted by result (`pending`: still being handled): one range
 * of `inbound_mails_received (received_at, result)`, from the index alone. SQLite is told the index
 * (`indexed by`): left to itself it walks `inbound_mails_by_result` whole, for its grouping order.
 */
export async function countInboundSince(handle: DbHandle, since: number): Promise<Partial<Record<InboundLogResult, number>>> {
  const from = handle.dialect === 'postgres' ? sql`inbound_mails` : sql`inbound_mails indexed by inbound_mails_received`;
  const result = await sql<{ result: InboundResult | null; n: number | string }>`select result, count(*) as n from ${from}
    where received_at >= ${since} group by result`.execute(handle.db);
  return Object.fromEntries(result.rows.map((r) => [r.result ?? 'pending', Number(r.n)]));
}
