// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The words search has seen, for typo tolerance (issue 21: "pg_trgm for substrings and typos";
 * README, "Search"): when a search finds nothing, each longer word is looked up here for a known
 * word one or two letters away, and the corrected search is run under the viewer's visibility
 * before anything is shown. So this is only a list of candidates: it never decides what a viewer
 * sees, and a word that has since gone (a deleted message) costs one extra query at most. That is
 * why it is kept by insert-and-update triggers only, of the new text alone (not the whole ticket,
 * which the search index triggers re-read), and is rebuilt by `npm run search:reindex`.
 * - SQLite: `search_words (word)`, one row per word (primary key: read by range of first letter).
 *   SQL cannot cut a text into words, so FTS5 does: the trigger writes the new text into
 *   `search_words_tokens` (contentless, unicode61 tokenizer, `detail = none`), copies its terms
 *   (read through the fts5vocab table `search_words_tokens_vocab`, four to forty characters, no
 *   digits) into `search_words`, and empties it again ('delete-all'): it never holds more than
 *   one text, so reading its terms costs that text, not the whole index. (An FTS5 index of every
 *   text read through fts5vocab was the first try: reading the terms of one letter walks all
 *   their postings, which grows with every message.)
 * - PostgreSQL: `search_words (word)`, the runs of four to forty letters in the lexemes of each text
 *   written (the 'simple' configuration of the tsvectors, its tokens cut at anything not a letter,
 *   as unicode61 does: `quarterly-report.pdf` is one host name to it), inserted when not there yet. No unique
 *   key on purpose: two intakes adding the same new word would wait for each other (and could
 *   deadlock); a rare duplicate is harmless. With pg_trgm, a trigram GIN index for the `%`
 *   lookup; without it typo tolerance is off.
 */

/** The texts that add words: table, the new row's text, the columns whose update changes it, and when it counts. */
const TEXTS = [
  { table: 'tickets', text: `new.title || ' ' || new.customer_name`, columns: 'title, customer_name', when: 'true' },
  { table: 'messages', text: 'new.body', columns: 'body', when: 'new.ticket_id is not null' },
  { table: 'attachments', text: 'new.filename', columns: 'filename', when: 'new.ticket_id is not null' },
  { table: 'inbound_mails', text: 'new.subject', columns: 'subject, ticket_id', when: 'new.ticket_id is not null' },
] as const;

const triggerName = (table: string, what: string) => sql.id(`search_words_${table}_${what}`);

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await postgres(db);
  else await sqlite(db);
}

/** SQLite: the words of the texts in `search_words_tokens` added to `search_words`, and that table emptied again. */
const SQLITE_HARVEST = [
  `insert or ignore into search_words (word) select term from search_words_tokens_vocab where length(term) between 4 and 40 and term not glob '*[0-9]*'`,
  `insert into search_words_tokens (search_words_tokens) values ('delete-all')`,
];

async function sqlite(db: Kysely<any>): Promise<void> {
  await sql`create table search_words (word text primary key) without rowid`.execute(db);
  await sql`create virtual table search_words_tokens using fts5(text, content = '', detail = none, tokenize = 'unicode61 remove_diacritics 0')`.execute(db);
  await sql`create virtual table search_words_tokens_vocab using fts5vocab(search_words_tokens, row)`.execute(db);
  for (const { table, text, columns, when } of TEXTS) {
    const add = sql.raw([`insert into search_words_tokens (text) values (${text})`, ...SQLITE_HARVEST].map((statement) => `${statement};`).join(' '));
    await sql`create trigger ${triggerName(table, 'insert')} after insert on ${sql.id(table)} when ${sql.raw(when)} begin ${add} end`.execute(db);
    await sql`create trigger ${triggerName(table, 'update')} after update of ${sql.raw(columns)} on ${sql.id(table)} when ${sql.raw(when)} begin ${add} end`.execute(db);
  }
  await sql`insert into search_words_tokens (text) select title || ' ' || customer_name from tickets`.execute(db);
  for (const [table, column] of [['messages', 'body'], ['attachments', 'filename'], ['inbound_mails', 'subject']]) {
    await sql`insert into search_words_tokens (text) select ${sql.ref(column!)} from ${sql.table(table!)} where ticket_id is not null`.execute(db);
  }
  for (const statement of SQLITE_HARVEST) await sql.raw(statement).execute(db);
}

async function postgres(db: Kysely<any>): Promise<void> {
  await sql`create table search_words (word text not null)`.execute(db);
  await sql`create index search_words_by_word on search_words (word)`.execute(db);
  await sql`create function search_words_add(content text) returns void language sql as $$
    insert into search_words (word)
    select distinct p from unnest(tsvector_to_array(to_tsvector('simple', content))) w, regexp_split_to_table(w, '[^[:alpha:]]+') p
    where char_length(p) between 4 and 40 and not exists (select 1 from search_words s where s.word = p)
  $$`.execute(db);
  // One trigger function for the four tables; each branch reads only its own table's columns.
  await sql`create function search_words_touch() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'tickets' then
        perform search_words_add(new.title || ' ' || new.customer_name);
      elsif new.ticket_id is null then
        return null;
      elsif tg_table_name = 'messages' then
        perform search_words_add(new.body);
      elsif tg_table_name = 'attachments' then
        perform search_words_add(new.filename);
      elsif tg_table_name = 'inbound_mails' then
        perform search_words_add(new.subject);
      end if;
      return null;
    end $$`.execute(db);
  for (const { table, columns } of TEXTS) {
    await sql`create trigger ${triggerName(table, 'change')} after insert or update of ${sql.raw(columns)} on ${sql.id(table)}
      for each row execute function search_words_touch()`.execute(db);
  }
  await sql`insert into search_words (word)
    select distinct p from ticket_search s, unnest(tsvector_to_array(s.head_tsv || s.body_tsv || s.notes_tsv)) w, regexp_split_to_table(w, '[^[:alpha:]]+') p
    where char_length(p) between 4 and 40`.execute(db);
  const found = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
  const schema = found.rows[0]?.schema;
  if (schema !== undefined) await sql`create index search_words_trgm on search_words using gin (word ${sql.id(schema)}.gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const { table } of TEXTS) {
    if (pg) await sql`drop trigger if exists ${triggerName(table, 'change')} on ${sql.id(table)}`.execute(db);
    else for (const what of ['insert', 'update']) await sql`drop trigger if exists ${triggerName(table, what)}`.execute(db);
  }
  if (pg) {
    await sql`drop function if exists search_words_touch()`.execute(db);
    await sql`drop function if exists search_words_add(text)`.execute(db);
  } else {
    await sql`drop table if exists search_words_tokens_vocab`.execute(db);
    await sql`drop table if exists search_words_tokens`.execute(db);
  }
  await sql`drop table if exists search_words`.execute(db);
}
