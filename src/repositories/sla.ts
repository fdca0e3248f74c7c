/**
 * The resolution breach's queries under their §4 names (the watches themselves, for every target,
 * are in slaWatches.ts), and who hears of a breach.
 */
import type { Db, Dialect } from '../db/connect.js';
import { dueForWatch, RESOLUTION_BREACH, watchDueQuery, watchNextQuery } from './slaWatches.js';
import { type StaffRecipient, staffRecipient } from './outbox.js';

/** The resolution watch's due tickets (slaWatches.ts). Exported for the query-plan test. */
export function dueQuery(dialect: Dialect, now: number, limit: number, lock = false) {
  return watchDueQuery(RESOLUTION_BREACH, dialect, now, limit, lock);
}

/** The earliest resolution deadline still watched. Exported for the query-plan test. */
export function nextDeadlineQuery(dialect: Dialect) {
  return watchNextQuery(RESOLUTION_BREACH, dialect);
}

/**
 * Ids of open, unmarked tickets past their resolution deadline at `now` (sla_due_at < now, as
 * core/sla.ts's isBreached: a ticket closed exactly at its deadline met it), earliest first, locked
 * on PostgreSQL (see dueForWatch).
 */
export async function dueForBreach(db: Db, dialect: Dialect, now: number, limit: number): Promise<number[]> {
  return (await dueForWatch(db, dialect, RESOLUTION_BREACH, now, limit)).map((t) => t.id);
}

/**
 * The active admins that have an email address, as recipients (`To: Name <address>`, as the
 * customers' emails are), one per distinct address: the first admin's name where two share one.
 */
export async function activeAdminRecipients(db: Db): Promise<StaffRecipient[]> {
  const rows = await db.selectFrom('users').select(['email', 'display_name']).where('role', '=', 'admin').where('active', '=', 1).where('email', '<>', '').orderBy('id').execute();
  const seen = new Set<string>();
  const recipients: StaffRecipient[] = [];
  for (const row of rows) {
    const key = row.email.trim().toLowerCase();
    if (key && !seen.has(key)) {
      seen.add(key);
      recipients.push(staffRecipient(row));
    }
  }
  return recipients;
}
