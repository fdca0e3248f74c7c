/**
 * The CSV exports (README, "Export"): /admin/tickets/ and /admin/audit/ under their filters, every
 * page of them, as chunks of text: the header first (after the byte order mark), then one chunk per
 * keyset batch of rows. Nothing but a batch is ever held, and a consumer that stops (the client hung
 * up) stops the reads: the next batch is read only when the previous chunk was taken.
 */
import { CSV_BOM, csvRecord } from '../core/csv.js';
import { AUDIT_CSV_COLUMNS, auditCsvValues, csvChunk, TICKET_CSV_COLUMNS, ticketCsvValues } from '../core/csvExport.js';
import type { Db } from '../db/connect.js';
import { inTransaction } from '../db/transaction.js';
import { keysetBatches, type TicketFilter, ticketListSource } from '../repositories/adminLists.js';
import { type AuditFilter, auditSource } from '../repositories/auditLog.js';
import { type Acting, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';

/** Rows read per query: a thousand keeps a batch under a megabyte and the queries few. */
export const EXPORT_BATCH = 1000;

/** The tickets under `filter` (breached as of `now`), in the list's order, as CSV. */
export async function* ticketsCsv(db: Db, filter: TicketFilter, now: number, batchSize = EXPORT_BATCH): AsyncGenerator<string> {
  yield CSV_BOM + csvRecord(TICKET_CSV_COLUMNS);
  const { source, keyOf } = await ticketListSource(db, filter, now);
  for await (const rows of keysetBatches(source, keyOf, batchSize)) yield csvChunk(rows, (ticket) => ticketCsvValues(ticket, now));
}

/** The audit log's entries under `filter`, newest first, as CSV. */
export async function* auditCsv(db: Db, filter: AuditFilter, batchSize = EXPORT_BATCH): AsyncGenerator<string> {
  yield CSV_BOM + csvRecord(AUDIT_CSV_COLUMNS);
  for await (const rows of keysetBatches(auditSource(db, filter), (row) => row.id, batchSize)) yield csvChunk(rows, auditCsvValues);
}

/** What an export takes: the tickets (customers' names and addresses among them) or the audit log. */
export type ExportOf = 'tickets' | 'audit';

/**
 * Records that `by` exported `of` under `filters` (as asked: the page's query as typed, the API's
 * parameters), before the first row is read: a bulk copy of customers' data leaves a trace in the
 * audit log like any admin action (README, "Export"), even when the download is then cut short.
 * Action `export.tickets` / `export.audit`, so `action=export` lists every export.
 */
export async function recordExport(ctx: ServiceContext, by: Acting, of: ExportOf, filters: Record<string, unknown>): Promise<void> {
  await inTransaction(ctx.handle, (trx) => auditBy(trx, by, ctx.clock.now(), `export.${of}`, of === 'tickets' ? 'tickets' : 'audit_log', { after: { filters } }));
}
