/**
 * Named leases (the `leases` table): a job that one process at a time may run, such as the IMAP
 * watcher. A lease is held by `holder` until `expires_at` (epoch ms); the holder renews it before
 * then, and anyone may take it once it has run out.
 */
import type { Db } from '../db/connect.js';
import type { LeasesTable } from '../db/schema.js';

/**
 * Takes the lease `name` for `holder` until `now + durationMs`, or renews it, in ONE statement: the
 * row is inserted, or updated only where it has run out or is already ours. Two processes racing
 * for it serialise on the row (PostgreSQL's upsert locks it; SQLite has one writer), so exactly
 * one wins. True when `holder` holds it now.
 */
export async function acquireLease(db: Db, name: string, holder: string, now: number, durationMs: number): Promise<boolean> {
  const expiresAt = now + durationMs;
  const row = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expiresAt })
        .where((eb) => eb.or([eb('leases.expires_at', '<', now), eb('leases.holder', '=', holder)])),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === holder;
}

/** Who holds the lease `name` and until when, or undefined when nobody ever took it. */
export async function readLease(db: Db, name: string): Promise<LeasesTable | undefined> {
  return db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Gives the lease up (only `holder`'s: a lease someone else took meanwhile stays theirs). */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
