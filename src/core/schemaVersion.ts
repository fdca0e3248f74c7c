/**
 * Whether a database is ahead of this code (SPEC §7, README "Upgrades"). Pure.
 *
 * Migrations only move forward. A database migrated by a newer release (an upgrade rolled back
 * by starting the old code again) holds migrations this code does not have; Kysely then refuses
 * with "corrupted migrations: previously executed migration … is missing", which reads as a
 * damaged database and invites a restore that loses everything since the backup. Start-up says
 * what happened and what to do instead.
 */

/** The migrations the database ran that this code does not know, in order; none: not ahead. */
export function migrationsUnknownHere(executed: readonly string[], known: readonly string[]): string[] {
  const here = new Set(known);
  return executed.filter((name) => !here.has(name)).sort();
}

/** The one line start-up stops with on a database ahead of this code. */
export function newerSchemaMessage(unknown: readonly string[]): string {
  const names = unknown.join(', ');
  return `the database was migrated by a newer version of Helpdesk (migration${unknown.length > 1 ? 's' : ''} ${names}, unknown to this one): run that version or a newer one on it. Migrations only move forward; to go back to this version, restore a backup taken before the upgrade`;
}
