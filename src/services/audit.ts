/**
 * The audit log (SPEC §15). Call `audit(trx, entry)` with the transaction of the change it records,
 * so the entry commits with the change or not at all. Every admin action and every sign-in must
 * call it (see the README's list); secrets in `before`/`after` are redacted (core/audit.ts).
 */
import { type AuditEntry, auditJson } from '../core/audit.js';
import type { Db } from '../db/connect.js';

/** Records one entry at `at` (the change's own clock reading) inside `trx`. */
export async function audit(trx: Db, entry: AuditEntry, at: number): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at,
      actor_id: entry.actor?.id ?? null,
      actor_name: (entry.actor?.name ?? '').slice(0, 200),
      action: entry.action.slice(0, 60),
      subject: entry.subject.slice(0, 200),
      address: entry.address.slice(0, 64),
      before_json: auditJson(entry.before),
      after_json: auditJson(entry.after),
    })
    .execute();
}
