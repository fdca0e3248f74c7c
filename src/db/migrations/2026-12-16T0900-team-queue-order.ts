// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, sql } from 'kysely';

/**
 * A team's own queue order (SPEC §12: a team has "a queue order"): null follows the desk's
 * `queue_order` setting, else 'oldest' or 'deadline'. Every existing team follows the desk's, so
 * routing decides exactly as before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('teams').addColumn('queue_order', 'varchar(10)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table teams drop column queue_order`.execute(db);
}
