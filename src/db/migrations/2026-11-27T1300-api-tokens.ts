// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';
  const time = 'bigint';

  // API tokens (§8): only the SHA-256 of a token is kept, so a copy of the database yields none.
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();
  await sql`create index api_tokens_by_user on api_tokens (user_id, id)`.execute(db);

  // The API's ticket list pages by id, newest first (keyset `id < cursor`). These let the common
  // filters read their rows in that order and stop after one page, instead of walking the primary
  // key past everything else: one agent's tickets, and the open, closed and pending ones. Partial
  // indexes, because PostgreSQL assumes a status is spread evenly over ids, while open tickets are
  // the newest: with a (status, id) index it still walked the primary key through every closed
  // ticket to find that no older open one exists.
  await sql`create index tickets_agent_id on tickets (agent_id, id)`.execute(db);
  await sql`create index tickets_open_id on tickets (id) where status = 'open'`.execute(db);
  await sql`create index tickets_closed_id on tickets (id) where status = 'closed'`.execute(db);
  await sql`create index tickets_pending_id on tickets (id) where status = 'open' and agent_id is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['tickets_pending_id', 'tickets_closed_id', 'tickets_open_id', 'tickets_agent_id']) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.dropTable('api_tokens').execute();
}
