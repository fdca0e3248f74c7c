/**
 * Rebuilding the search index from the rows it is made of (`npm run search:reindex`; bench:seed
 * after a bulk load). The triggers of migration 2026-12-03T0900 keep it right row by row; this is
 * for after a restore, a bulk load that bypassed triggers, or (PostgreSQL) once pg_trgm has been
 * installed by someone allowed to: it then adds the trigram indexes.
 * - SQLite: the FTS5 tables emptied, refilled from `ticket_search_source`, then merged
 *   ('optimize'); the known words of typo tolerance cut from the texts they come from.
 * - PostgreSQL: its secondary indexes dropped, the table refilled, the indexes built in one pass
 *   each (far faster than a million insertions into GIN), all in one transaction: searches see the
 *   old index until it commits. The known words are read from the titles and customer names and
 *   the refilled thread and notes tsvectors.
 */
import { sql } from 'kysely';
import type { DbHandle } from '../db/connect.js';
import { inTransaction } from '../db/transaction.js';
import { forgetTrigramIndexes } from './search.js';

export interface ReindexResult {
  tickets: number;
  ms: number;
  /** PostgreSQL: whether the trigram indexes exist now (null on SQLite, whose FTS5 has them built in). */
  trigram: boolean | null;
}

const COLUMNS = ['head', 'body', 'notes'] as const;
/** Besides titles and customer names, the texts whose words typo tolerance knows (core/searchTypos.ts). */
const WORD_SOURCES = [
  ['messages', 'body'],
  ['attachments', 'filename'],
  ['inbound_mails', 'subject'],
] as const;

/** The schema pg_trgm is installed in, after trying to install it (in a savepoint: a refusal is an answer). */
async function trigramSchema(trx: DbHandle['db']): Promise<string | null> {
  await sql`savepoint search_trgm`.execute(trx);
  try {
    await sql`create extension if not exists pg_trgm schema public`.execute(trx);
    await sql`release savepoint search_trgm`.execute(trx);
  } catch {
    await sql`rollback to savepoint search_trgm`.execute(trx);
  }
  const { rows } = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(trx);
  return rows[0]?.schema ?? null;
}

export async function rebuildSearchIndex(handle: DbHandle): Promise<ReindexResult> {
  const started = performance.now();
  const { db } = handle;
  let trigram: boolean | null = null;
  if (handle.dialect === 'sqlite') {
    await inTransaction(handle, async (trx) => {
      for (const table of ['ticket_search', 'ticket_search_head']) await sql`insert into ${sql.id(table)} (${sql.id(table)}) values ('delete-all')`.execute(trx);
      await sql`insert into ticket_search (rowid, head, body, notes) select ticket_id, head, body, notes from ticket_search_source`.execute(trx);
      await sql`insert into ticket_search_head (rowid, head) select ticket_id, head from ticket_search_source`.execute(trx);
      for (const table of ['ticket_search', 'ticket_search_head']) await sql`insert into ${sql.id(table)} (${sql.id(table)}) values ('optimize')`.execute(trx);
      // The known words, a source at a time through the tokenizing table (as the triggers do).
      await sql`delete from search_words`.execute(trx);
      const harvest = async () => {
        await sql`insert or ignore into search_words (word) select term from search_words_tokens_vocab where length(term) between 4 and 40 and term not glob '*[0-9]*'`.execute(trx);
        await sql`insert into search_words_tokens (search_words_tokens) values ('delete-all')`.execute(trx);
      };
      // İ as I, which the tokenizer lower-cases (it leaves İ as it is), as the triggers hand it the texts (migration 2026-12-25T0900).
      await sql`insert into search_words_tokens (text) select replace(title || ' ' || customer_name, char(304), 'I') from tickets`.execute(trx);
      await harvest();
      for (const [table, column] of WORD_SOURCES) {
        await sql`insert into search_words_tokens (text) select replace(${sql.ref(column)}, char(304), 'I') from ${sql.table(table)} where ticket_id is not null`.execute(trx);
        await harvest();
      }
    });
  } else {
    // Run again as a whole after a deadlock (db/transaction.ts): writers' triggers take the two
    // tables in either order (a new ticket or message: its words, then its index row; a change of
    // a ticket's indexed fields first: its index row). Both are locked before any work, words
    // first as most writers take them, so a cycle costs a retry of nothing done yet.
    await inTransaction(handle, async (trx) => {
      await sql`lock table search_words, ticket_search in access exclusive mode`.execute(trx);
      const schema = await trigramSchema(trx);
      trigram = schema !== null;
      for (const column of COLUMNS) {
        await sql`drop index if exists ${sql.id(`ticket_search_${column}_tsv`)}`.execute(trx);
        await sql`drop index if exists ${sql.id(`ticket_search_${column}_trgm`)}`.execute(trx);
      }
      await sql`truncate ticket_search`.execute(trx);
      await sql`set local maintenance_work_mem = '256MB'`.execute(trx);
      await sql`insert into ticket_search (ticket_id, head, body, notes) select ticket_id, head, body, notes from ticket_search_source`.execute(trx);
      for (const column of COLUMNS) {
        await sql`create index ${sql.id(`ticket_search_${column}_tsv`)} on ticket_search using gin (${sql.id(`${column}_tsv`)})`.execute(trx);
        if (schema !== null) await sql`create index ${sql.id(`ticket_search_${column}_trgm`)} on ticket_search using gin (${sql.id(column)} ${sql.id(schema)}.gin_trgm_ops)`.execute(trx);
      }
      await sql`drop index if exists search_words_trgm`.execute(trx);
      await sql`truncate search_words`.execute(trx);
      // The texts the triggers read (migration 2026-12-03T1000): titles and customer names, and the
      // thread and notes (messages, file names, mail subjects: already in their tsvectors). Not the
      // head's tsvector, which holds the customer's email address too: its parts became known words
      // on a reindex only, so a correction such as "exampel" → "example" came and went with one.
      await sql`insert into search_words (word)
        select distinct p from (select to_tsvector('simple', title || ' ' || customer_name) as v from tickets union all select body_tsv || notes_tsv from ticket_search) d,
          unnest(tsvector_to_array(d.v)) w, regexp_split_to_table(w, '[^[:alpha:]]+') p
        where char_length(p) between 4 and 40`.execute(trx);
      if (schema !== null) await sql`create index search_words_trgm on search_words using gin (word ${sql.id(schema)}.gin_trgm_ops)`.execute(trx);
    });
    await sql`analyze ticket_search`.execute(db);
    await sql`analyze search_words`.execute(db);
    forgetTrigramIndexes(db);
  }
  const { rows } = await sql<{ n: number }>`select count(*) as n from tickets`.execute(db);
  return { tickets: Number(rows[0]?.n ?? 0), ms: performance.now() - started, trigram };
}
