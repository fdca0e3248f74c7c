/**
 * The CSV exports (README, "Export"): /admin/tickets/ and /admin/audit/ under their filters, every
 * page of them, as chunks of text: the header first (after the byte order mark), then one chunk per
 * keyset batch of rows. Nothing but a batch is ever held, and a consumer that stops (the client hung
 * up) stops the reads: the next batch is read only when the previous chunk was taken.
 */
import { CSV_BOM, csvRecord } from '../core/csv.js';
import { AUDIT_CSV_COLUMNS, auditCsvValues, csvChunk, TICKET_CSV_COLUMNS, ticketCsvValues } from '../core/csvExport.js';
import type { Db } from '../db/connect.js';
import { keysetBatches, type TicketFilter, ticketListSource } from '../repositories/adminLists.js';
import { type AuditFilter, auditSource } from '../repositories/auditLog.js';

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
