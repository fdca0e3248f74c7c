/**
 * The engines' side of search (issue 21; what it understands: core/search.ts, README "Search"):
 * a parsed query becomes conditions on `tickets as t`, one per relevance tier (core/search.ts
 * TIER_OFFSET), which the lists combine with their own filters and page through by id.
 * - SQLite: the FTS5 tables `ticket_search` and `ticket_search_head` (trigram tokenizer), rowid =
 *   ticket id; the MATCH expressions are built by core/search.ts and bound as parameters.
 * - PostgreSQL: `ticket_search` rows; each text term is a bound ILIKE pattern over the trigram
 *   GIN indexes (pg_trgm), or, where the extension is missing, a bound `phraseto_tsquery` over the
 *   tsvector GIN indexes (whole words only).
 * Either way user text is a bound value, never SQL or query syntax.
 */
import { type Expression, PostgresAdapter, type RawBuilder, type SqlBool, sql } from 'kysely';
import { emailIndexRanges, fts5Exclusions, fts5Expression, type PositionOp, positionOf, type SearchQuery, spellings, type TextTerm, textTerms, tierSlices } from '../core/search.js';
import { type Db, SQLITE_FOLD_CASE } from '../db/connect.js';
import { containsPattern } from './textSearch.js';

export interface SearchScope {
  /** Whether internal notes are searched (staff on tickets they may see); never for a customer-facing search. */
  includeNotes: boolean;
}

const HEAD = 'head';
const columnsOf = (scope: SearchScope) => (scope.includeNotes ? ['head', 'body', 'notes'] : ['head', 'body']);

export const isPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const TRIGRAM_CHECK_MS = 60_000;
const trigramKnown = new WeakMap<Db, { at: number; present: boolean }>();

/**
 * Whether this PostgreSQL schema has the trigram indexes (pg_trgm was available to the migration
 * or to search:reindex since). Asked again after a minute, so a reindex that adds them is noticed.
 */
export async function hasTrigramIndexes(db: Db): Promise<boolean> {
  const known = trigramKnown.get(db);
  const now = Date.now();
  if (known && now - known.at < TRIGRAM_CHECK_MS) return known.present;
  const { rows } = await sql<{ n: number }>`select count(*) as n from pg_indexes where schemaname = current_schema() and indexname = 'ticket_search_body_trgm'`.execute(db);
  const present = Number(rows[0]?.n ?? 0) > 0;
  trigramKnown.set(db, { at: now, present });
  return present;
}

/** Forget what hasTrigramIndexes found (after a reindex in this process). */
export function forgetTrigramIndexes(db: Db): void {
  trigramKnown.delete(db);
}

/**
 * The ticket's customer is `email` (folded), in any letter case. PostgreSQL's lower() folds every
 * script; SQLite's only ASCII, so there an address with other letters is looked up in the ranges of
 * its index that can hold it (core/search.ts emailIndexRanges) and compared by its fold.
 */
function customerIs(email: string, postgres: boolean): Expression<SqlBool> {
  const ranges = postgres ? null : emailIndexRanges(email);
  if (ranges === null) return sql<SqlBool>`lower(t.customer_email) = ${email}`;
  const within = sql.join(ranges.map(({ from, to }) => sql`(lower(t.customer_email) >= ${from} and lower(t.customer_email) < ${to})`), sql` or `);
  return sql<SqlBool>`((${within}) and ${sql.raw(SQLITE_FOLD_CASE)}(t.customer_email) = ${email})`;
}

function exactConditions(query: SearchQuery, postgres: boolean): Expression<SqlBool>[] {
  return query.terms.flatMap((term): Expression<SqlBool>[] => {
    if (term.kind === 'email') return [term.exclude ? sql<SqlBool>`not ${customerIs(term.email, postgres)}` : customerIs(term.email, postgres)];
    if (term.kind === 'reference') return [term.exclude ? sql<SqlBool>`t.id <> ${term.id}` : sql<SqlBool>`t.id = ${term.id}`];
    return [];
  });
}

/** The ids of the index's matches: `select <id> from … where <match>`, to which a window is added. */
interface MatchSource {
  id: string;
  from: RawBuilder<unknown>;
}

function sqliteSource(query: SearchQuery, scope: SearchScope, tier: 'head' | 'body'): MatchSource {
  const columns = columnsOf(scope);
  const expression = fts5Expression(query, columns, tier, HEAD)!;
  if (tier === 'body') return { id: 'rowid', from: sql`ticket_search where ticket_search match ${expression}` };
  // The head index alone; exclusions may be anywhere, so they are read from the whole one.
  const exclusions = fts5Exclusions(query, columns);
  const unless = exclusions === null ? sql`` : sql` and rowid not in (select rowid from ticket_search where ticket_search match ${exclusions})`;
  return { id: 'rowid', from: sql`ticket_search_head where ticket_search_head match ${expression}${unless}` };
}

