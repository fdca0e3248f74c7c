// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * The audit log's date filter (/admin/audit/?from=&to=, GET /api/v1/audit?from=&to=) bounds its
 * walk of the log by id: `at` rises with id but for small clock differences, so the entry just
 * before `from` (less a margin) and the one just after `to` (plus the margin), each found by one
 * seek of this index, bound the ids a page can hold (repositories/auditLog.ts, auditIdRange).
 * Without it a page of an old range walked the log by id from the newest entry down to the range.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_log_by_at on audit_log (at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index audit_log_by_at`.execute(db);
}
