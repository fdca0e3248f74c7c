// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The search documents folded as a typed search is (core/search.ts, core/textFold.ts):
 * - whitespace made plain: every run of spaces, tabs, line breaks, no-break and other Unicode
 *   spaces becomes one space, as a typed phrase's does, so `"cartridge leaks"` finds a mail
 *   wrapped as "cartridge\r\n  leaks" or an HTML mail's "cartridge&nbsp;leaks". Before, a phrase
 *   matched only where the text had exactly one space;
 * - the dotted capital İ (U+0130, Turkish) as I: SQLite's trigram index kept it as it is, so
 *   "ismail" missed "İsmail" there (PostgreSQL's lower() folds it), and JavaScript lower-cases it
 *   to "i" plus a combining dot, so a typed "İsmail" matched nothing on either engine.
 * `ticket_search_source` (migration 2026-12-03T0900) is defined again with each part folded so;
 * every writer of the index reads it (the triggers, search:reindex), so nothing else changes.
 * PostgreSQL: one regexp_replace. SQLite (no regular expressions): each kind of space replaced by a
 * space, then runs collapsed with a marker, U+0001, itself folded into a space first. The documents
 * already written are rebuilt from it (PostgreSQL: only those that change). The whitespace is
 * JavaScript's `\s` (what the typed phrase folds) and U+0001.
 */
const SEARCH_TEXT_LIMIT = 500_000;

/** JavaScript's `\s`, as code points: tab to carriage return, space, no-break and the other Unicode spaces; and the marker. */
const SPACES = [9, 10, 11, 12, 13, 32, 160, 5760, ...Array.from({ length: 11 }, (_, i) => 8192 + i), 8232, 8233, 8239, 8287, 12288, 65279, 1];

function postgresFold(text: string): string {
  const hex = (code: number) => (code === 32 ? ' ' : `\\u${code.toString(16).padStart(4, '0')}`);
  return `regexp_replace(replace(${text}, chr(304), 'I'), '[${SPACES.map(hex).join('')}]+', ' ', 'g')`;
}

function sqliteFold(text: string): string {
  let folded = `replace(${text}, char(304), 'I')`;
  for (const code of SPACES) if (code !== 32) folded = `replace(${folded}, char(${code}), ' ')`;
  // "a   b" → "a \u0001 \u0001 \u0001b" → "a \u0001b" → "a b".
  return `replace(replace(replace(${folded}, ' ', ' ' || char(1)), char(1) || ' ', ''), ' ' || char(1), ' ')`;
}

/** A ticket's three parts, each through `fold` (2026-12-20T0900 folds them in two views). */
export function source(fold: (text: string) => string): string {
  return `select t.id as ticket_id,
    ${fold(`substr(t.title || ' ' || t.customer_name || ' ' || t.customer_email, 1, ${SEARCH_TEXT_LIMIT})`)} as head,
    ${fold(`substr(coalesce((select string_agg(m.body, ' ') from messages m where m.ticket_id = t.id and m.kind <> 'note'), '') || ' ' ||
      coalesce((select string_agg(a.filename, ' ') from messages m join attachments a on a.message_id = m.id where m.ticket_id = t.id and m.kind <> 'note'), '') || ' ' ||
      coalesce((select string_agg(i.subject, ' ') from inbound_mails i where i.ticket_id = t.id), ''), 1, ${SEARCH_TEXT_LIMIT})`)} as body,
    ${fold(`substr(coalesce((select string_agg(m.body, ' ') from messages m where m.ticket_id = t.id and m.kind = 'note'), '') || ' ' ||
      coalesce((select string_agg(a.filename, ' ') from messages m join attachments a on a.message_id = m.id where m.ticket_id = t.id and m.kind = 'note'), ''), 1, ${SEARCH_TEXT_LIMIT})`)} as notes
  from tickets t`;
}

async function defineSource(db: Kysely<any>, fold: (text: string) => string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create or replace view ticket_search_source as ${sql.raw(source(fold))}`.execute(db);
    await sql`update ticket_search s set head = v.head, body = v.body, notes = v.notes from ticket_search_source v
      where v.ticket_id = s.ticket_id and (s.head, s.body, s.notes) is distinct from (v.head, v.body, v.notes)`.execute(db);
    return;
  }
  await sql`drop view ticket_search_source`.execute(db);
  await sql`create view ticket_search_source as ${sql.raw(source(fold))}`.execute(db);
  // Contentless FTS5 tables cannot say what they hold: both are written again.
  for (const table of ['ticket_search', 'ticket_search_head']) await sql`insert into ${sql.id(table)} (${sql.id(table)}) values ('delete-all')`.execute(db);
  await sql`insert into ticket_search (rowid, head, body, notes) select ticket_id, head, body, notes from ticket_search_source`.execute(db);
  await sql`insert into ticket_search_head (rowid, head) select ticket_id, head from ticket_search_source`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await defineSource(db, pg ? postgresFold : sqliteFold);
}

/** Back to 2026-12-03T0900's documents, as typed. */
export async function down(db: Kysely<any>): Promise<void> {
  await defineSource(db, (text) => text);
}