function postgresSource(query: SearchQuery, scope: SearchScope, tier: 'head' | 'body', trigram: boolean): MatchSource {
  const inColumn = (text: string, column: string) =>
    trigram ? sql<SqlBool>`${sql.ref(`s.${column}`)} ilike ${containsPattern(text)} escape '\\'` : sql<SqlBool>`${sql.ref(`s.${column}_tsv`)} @@ phraseto_tsquery('simple', ${text})`;
  // Each spelling of the term (composed or decomposed accents: core/search.ts spellings) in each column.
  const inAny = (term: TextTerm, columns: readonly string[]) => sql<SqlBool>`(${sql.join(spellings(term.text).flatMap((text) => columns.map((c) => inColumn(text, c))), sql` or `)})`;
  const all = (terms: readonly TextTerm[], columns: readonly string[]) => sql.join(terms.map((t) => inAny(t, columns)), sql` and `);
  const columns = columnsOf(scope);
  const included = textTerms(query, false);
  const excluded = textTerms(query, true);
  const conditions = [tier === 'head' ? all(included, [HEAD]) : sql`${all(included, columns)} and not (${all(included, [HEAD])})`];
  if (excluded.length > 0) conditions.push(sql`not (${sql.join(excluded.map((t) => inAny(t, columns)), sql` or `)})`);
  return { id: 's.ticket_id', from: sql`ticket_search s where ${sql.join(conditions, sql` and `)}` };
}

type IdCondition = { op: PositionOp; value: number } | null;

/**
 * A stretch of one tier's matches, in id order from a bound: at most `size` of them. Reading the
 * index a window at a time lets both engines stop early (FTS5 walks its rowids in order, PostgreSQL
 * gets a LIMIT), instead of collecting every match of a common word before the first page.
 */
export interface MatchWindow {
  bound: IdCondition;
  order: 'asc' | 'desc';
  size: number;
}

/** One relevance tier: its condition on `t` (within a window of the index's matches, or all of them). */
export interface SearchTier {
  match(window: MatchWindow | null): Expression<SqlBool>;
  /** How many index matches a window holds, and its last id (null: no index involved, nothing to window). */
  extent: ((window: MatchWindow) => Promise<{ count: number; last: number | null }>) | null;
}

function windowed(source: MatchSource, window: MatchWindow | null): RawBuilder<unknown> {
  const id = sql.raw(source.id);
  if (window === null) return sql`select ${id} from ${source.from}`;
  const bound = window.bound === null ? sql`` : sql` and ${id} ${sql.raw(window.bound.op)} ${window.bound.value}`;
  return sql`select ${id} as id from ${source.from}${bound} order by ${id} ${sql.raw(window.order)} limit ${window.size}`;
}

function tierOf(db: Db, source: MatchSource | null, exact: Expression<SqlBool>[]): SearchTier {
  const and = (conditions: Expression<SqlBool>[]) => sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
  if (source === null) return { match: () => and(exact), extent: null };
  return {
    match: (window) => and([sql<SqlBool>`t.id in (${windowed(source, window)})`, ...exact]),
    extent: async (window) => {
      const edge = window.order === 'desc' ? sql`min(w.id)` : sql`max(w.id)`;
      const { rows } = await sql<{ count: number; last: number | null }>`select count(*) as count, ${edge} as last from (${windowed(source, window)}) w`.execute(db);
      return { count: Number(rows[0]?.count ?? 0), last: rows[0]?.last === null || rows[0]?.last === undefined ? null : Number(rows[0].last) };
    },
  };
}

/**
 * The query's tiers on `tickets as t`, best first: [head matches, thread matches] when it has text
 * to look for, or one tier when it names only emails or references.
 */
export async function searchTiers(db: Db, query: SearchQuery, scope: SearchScope): Promise<SearchTier[]> {
  const exact = exactConditions(query, isPostgres(db));
  if (textTerms(query, false).length === 0) return [tierOf(db, null, exact)];
  if (!isPostgres(db)) return (['head', 'body'] as const).map((tier) => tierOf(db, sqliteSource(query, scope, tier), exact));
  const trigram = await hasTrigramIndexes(db);
  return (['head', 'body'] as const).map((tier) => tierOf(db, postgresSource(query, scope, tier, trigram), exact));
}

/** The first window's size: a few pages' worth, so a page usually needs one; each next one is 4× bigger. */
const FIRST_WINDOW = 200;

/**
 * Up to `limit` rows of the tiers at positions `cursor` (all without one), in `order` of position:
 * `fetch` reads rows matching a condition, in `order` of id. Each tier is read a window of index
 * matches at a time until the page is full or the tier has no more.
 */
export async function fetchTiered<R extends { id: number }>(
  tiers: readonly SearchTier[],
  cursor: { op: PositionOp; position: number } | null,
  order: 'asc' | 'desc',
  limit: number,
  fetch: (where: Expression<SqlBool>, id: IdCondition, limit: number) => Promise<R[]>,
  firstWindow = Math.max(FIRST_WINDOW, limit * 4),
): Promise<Array<R & { position: number }>> {
  const rows: Array<R & { position: number }> = [];
  const take = (fetched: R[], tier: number) => rows.push(...fetched.map((row) => ({ ...row, position: positionOf(tier === 0 ? 1 : 2, row.id) })));
  for (const slice of tierSlices(tiers.length, cursor, order)) {
    const tier = tiers[slice.tier]!;
    if (tier.extent === null) {
      if (rows.length < limit) take(await fetch(tier.match(null), slice.id, limit - rows.length), slice.tier);
      continue;
    }
    let window: MatchWindow = { bound: slice.id, order, size: firstWindow };
    while (rows.length < limit) {
      take(await fetch(tier.match(window), null, limit - rows.length), slice.tier);
      if (rows.length >= limit) break;
      const { count, last } = await tier.extent(window);
      if (count < window.size || last === null) break;
      window = { bound: { op: order === 'desc' ? '<' : '>', value: last }, order, size: window.size * 4 };
    }
  }
  return rows;
}
