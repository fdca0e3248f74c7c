// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * A new ticket's search document is built once, not twice (PostgreSQL; SQLite: nothing to do).
 * Intake inserts tickets and their first messages in one statement, and both tables' statement
 * triggers (2026-12-03T1100) refreshed the same tickets: the second refresh found nothing to
 * change, but still rebuilt each document from `ticket_search_source` and computed its three
 * tsvectors before its upsert could tell (about a millisecond per intake batch, inside the routing
 * lock). A ticket's messages can only have been inserted by the statement that inserted the ticket
 * (they reference it, and it did not exist before), and the messages' trigger refreshes their
 * tickets after that statement, so the tickets' trigger now refreshes only new tickets without
 * messages. Still exact: the refresh that remains reads the whole document after the statement.
 */
const BODY = (ticketsBranch: string) => `
    begin
      if tg_table_name = 'tickets' then
        perform ticket_search_refresh_many(array(${ticketsBranch}));
      else
        perform ticket_search_refresh_many(array(select distinct ticket_id from new_rows where ticket_id is not null));
      end if;
      return null;
    end`;

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const withoutMessages = 'select n.id from new_rows n where not exists (select 1 from messages m where m.ticket_id = n.id)';
  await sql`create or replace function ticket_search_touch_inserted() returns trigger language plpgsql as $$${sql.raw(BODY(withoutMessages))}$$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function ticket_search_touch_inserted() returns trigger language plpgsql as $$${sql.raw(BODY('select id from new_rows'))}$$`.execute(db);
}
