/**
 * The engines' side of search (issue 21; what it understands: core/search.ts, README "Search"):
 * a parsed query becomes conditions on `tickets as t`, one per relevance tier (core/search.ts
 * TIER_OFFSET), which the lists combine with their own filters and page through by id.
 * - SQLite: the FTS5 table `ticket_search` (trigram tokenizer), rowid = ticket id; the MATCH
 *   expression is built by core/search.ts fts5Expression and bound as one parameter.
 * - PostgreSQL: `ticket_search` rows; each text term is a bound ILIKE pattern over the trigram
 *   GIN indexes (pg_trgm), or, where the extension is missing, a bound `phraseto_tsquery` over the
 *   tsvector GIN indexes (whole words only).
 * Either way user text is a bound value, never SQL or query syntax.
 */
import { type Expression, PostgresAdapter, type SqlBool, sql } from 'kysely';
import { fts5Expression, type PositionOp, positionOf, type SearchQuery, type TextTerm, textTerms, tierSlices } from '../core/search.js';
import type { Db } from '../db/connect.js';
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

function exactConditions(query: SearchQuery): Expression<SqlBool>[] {
  return query.terms.flatMap((term): Expression<SqlBool>[] => {
    if (term.kind === 'email') return [term.exclude ? sql<SqlBool>`lower(t.customer_email) <> ${term.email}` : sql<SqlBool>`lower(t.customer_email) = ${term.email}`];
    if (term.kind === 'reference') return [term.exclude ? sql<SqlBool>`t.id <> ${term.id}` : sql<SqlBool>`t.id = ${term.id}`];
    return [];
  });
}

function sqliteTier(query: SearchQuery, scope: SearchScope, tier: 'head' | 'body'): Expression<SqlBool> {
  const expression = fts5Expression(query, columnsOf(scope), tier, HEAD)!;
  return sql<SqlBool>`t.id in (select rowid from ticket_search where ticket_search match ${expression})`;
}

function postgresTier(query: SearchQuery, scope: SearchScope, tier: 'head' | 'body', trigram: boolean): Expression<SqlBool> {
  const inColumn = (term: TextTerm, column: string) =>
    trigram ? sql<SqlBool>`${sql.ref(`s.${column}`)} ilike ${containsPattern(term.text)} escape '\\'` : sql<SqlBool>`${sql.ref(`s.${column}_tsv`)} @@ phraseto_tsquery('simple', ${term.text})`;
  const inAny = (term: TextTerm, columns: readonly string[]) => sql<SqlBool>`(${sql.join(columns.map((c) => inColumn(term, c)), sql` or `)})`;
  const all = (terms: readonly TextTerm[], columns: readonly string[]) => sql.join(terms.map((t) => inAny(t, columns)), sql` and `);
  const columns = columnsOf(scope);
  const included = textTerms(query, false);
  const excluded = textTerms(query, true);
  const conditions = [tier === 'head' ? all(included, [HEAD]) : sql`${all(included, columns)} and not (${all(included, [HEAD])})`];
  if (excluded.length > 0) conditions.push(sql`not (${sql.join(excluded.map((t) => inAny(t, columns)), sql` or `)})`);
  return sql<SqlBool>`t.id in (select s.ticket_id from ticket_search s where ${sql.join(conditions, sql` and `)})`;
}

/**
 * The query's conditions on `tickets as t`, best tier first: [head matches, thread matches] when
 * it has text to look for, or one tier when it names only emails or references.
 */
export async function searchTiers(db: Db, query: SearchQuery, scope: SearchScope): Promise<Expression<SqlBool>[]> {
  const exact = exactConditions(query);
  const withExact = (condition: Expression<SqlBool>) => (exact.length === 0 ? condition : sql<SqlBool>`(${sql.join([condition, ...exact], sql` and `)})`);
  if (textTerms(query, false).length === 0) return [sql<SqlBool>`(${sql.join(exact, sql` and `)})`];
  if (!isPostgres(db)) return [withExact(sqliteTier(query, scope, 'head')), withExact(sqliteTier(query, scope, 'body'))];
  const trigram = await hasTrigramIndexes(db);
  return [withExact(postgresTier(query, scope, 'head', trigram)), withExact(postgresTier(query, scope, 'body', trigram))];
}

type IdCondition = { op: PositionOp; value: number } | null;

/**
 * Up to `limit` rows of the tiers at positions `cursor` (all without one), in `order` of position:
 * `fetch` reads one tier's rows with its condition and id bound, in `order` of id.
 */
export async function fetchTiered<R extends { id: number }>(
  tiers: readonly Expression<SqlBool>[],
  cursor: { op: PositionOp; position: number } | null,
  order: 'asc' | 'desc',
  limit: number,
  fetch: (where: Expression<SqlBool>, id: IdCondition, limit: number) => Promise<R[]>,
): Promise<Array<R & { position: number }>> {
  const rows: Array<R & { position: number }> = [];
  for (const slice of tierSlices(tiers.length, cursor, order)) {
    if (rows.length >= limit) break;
    const fetched = await fetch(tiers[slice.tier]!, slice.id, limit - rows.length);
    rows.push(...fetched.map((row) => ({ ...row, position: positionOf(slice.tier === 0 ? 1 : 2, row.id) })));
  }
  return rows;
}

/** Whether any tier holds a row at a position `op position`. */
export async function existsTiered(
  tiers: readonly Expression<SqlBool>[],
  op: '<=' | '>=',
  position: number,
  exists: (where: Expression<SqlBool>, id: IdCondition) => Promise<boolean>,
): Promise<boolean> {
  for (const slice of tierSlices(tiers.length, { op, position }, 'desc')) {
    if (await exists(tiers[slice.tier]!, slice.id)) return true;
  }
  return false;
}
