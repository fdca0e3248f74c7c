// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Two-factor sign-in (SPEC §15, TOTP per RFC 6238):
 * - `users.totp_secret`: the confirmed secret (base32), null while the user has no second factor
 *   (a secret being set up lives in the enrolment form, signed, until a code confirms it);
 *   `users.totp_last_step`: the 30-second step of the last code accepted, so that no code (not
 *   even one of the previous window, still accepted for clock drift) is accepted twice;
 * - `recovery_codes`: ten single-use codes per user, SHA-256 only;
 * - `settings.require_two_factor`: 1 makes every staff member enrol at their next login.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable('users').addColumn('totp_secret', 'varchar(64)').execute();
  await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();
  await db.schema.alterTable('settings').addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_by_user').on('recovery_codes').columns(['user_id', 'code_hash']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema.alterTable('settings').dropColumn('require_two_factor').execute();
  for (const column of ['totp_last_step', 'totp_secret']) await db.schema.alterTable('users').dropColumn(column).execute();
}
