/**
 * Case-insensitive substring search for the admin browser's plain `q` filters (users, emails,
 * inbound mail; tickets have the search index, repositories/search.ts, whose PostgreSQL patterns
 * come from here too).
 * `lower(column) LIKE pattern ESCAPE '\'` behaves the same on both engines (PostgreSQL's LIKE is
 * case-sensitive, SQLite's only for ASCII), and what the user typed is matched literally.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';

/** A LIKE pattern matching `text` anywhere, lower-cased, with `%`, `_` and `\` matching literally. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether any of `columns` (references such as `t.title`) contains `text`, in any letter case. */
export function anyContains(columns: readonly string[], text: string): RawBuilder<SqlBool> {
  const pattern = containsPattern(text);
  const terms = columns.map((column) => sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`);
  return sql<SqlBool>`(${sql.join(terms, sql` or `)})`;
}
