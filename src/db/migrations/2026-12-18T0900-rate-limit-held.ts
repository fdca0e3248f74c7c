// Frozen: this migration must never import application code, and never change once released.
import type { Kysely } from 'kysely';

/**
 * Sign-in checks in flight (the login limits' reservations, core/attemptWindows.ts): a password or
 * code is checked only after a reservation counted here, atomically with the test against the
 * limit, so a burst of simultaneous guesses cannot pass it. `count` stays the failures (and every
 * hit of the other limits); `held` the checks not yet ended, given back when they end.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rate_limit_counts').addColumn('held', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rate_limit_counts').dropColumn('held').execute();
}
