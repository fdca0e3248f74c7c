/**
 * Named leases (the `leases` table): a job that one process at a time may run, such as the IMAP
 * watcher, or a process saying it is alive (a mail sender, `mail-sender:<holder>`). A lease is held
 * by `holder` until `expires_at` (epoch ms); the holder renews it before then, and anyone may take
 * it once it has run out.
 */
import { sql } from 'kysely';
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

/**
 * Sets the lease `name` to `holder` until `expiresAt`, whoever held it: a marker every holder
 * renews (core/mailSenders.ts RECENT_MAIL_SENDER_LEASE), not a job one process at a time may run.
 * The last renewal wins.
 */
export async function stampLease(db: Db, name: string, holder: string, expiresAt: number): Promise<void> {
  await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expiresAt })
    .onConflict((oc) => oc.column('name').doUpdateSet({ holder, expires_at: expiresAt }))
    .execute();
}

/** Who holds the lease `name` and until when, or undefined when nobody ever took it. */
export async function readLease(db: Db, name: string): Promise<LeasesTable | undefined> {
  return db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Gives the lease up (only `holder`'s: a lease someone else took meanwhile stays theirs). */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/**
 * A lease's name begins with `prefix`, without LIKE (its `_` is a wildcard) and without a range on
 * the key: under a linguistic collation (PostgreSQL's `en_US`, ICU's) punctuation counts for little,
 * and `'mail-sender:x' < 'mail-sender;'` is false there. The table holds one row per named job and
 * per process with a mail server (core/mailSenders.ts), a page or two: reading it whole is the read.
 */
function named(prefix: string) {
  return sql<boolean>`substr(name, 1, ${sql.lit(prefix.length)}) = ${prefix}`;
}

/**
 * In one read: how many leases named `prefix…` hold at `now` (were taken or renewed until after
 * it), and until when the lease `name` holds, expired or not (null: nobody ever took it).
 */
export async function liveLeasesAndExpiry(db: Db, prefix: string, name: string, now: number): Promise<{ live: number; until: number | null }> {
  const row = await db
    .selectFrom('leases')
    .select([
      sql<number | string>`coalesce(sum(case when ${named(prefix)} and expires_at > ${now} then 1 else 0 end), 0)`.as('live'),
      sql<number | string | null>`max(case when name = ${name} then expires_at end)`.as('until'),
    ])
    .executeTakeFirstOrThrow();
  return { live: Number(row.live), until: row.until === null ? null : Number(row.until) };
}

/**
 * Drops the leases named `prefix…` that have run out at `now` (those liveLeasesAndExpiry does not count):
 * a lease of its own per process leaves one row behind each process killed without a clean stop. A holder that is alive after all
 * (it lost the database for longer than its lease) takes its lease again at its next renewal.
 */
export async function dropExpiredLeases(db: Db, prefix: string, now: number): Promise<number> {
  const result = await db.deleteFrom('leases').where(named(prefix)).where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
