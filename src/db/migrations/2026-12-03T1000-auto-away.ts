// Frozen: this migration must never import application code, and never change once released.
import type { Kysely } from 'kysely';

/**
 * Auto-away (AUTO_AWAY_MINUTES, issue 23 item 2):
 * - `users.live_seen_at`: the last time any server process saw one of the user's pages open (a live
 *   stream, or a page's background refresh), stamped in batches by every process; other processes
 *   read it to know that the agent still has a page open somewhere;
 * - `users.auto_away_at`: when the system set the agent away for want of an open page; cleared by
 *   any other presence change, so the dashboard can say why the agent is away.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('live_seen_at', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('auto_away_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('auto_away_at').execute();
  await db.schema.alterTable('users').dropColumn('live_seen_at').execute();
}
