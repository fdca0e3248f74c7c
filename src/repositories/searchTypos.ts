/**
 * Typo tolerance (core/searchTypos.ts decides; README, "Search"): the known words near a misspelt
 * one, from the words table of migration 2026-12-03T1000, and the search that retries with the
 * corrections, under the viewer's visibility.
 * - SQLite: `search_words` read by range: the words of the same first letter and a close length
 *   (all as alike: ties go alphabetically).
 * - PostgreSQL: `search_words` through pg_trgm's `%` (trigram similarity over its GIN index), same
 *   first letter; weight = the similarity. Without the trigram indexes (the extension was not
 *   allowed) there are no candidates: typo tolerance is off.
 */
import { sql } from 'kysely';
import type { SearchQuery } from '../core/search.js';
import { candidateRange, type Corrections, correctionAttempts, correctionsFound, correctQuery, type KnownWord, rankCorrections, typoWords } from '../core/searchTypos.js';
import type { Db } from '../db/connect.js';
import { hasTrigramIndexes, isPostgres } from './search.js';
import { listTickets, type PositionedRow, type TicketListQuery, type Viewer } from './ticketQueries.js';

/** How many of the most alike words PostgreSQL hands over per misspelt word. */
const PG_CANDIDATES = 50;

const trigramSchemas = new WeakMap<Db, string>();

/** The schema pg_trgm lives in (its operators are named with it: the app's search_path may not hold it). */
async function trigramSchema(db: Db): Promise<string | null> {
  const known = trigramSchemas.get(db);
  if (known !== undefined) return known;
  const { rows } = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema !== null) trigramSchemas.set(db, schema);
  return schema;
}

/** Known words that may be what `word` (lower case, letters only) meant. */
export async function knownWordsNear(db: Db, word: string): Promise<KnownWord[]> {
  const range = candidateRange(word);
  if (!isPostgres(db)) {
    const { rows } = await sql<{ word: string }>`select word from search_words
      where word >= ${range.from} and word < ${range.to} and length(word) between ${range.minLength} and ${range.maxLength}`.execute(db);
    return rows.map((r) => ({ word: r.word, weight: 0 }));
  }
  if (!(await hasTrigramIndexes(db))) return [];
  const schema = await trigramSchema(db);
  if (schema === null) return [];
  const trgm = sql.id(schema);
  const { rows } = await sql<KnownWord>`select word, max(${trgm}.similarity(word, ${word})) as weight from search_words
    where word operator(${trgm}.%) ${word} and left(word, 1) = ${range.from} and char_length(word) between ${range.minLength} and ${range.maxLength}
    group by word order by weight desc, word limit ${PG_CANDIDATES}`.execute(db);
  return rows.map((r) => ({ word: r.word, weight: Number(r.weight) }));
}

export interface ForgivingResult {
  rows: PositionedRow[];
  /** The misspelt words replaced to find `rows`, or null: the search as typed. */
  corrections: Corrections | null;
}

/** The texts search matches (ticket_search_source: head, thread, notes) of these tickets. */
async function searchedTexts(db: Db, ticketIds: readonly number[]): Promise<string[]> {
  if (ticketIds.length === 0) return [];
  const { rows } = await sql<{ head: string | null; body: string | null; notes: string | null }>`select head, body, notes from ticket_search_source
    where ticket_id in (${sql.join([...ticketIds])})`.execute(db);
  return rows.flatMap((r) => [r.head, r.body, r.notes].filter((text): text is string => text !== null));
}

/**
 * When `query` found nothing: the same search with misspelt words corrected, tried in order
 * (core/searchTypos.ts) by `run`, which answers null when a try finds nothing the viewer may see.
 * The first that finds tickets (`idsOf`) holding each corrected word whole (correctionsFound), and
 * its corrections; null when none does. `run` carries the viewer's visibility, so a correction is
 * always a word of a visible ticket: candidates from other tickets, or only inside longer words of
 * visible ones, are tried and dropped unseen.
 */
export async function firstCorrected<T>(db: Db, query: SearchQuery, run: (corrected: SearchQuery) => Promise<T | null>, idsOf: (found: T) => readonly number[]): Promise<{ found: T; corrections: Corrections } | null> {
  const words = typoWords(query);
  if (words.length === 0) return null;
  const ranked = new Map(await Promise.all(words.map(async (word) => [word, rankCorrections(word, await knownWordsNear(db, word))] as const)));
  for (const corrections of correctionAttempts(ranked)) {
    const found = await run(correctQuery(query, corrections));
    if (found !== null && correctionsFound(corrections, await searchedTexts(db, idsOf(found)))) return { found, corrections };
  }
  return null;
}

/** A page of `listTickets` for a search; when its first page finds nothing, the search corrected (firstCorrected). */
export async function listTicketsForgiving(db: Db, viewer: Viewer, filter: TicketListQuery & { search: SearchQuery }): Promise<ForgivingResult> {
  const rows = await listTickets(db, viewer, filter);
  if (rows.length > 0 || filter.beforeId !== undefined) return { rows, corrections: null };
  const corrected = await firstCorrected(db, filter.search, async (search) => {
    const found = await listTickets(db, viewer, { ...filter, search });
    return found.length > 0 ? found : null;
  }, (found) => found.map((row) => row.id));
  return corrected === null ? { rows, corrections: null } : { rows: corrected.found, corrections: corrected.corrections };
}
