// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The search index's insert triggers made cheaper again for intake (PostgreSQL; SQLite: nothing to
 * do). Measured on intake's one statement (tickets and their first messages, 2026-12-03T1100):
 * - Both tables' statement triggers refreshed the same new tickets; the second found nothing to
 *   change, after rebuilding each document and computing its three tsvectors. A ticket's messages
 *   can only have been inserted by the statement that inserted the ticket (they reference it, and
 *   it did not exist before), and the messages' trigger refreshes their tickets after that
 *   statement: so the tickets' trigger now refreshes only new tickets without messages.
 * - `ticket_search_refresh_many` and `search_words_add_all` were SQL functions, planned again at
 *   every call (the view's plan is not small): about a millisecond per call, four calls per
 *   intake batch, inside the routing lock. As PL/pgSQL functions their statements' plans are kept
 *   for the connection's life; and a call with nothing to do returns at once.
 * Still exact: the refresh that remains reads the whole document after the statement's rows are in.
 */
const UPSERT = `insert into ticket_search (ticket_id, head, body, notes) select ticket_id, head, body, notes from ticket_search_source where ticket_id = any (tickets)
    on conflict (ticket_id) do update set head = excluded.head, body = excluded.body, notes = excluded.notes
    where (ticket_search.head, ticket_search.body, ticket_search.notes) is distinct from (excluded.head, excluded.body, excluded.notes)`;
const ADD_WORDS = `insert into search_words (word)
    select distinct p from unnest(contents) c, unnest(tsvector_to_array(to_tsvector('simple', c))) w, regexp_split_to_table(w, '[^[:alpha:]]+') p
    where char_length(p) between 4 and 40 and not exists (select 1 from search_words s where s.word = p)`;
const TOUCH = (ticketsBranch: string) => `
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
  await sql`create or replace function ticket_search_refresh_many(tickets integer[]) returns void language plpgsql as $$
    begin
      if cardinality(tickets) > 0 then ${sql.raw(UPSERT)}; end if;
    end $$`.execute(db);
  await sql`create or replace function search_words_add_all(contents text[]) returns void language plpgsql as $$
    begin
      if cardinality(contents) > 0 then ${sql.raw(ADD_WORDS)}; end if;
    end $$`.execute(db);
  const withoutMessages = 'select n.id from new_rows n where not exists (select 1 from messages m where m.ticket_id = n.id)';
  await sql`create or replace function ticket_search_touch_inserted() returns trigger language plpgsql as $$${sql.raw(TOUCH(withoutMessages))}$$`.execute(db);
}

/** Back to 2026-12-03T1100's functions. */
export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function ticket_search_touch_inserted() returns trigger language plpgsql as $$${sql.raw(TOUCH('select id from new_rows'))}$$`.execute(db);
  await sql`create or replace function ticket_search_refresh_many(tickets integer[]) returns void language sql as $$${sql.raw(UPSERT)}$$`.execute(db);
  await sql`create or replace function search_words_add_all(contents text[]) returns void language sql as $$${sql.raw(ADD_WORDS)}$$`.execute(db);
}
