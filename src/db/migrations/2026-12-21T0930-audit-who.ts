// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * The audit log's "who" filter (/admin/audit/?actor=, GET /api/v1/audit?actor=) finds what a staff
 * member did (by `actor_name`) and the refused sign-ins that named the username (no actor; the
 * username typed is the `subject`). Each half gets an index by name then id, so a page of either
 * (newest first, keyset by id) is a lookup, not a walk of the whole log: `actor_name` had none.
 * The failed sign-ins' is by subject and action, so that it wins over `audit_log_by_action`
 * (which would walk every refused sign-in of every name).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_log_by_actor_name on audit_log (actor_name, id)`.execute(db);
  await sql`create index audit_log_by_subject on audit_log (subject, action, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index audit_log_by_subject`.execute(db);
  await sql`drop index audit_log_by_actor_name`.execute(db);
}
