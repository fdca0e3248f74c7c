// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * The close undo window (issue 23 item 1): a close asked for on an agent page is recorded on the
 * ticket first (`close_due_at`: the end of the window, fixed when asked, so every process commits
 * it at the same instant whatever its own window setting; `close_requested_by`: the agent) and
 * committed by the pending-close job once the window has passed, so an undo never reopens a closed
 * ticket (SPEC I1). Both null: no close pending. The partial index is what the job reads its next due instant and its due rows from.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').addColumn('close_due_at', 'bigint').execute();
  await db.schema.alterTable('tickets').addColumn('close_requested_by', 'integer', (c) => c.references('users.id')).execute();
  await sql`create index tickets_pending_close on tickets (close_due_at) where status = 'open' and close_due_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tickets_pending_close`.execute(db);
  await db.schema.alterTable('tickets').dropColumn('close_requested_by').execute();
  await db.schema.alterTable('tickets').dropColumn('close_due_at').execute();
}
