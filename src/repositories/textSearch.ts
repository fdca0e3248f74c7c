/**
 * Case-insensitive substring search for the admin browser's plain `q` filters (users, emails,
 * inbound mail; tickets have the search index, repositories/search.ts, whose PostgreSQL patterns
 * come from here too).
 * The column and the text are both folded by core/textFold.ts's rule (PostgreSQL's lower(); on
 * SQLite, whose lower() and LIKE fold ASCII only, the connection's fold_case, db/connect.ts), then
 * compared with `LIKE pattern ESCAPE '\'`, so any letter case matches in any script on both
 * engines, and what the user typed is matched literally.
 */
import { PostgresAdapter, type RawBuilder, type SqlBool, sql } from 'kysely';
import { foldCase } from '../core/textFold.js';
import { type Db, SQLITE_FOLD_CASE } from '../db/connect.js';

/** A LIKE pattern matching `text` anywhere, lower-cased, with `%`, `_` and `\` matching literally. */
export function containsPattern(text: string): string {
  return `%${foldCase(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether any of `columns` (references such as `t.title`) contains `text`, in any letter case. */
export function anyContains(db: Db, columns: readonly string[], text: string): RawBuilder<SqlBool> {
  const pattern = containsPattern(text);
  const fold = sql.raw(db.getExecutor().adapter instanceof PostgresAdapter ? 'lower' : SQLITE_FOLD_CASE);
  const terms = columns.map((column) => sql<SqlBool>`${fold}(${sql.ref(column)}) like ${pattern} escape '\\'`);
  return sql<SqlBool>`(${sql.join(terms, sql` or `)})`;
}
