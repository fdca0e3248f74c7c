// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';
// The parts as 2026-12-19T0900 reads them: frozen there, so the same text here.
import { source } from './2026-12-19T0900-search-folding.js';

/**
 * SQLite only: `ticket_search_source` (migration 2026-12-19T0900) folded each part with 32
 * `replace()` calls, one inside the other, and older SQLite builds with a fixed parser stack parse
 * about 26 of them (3.40.1, Debian 12's: "parser stack overflow"). Every tool built on such a SQLite
 * (the `sqlite3` shell, Python's sqlite3 module, DB browsers) reads the schema whole when it opens the file, so it
 * refused the database: `malformed database schema (ticket_search_source) - parser stack
 * overflow` to any statement. An operator checking a backup (README, Operations) was told the
 * database was damaged, and `VACUUM INTO` could not copy it.
 *
 * The same folding, in two views of half the depth each: `ticket_search_spaced` makes the dotted
 * capital İ an I and the first half of the spaces plain; `ticket_search_source` reads it and does
 * the rest and the collapse of runs. Same text, in the same order, so the documents written stay
 * as they are. PostgreSQL folds with one regexp_replace: nothing changes there.
 */
/** JavaScript's `\s` but the plain space, as code points, and the marker U+0001 (as 2026-12-19T0900). */
const SPACES = [9, 10, 11, 12, 13, 160, 5760, ...Array.from({ length: 11 }, (_, i) => 8192 + i), 8232, 8233, 8239, 8287, 12288, 65279, 1];
const HALF = Math.ceil(SPACES.length / 2);

function plain(text: string, codes: readonly number[]): string {
  return codes.reduce((folded, code) => `replace(${folded}, char(${code}), ' ')`, text);
}

/** İ, then the first half of the spaces. */
function firstHalf(text: string): string {
  return plain(`replace(${text}, char(304), 'I')`, SPACES.slice(0, HALF));
}

/** The other spaces, then runs collapsed through the marker: "a   b" → "a \u0001 \u0001 \u0001b" → "a \u0001b" → "a b". */
function secondHalf(text: string): string {
  const folded = plain(text, SPACES.slice(HALF));
  return `replace(replace(replace(${folded}, ' ', ' ' || char(1)), char(1) || ' ', ''), ' ' || char(1), ' ')`;
}

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop view ticket_search_source`.execute(db);
  await sql`create view ticket_search_spaced as ${sql.raw(source(firstHalf))}`.execute(db);
  await sql`create view ticket_search_source as select ticket_id, ${sql.raw(secondHalf('head'))} as head,
    ${sql.raw(secondHalf('body'))} as body, ${sql.raw(secondHalf('notes'))} as notes from ticket_search_spaced`.execute(db);
}

/** Back to 2026-12-19T0900's one view, folding the same way. */
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`drop view ticket_search_source`.execute(db);
  await sql`drop view ticket_search_spaced`.execute(db);
  await sql`create view ticket_search_source as ${sql.raw(source((text) => secondHalf(firstHalf(text))))}`.execute(db);
}
