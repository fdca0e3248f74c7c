// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Search inside the engines (issue 21): one search document per ticket, kept by triggers in the
 * same transaction as the rows it is made of, so every writer keeps it right.
 * - `ticket_search_source` (a view): a ticket's texts in three parts: `head` (title, customer name
 *   and email), `body` (public messages, their attachments' file names, the subjects of the mails
 *   filed on the ticket) and `notes` (internal notes and their file names), so a search that may
 *   not read notes leaves that part out. Each part is cut at 500 000 characters (PostgreSQL's
 *   tsvector has a size limit; a thread that long is not a conversation any more).
 * - SQLite: `ticket_search`, an FTS5 table with the trigram tokenizer (any substring of three or
 *   more characters, in any letter case), contentless (the texts live in their own tables) with
 *   deletes, rowid = the ticket id; and `ticket_search_head`, the same for the head alone: the
 *   first relevance tier (words in the title or customer) then reads only that small index, where
 *   a column filter on the big one would walk every thread holding the word.
 * - PostgreSQL: `ticket_search` rows with the three texts and their `tsvector`s ('simple'
 *   configuration: no stemming, any language), GIN-indexed; with the pg_trgm extension also a
 *   trigram GIN index per text, for substrings. Creating the extension needs the CREATE privilege
 *   on the database (pg_trgm is a trusted extension): without it the migration goes on without
 *   those indexes and search matches whole words; `npm run search:reindex` adds them once someone
 *   has run `create extension pg_trgm` (README, "Search").
 * - `tickets_by_customer_email (lower(customer_email), id)`: an email address searched matches the
 *   customer exactly; `inbound_mails_by_ticket`: the subjects of one ticket's mails.
 */
export const SEARCH_TEXT_LIMIT = 500_000;

const SOURCE = sql.raw(`select t.id as ticket_id,
    substr(t.title || ' ' || t.customer_name || ' ' || t.customer_email, 1, ${SEARCH_TEXT_LIMIT}) as head,
    substr(coalesce((select string_agg(m.body, ' ') from messages m where m.ticket_id = t.id and m.kind <> 'note'), '') || ' ' ||
      coalesce((select string_agg(a.filename, ' ') from messages m join attachments a on a.message_id = m.id where m.ticket_id = t.id and m.kind <> 'note'), '') || ' ' ||
      coalesce((select string_agg(i.subject, ' ') from inbound_mails i where i.ticket_id = t.id), ''), 1, ${SEARCH_TEXT_LIMIT}) as body,
    substr(coalesce((select string_agg(m.body, ' ') from messages m where m.ticket_id = t.id and m.kind = 'note'), '') || ' ' ||
      coalesce((select string_agg(a.filename, ' ') from messages m join attachments a on a.message_id = m.id where m.ticket_id = t.id and m.kind = 'note'), ''), 1, ${SEARCH_TEXT_LIMIT}) as notes
  from tickets t`);

/** Which tables' rows make up the document, and the columns whose change changes it. */
const SOURCES = [
  { table: 'messages', columns: 'body, kind, ticket_id' },
  { table: 'attachments', columns: 'filename, message_id, ticket_id' },
  { table: 'inbound_mails', columns: 'subject, ticket_id' },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await sql`create index tickets_by_customer_email on tickets (lower(customer_email), id)`.execute(db);
  await sql`create index inbound_mails_by_ticket on inbound_mails (ticket_id) where ticket_id is not null`.execute(db);
  await sql`create view ticket_search_source as ${SOURCE}`.execute(db);
  if (pg) await postgres(db);
  else await sqlite(db);
}

async function sqlite(db: Kysely<any>): Promise<void> {
  await sql`create virtual table ticket_search using fts5(head, body, notes, content = '', contentless_delete = 1, tokenize = 'trigram')`.execute(db);
  await sql`create virtual table ticket_search_head using fts5(head, content = '', contentless_delete = 1, tokenize = 'trigram')`.execute(db);
  const refresh = (id: string) =>
    sql.raw(`delete from ticket_search where rowid = ${id};
      insert into ticket_search (rowid, head, body, notes) select ticket_id, head, body, notes from ticket_search_source where ticket_id = ${id};
      delete from ticket_search_head where rowid = ${id};
      insert into ticket_search_head (rowid, head) select ticket_id, head from ticket_search_source where ticket_id = ${id};`);
  await sql`create trigger ticket_search_ticket_insert after insert on tickets begin ${refresh('new.id')} end`.execute(db);
  await sql`create trigger ticket_search_ticket_update after update of title, customer_name, customer_email on tickets begin ${refresh('new.id')} end`.execute(db);
  await sql`create trigger ticket_search_ticket_delete after delete on tickets begin delete from ticket_search where rowid = old.id; delete from ticket_search_head where rowid = old.id; end`.execute(db);
  for (const { table, columns } of SOURCES) {
    const name = (what: string) => sql.id(`ticket_search_${table}_${what}`);
    await sql`create trigger ${name('insert')} after insert on ${sql.id(table)} when new.ticket_id is not null begin ${refresh('new.ticket_id')} end`.execute(db);
    await sql`create trigger ${name('update_old')} after update of ${sql.raw(columns)} on ${sql.id(table)} when old.ticket_id is not null begin ${refresh('old.ticket_id')} end`.execute(db);
    await sql`create trigger ${name('update_new')} after update of ${sql.raw(columns)} on ${sql.id(table)} when new.ticket_id is not null and new.ticket_id is not old.ticket_id begin ${refresh('new.ticket_id')} end`.execute(db);
    await sql`create trigger ${name('delete')} after delete on ${sql.id(table)} when old.ticket_id is not null begin ${refresh('old.ticket_id')} end`.execute(db);
  }
  await sql`insert into ticket_search (rowid, head, body, notes) select ticket_id, head, body, notes from ticket_search_source`.execute(db);
  await sql`insert into ticket_search_head (rowid, head) select id, substr(title || ' ' || customer_name || ' ' || customer_email, 1, ${sql.lit(SEARCH_TEXT_LIMIT)}) from tickets`.execute(db);
}

