// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Password-reset links (SPEC §15): one row per link asked for. Only the SHA-256 of the link's
 * token is kept, so a copy of the database yields no working link. `used_at` makes a link
 * single-use (set by the one update that may claim it); `expires_at` is 30 minutes after asking.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('password_resets')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await sql`create index password_resets_by_user on password_resets (user_id)`.execute(db);
  // Reset requests find accounts by address, in any letter case.
  await sql`create index users_by_email on users (lower(email))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_by_email').execute();
  await db.schema.dropTable('password_resets').execute();
}
