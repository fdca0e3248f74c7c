// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * Single sign-ons under way (SPEC §15): one row per press of the "Sign in with …" button, until
 * the provider sends the browser back (the row is then taken, so a callback works once) or ten
 * minutes pass. Keyed by the SHA-256 of the `state` sent to the provider (the browser holds the
 * state itself, in a signed cookie); the row keeps the `nonce` the ID token must carry, the PKCE
 * `code_verifier`, and where to land (`next_path`). Any process may finish what another started.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_logins')
    .addColumn('state_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('nonce', 'varchar(128)', (c) => c.notNull())
    .addColumn('code_verifier', 'varchar(128)', (c) => c.notNull())
    .addColumn('next_path', 'varchar(2000)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index sso_logins_expiry on sso_logins (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_logins').execute();
}