async function postgres(db: Kysely<any>): Promise<void> {
  const tsv = (column: string) => sql.raw(`${column}_tsv tsvector generated always as (to_tsvector('simple', ${column})) stored`);
  await sql`create table ticket_search (
    ticket_id integer primary key references tickets (id) on delete cascade,
    head text not null, body text not null, notes text not null,
    ${tsv('head')}, ${tsv('body')}, ${tsv('notes')})`.execute(db);
  for (const column of ['head', 'body', 'notes']) {
    await sql`create index ${sql.id(`ticket_search_${column}_tsv`)} on ticket_search using gin (${sql.id(`${column}_tsv`)})`.execute(db);
  }
  await sql`create function ticket_search_refresh(ticket integer) returns void language sql as $$
    insert into ticket_search (ticket_id, head, body, notes) select ticket_id, head, body, notes from ticket_search_source where ticket_id = ticket
    on conflict (ticket_id) do update set head = excluded.head, body = excluded.body, notes = excluded.notes
  $$`.execute(db);
  // One trigger function for every source table: tickets by their id, the others by ticket_id
  // (both the old and the new ticket when a row moves). Nested IFs: NEW is null in a delete.
  await sql`create function ticket_search_touch() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'tickets' then
        perform ticket_search_refresh(new.id);
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') then
        if old.ticket_id is not null then perform ticket_search_refresh(old.ticket_id); end if;
      end if;
      if tg_op = 'INSERT' then
        if new.ticket_id is not null then perform ticket_search_refresh(new.ticket_id); end if;
      elsif tg_op = 'UPDATE' then
        if new.ticket_id is not null and new.ticket_id is distinct from old.ticket_id then perform ticket_search_refresh(new.ticket_id); end if;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger ticket_search_ticket_insert after insert on tickets for each row execute function ticket_search_touch()`.execute(db);
  await sql`create trigger ticket_search_ticket_update after update of title, customer_name, customer_email on tickets for each row execute function ticket_search_touch()`.execute(db);
  for (const { table, columns } of SOURCES) {
    await sql`create trigger ${sql.id(`ticket_search_${table}_change`)} after insert or delete or update of ${sql.raw(columns)} on ${sql.id(table)}
      for each row execute function ticket_search_touch()`.execute(db);
  }
  await sql`insert into ticket_search (ticket_id, head, body, notes) select ticket_id, head, body, notes from ticket_search_source`.execute(db);

  // pg_trgm, in a savepoint: lacking the privilege must not abort the migration's transaction.
  await sql`savepoint search_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm schema public`.execute(db);
    await sql`release savepoint search_trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint search_trgm`.execute(db);
  }
  const found = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
  const schema = found.rows[0]?.schema;
  if (schema === undefined) return;
  for (const column of ['head', 'body', 'notes']) {
    await sql`create index ${sql.id(`ticket_search_${column}_trgm`)} on ticket_search using gin (${sql.id(column)} ${sql.id(schema)}.gin_trgm_ops)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  if (pg) {
    for (const trigger of ['ticket_search_ticket_insert', 'ticket_search_ticket_update']) await sql`drop trigger if exists ${sql.id(trigger)} on tickets`.execute(db);
    for (const { table } of SOURCES) await sql`drop trigger if exists ${sql.id(`ticket_search_${table}_change`)} on ${sql.id(table)}`.execute(db);
    await sql`drop function if exists ticket_search_touch()`.execute(db);
    await sql`drop function if exists ticket_search_refresh(integer)`.execute(db);
  } else {
    const triggers = ['ticket_search_ticket_insert', 'ticket_search_ticket_update', 'ticket_search_ticket_delete'];
    for (const { table } of SOURCES) triggers.push(...['insert', 'update_old', 'update_new', 'delete'].map((what) => `ticket_search_${table}_${what}`));
    for (const trigger of triggers) await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
  }
  await sql`drop table if exists ticket_search`.execute(db);
  await sql`drop table if exists ticket_search_head`.execute(db);
  await sql`drop view if exists ticket_search_source`.execute(db);
  await sql`drop index if exists inbound_mails_by_ticket`.execute(db);
  await sql`drop index if exists tickets_by_customer_email`.execute(db);
}
