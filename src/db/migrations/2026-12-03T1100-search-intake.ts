// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The search index's insert triggers made cheap for intake on PostgreSQL (SQLite: nothing to do;
 * its triggers cost intake a few per cent). Intake inserts a batch of tickets and their first
 * messages in one statement, inside the routing lock (SPEC §3); the row triggers of migration
 * 2026-12-03T0900 rebuilt each ticket's document twice (once for the ticket, once for its message),
 * each time writing a new `ticket_search` row version into its six GIN indexes.
 * - Inserts are handled per statement (transition tables): the tickets a statement's new rows
 *   belong to are refreshed together, once each, in one upsert.
 * - The upsert leaves a row alone when its texts are what they already were: the second refresh of
 *   an intake statement (the messages' after the tickets') finds the document the first one wrote,
 *   and writes nothing to the indexes.
 * - The known words of typo tolerance (2026-12-03T1000) likewise: one insert per statement of the
 *   new words in its new rows' texts (each text cut into words on its own, as before), instead of
 *   one per row.
 * Still exact: every refresh re-reads the whole document from `ticket_search_source` after the
 * statement's rows are in, in the same transaction. Updates and deletes keep their row triggers
 * (rare, and a trigger with a column list cannot have transition tables).
 */

/** The tables whose rows name their ticket in `ticket_id`, and the columns whose change changes the document. */
const SOURCES = [
  { table: 'messages', columns: 'body, kind, ticket_id' },
  { table: 'attachments', columns: 'filename, message_id, ticket_id' },
  { table: 'inbound_mails', columns: 'subject, ticket_id' },
] as const;

const REFRESH = (where: string) => `insert into ticket_search (ticket_id, head, body, notes) select ticket_id, head, body, notes from ticket_search_source where ${where}
    on conflict (ticket_id) do update set head = excluded.head, body = excluded.body, notes = excluded.notes`;
const CHANGED = ` where (ticket_search.head, ticket_search.body, ticket_search.notes) is distinct from (excluded.head, excluded.body, excluded.notes)`;

/** The texts that add known words, as 2026-12-03T1000 has them: table, the columns whose update changes them. */
const WORD_TEXTS = [
  { table: 'tickets', columns: 'title, customer_name' },
  { table: 'messages', columns: 'body' },
  { table: 'attachments', columns: 'filename' },
  { table: 'inbound_mails', columns: 'subject, ticket_id' },
] as const;

const change = (table: string, prefix = 'ticket_search') => sql.id(`${prefix}_${table}_change`);
const inserted = (table: string, prefix = 'ticket_search') => sql.id(`${prefix}_${table}_inserted`);

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create or replace function ticket_search_refresh(ticket integer) returns void language sql as $$${sql.raw(REFRESH('ticket_id = ticket') + CHANGED)}$$`.execute(db);
  await sql`create function ticket_search_refresh_many(tickets integer[]) returns void language sql as $$${sql.raw(REFRESH('ticket_id = any (tickets)') + CHANGED)}$$`.execute(db);
  // The same transition table name on every table; each branch reads its own table's columns.
  await sql`create function ticket_search_touch_inserted() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'tickets' then
        perform ticket_search_refresh_many(array(select id from new_rows));
      else
        perform ticket_search_refresh_many(array(select distinct ticket_id from new_rows where ticket_id is not null));
      end if;
      return null;
    end $$`.execute(db);
  await sql`drop trigger ticket_search_ticket_insert on tickets`.execute(db);
  await sql`create trigger ${inserted('tickets')} after insert on tickets referencing new table as new_rows
    for each statement execute function ticket_search_touch_inserted()`.execute(db);
  for (const { table, columns } of SOURCES) {
    await sql`drop trigger ${change(table)} on ${sql.id(table)}`.execute(db);
    await sql`create trigger ${change(table)} after delete or update of ${sql.raw(columns)} on ${sql.id(table)}
      for each row execute function ticket_search_touch()`.execute(db);
    await sql`create trigger ${inserted(table)} after insert on ${sql.id(table)} referencing new table as new_rows
      for each statement execute function ticket_search_touch_inserted()`.execute(db);
  }
  await sql`create function search_words_add_all(contents text[]) returns void language sql as $$
    insert into search_words (word)
    select distinct p from unnest(contents) c, unnest(tsvector_to_array(to_tsvector('simple', c))) w, regexp_split_to_table(w, '[^[:alpha:]]+') p
    where char_length(p) between 4 and 40 and not exists (select 1 from search_words s where s.word = p)
  $$`.execute(db);
  await sql`create function search_words_touch_inserted() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'tickets' then
        perform search_words_add_all(array(select title || ' ' || customer_name from new_rows));
      elsif tg_table_name = 'messages' then
        perform search_words_add_all(array(select body from new_rows where ticket_id is not null));
      elsif tg_table_name = 'attachments' then
        perform search_words_add_all(array(select filename from new_rows where ticket_id is not null));
      elsif tg_table_name = 'inbound_mails' then
        perform search_words_add_all(array(select subject from new_rows where ticket_id is not null));
      end if;
      return null;
    end $$`.execute(db);
  for (const { table, columns } of WORD_TEXTS) {
    await sql`drop trigger ${change(table, 'search_words')} on ${sql.id(table)}`.execute(db);
    await sql`create trigger ${change(table, 'search_words')} after update of ${sql.raw(columns)} on ${sql.id(table)}
      for each row execute function search_words_touch()`.execute(db);
    await sql`create trigger ${inserted(table, 'search_words')} after insert on ${sql.id(table)} referencing new table as new_rows
      for each statement execute function search_words_touch_inserted()`.execute(db);
  }
}

/** Back to 2026-12-03T0900's row triggers and refresh. */
export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop trigger if exists ${inserted('tickets')} on tickets`.execute(db);
  await sql`create trigger ticket_search_ticket_insert after insert on tickets for each row execute function ticket_search_touch()`.execute(db);
  for (const { table, columns } of SOURCES) {
    await sql`drop trigger if exists ${inserted(table)} on ${sql.id(table)}`.execute(db);
    await sql`drop trigger if exists ${change(table)} on ${sql.id(table)}`.execute(db);
    await sql`create trigger ${change(table)} after insert or delete or update of ${sql.raw(columns)} on ${sql.id(table)}
      for each row execute function ticket_search_touch()`.execute(db);
  }
  for (const { table, columns } of WORD_TEXTS) {
    await sql`drop trigger if exists ${inserted(table, 'search_words')} on ${sql.id(table)}`.execute(db);
    await sql`drop trigger if exists ${change(table, 'search_words')} on ${sql.id(table)}`.execute(db);
    await sql`create trigger ${change(table, 'search_words')} after insert or update of ${sql.raw(columns)} on ${sql.id(table)}
      for each row execute function search_words_touch()`.execute(db);
  }
  await sql`drop function if exists search_words_touch_inserted()`.execute(db);
  await sql`drop function if exists search_words_add_all(text[])`.execute(db);
  await sql`drop function if exists ticket_search_touch_inserted()`.execute(db);
  await sql`drop function if exists ticket_search_refresh_many(integer[])`.execute(db);
  await sql`create or replace function ticket_search_refresh(ticket integer) returns void language sql as $$${sql.raw(REFRESH('ticket_id = ticket'))}$$`.execute(db);
}
