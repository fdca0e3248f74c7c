// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The audit log (SPEC §15): one row per admin action and per sign-in, success or failure, written
 * in the transaction of the change it records (a rolled-back change leaves none). `before` and
 * `after` are JSON with every secret redacted (src/core/audit.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('audit_log')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('action', 'varchar(60)', (c) => c.notNull())
    .addColumn('subject', 'varchar(200)', (c) => c.notNull())
    .addColumn('address', 'varchar(64)', (c) => c.notNull())
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .execute();
  await sql`create index audit_log_by_action on audit_log (action, id)`.execute(db);
  await sql`create index audit_log_by_actor on audit_log (actor_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
}
