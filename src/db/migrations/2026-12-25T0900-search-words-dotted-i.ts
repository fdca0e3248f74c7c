// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * SQLite only: the known words of typo tolerance (migration 2026-12-03T1000) with a Turkish dotted
 * capital İ as i, as PostgreSQL's lower() has them and as a typed search is read (core/textFold.ts).
 * SQLite's unicode61 tokenizer lower-cases every other letter but leaves İ as it is, so a title
 * "İnternet kesildi" made the word "İnternet": outside the words starting with i that a correction
 * of "internt" reads, so nothing was corrected there. The triggers now hand the tokenizer each text
 * with İ as I (which it lower-cases), and the words already known are folded so.
 */
const TEXTS = [
  { table: 'tickets', text: `new.title || ' ' || new.customer_name`, columns: 'title, customer_name', when: 'true' },
  { table: 'messages', text: 'new.body', columns: 'body', when: 'new.ticket_id is not null' },
  { table: 'attachments', text: 'new.filename', columns: 'filename', when: 'new.ticket_id is not null' },
  { table: 'inbound_mails', text: 'new.subject', columns: 'subject, ticket_id', when: 'new.ticket_id is not null' },
] as const;

const HARVEST = [
  `insert or ignore into search_words (word) select term from search_words_tokens_vocab where length(term) between 4 and 40 and term not glob '*[0-9]*'`,
  `insert into search_words_tokens (search_words_tokens) values ('delete-all')`,
];

const triggerName = (table: string, what: string) => sql.id(`search_words_${table}_${what}`);

async function defineTriggers(db: Kysely<any>, fold: (text: string) => string): Promise<void> {
  for (const { table, text, columns, when } of TEXTS) {
    const add = sql.raw([`insert into search_words_tokens (text) values (${fold(text)})`, ...HARVEST].map((statement) => `${statement};`).join(' '));
    for (const what of ['insert', 'update']) await sql`drop trigger if exists ${triggerName(table, what)}`.execute(db);
    await sql`create trigger ${triggerName(table, 'insert')} after insert on ${sql.id(table)} when ${sql.raw(when)} begin ${add} end`.execute(db);
    await sql`create trigger ${triggerName(table, 'update')} after update of ${sql.raw(columns)} on ${sql.id(table)} when ${sql.raw(when)} begin ${add} end`.execute(db);
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await defineTriggers(db, (text) => `replace(${text}, char(304), 'I')`);
  await sql`insert or ignore into search_words (word) select replace(word, char(304), 'i') from search_words where instr(word, char(304)) > 0`.execute(db);
  await sql`delete from search_words where instr(word, char(304)) > 0`.execute(db);
}

/** Back to 2026-12-03T1000's triggers (the words stay folded: they are only candidates). */
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await defineTriggers(db, (text) => text);
}
